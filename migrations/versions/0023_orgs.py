"""Organisations (agencies, companies): invoice data, departments (billing entities), members
(one organisation per account), invitations by single-use link, and approval requests. The tax
code CHECK compares each position with the ASCII digits (no regular expressions on SQLite).

Revision ID: 0023_orgs
Revises: 0022_giftsets
Create Date: 2026-12-03 17:28:26

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023_orgs'
down_revision = '0022_giftsets'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('organisation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('legal_name', sa.String(length=200), nullable=False),
    sa.Column('tax_code', sa.String(length=14), nullable=False),
    sa.Column('invoice_province_code', sa.Integer(), nullable=False),
    sa.Column('invoice_commune_code', sa.Integer(), nullable=False),
    sa.Column('invoice_street', sa.String(length=200), nullable=False),
    sa.Column('invoice_email', sa.String(length=254), nullable=False),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('verified_by_id', sa.Integer(), nullable=True),
    sa.Column('payment_terms_days', sa.Integer(), server_default='0', nullable=False),
    sa.Column('approval_threshold_vnd', sa.BigInteger(), nullable=True),
    sa.Column('demo', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(substr(tax_code, 1, 1) IN ('0', '1', '2', '3', '4', '5', '6', '7', '8', '9') AND substr(tax_code, 2, 1) IN ('0', '1', '2', '3', '4', '5', '6', '7', '8', '9') AND substr(tax_code, 3, 1) IN ('0', '1', '2', '3', '4', '5', '6', '7', '8', '9') AND substr(tax_code, 4, 1) IN ('0', '1', '2', '3', '4', '5', '6', '7', '8', '9') AND substr(tax_code, 5, 1) IN ('0', '1', '2', '3', '4', '5', '6', '7', '8', '9') AND substr(tax_code, 6, 1) IN ('0', '1', '2', '3', '4', '5', '6', '7', '8', '9') AND substr(tax_code, 7, 1) IN ('0', '1', '2', '3', '4', '5', '6', '7', '8', '9') AND substr(tax_code, 8, 1) IN ('0', '1', '2', '3', '4', '5', '6', '7', '8', '9') AND substr(tax_code, 9, 1) IN ('0', '1', '2', '3', '4', '5', '6', '7', '8', '9') AND substr(tax_code, 10, 1) IN ('0', '1', '2', '3', '4', '5', '6', '7', '8', '9')) AND (length(tax_code) = 10 OR (length(tax_code) = 14 AND substr(tax_code, 11, 1) = '-' AND substr(tax_code, 12, 1) IN ('0', '1', '2', '3', '4', '5', '6', '7', '8', '9') AND substr(tax_code, 13, 1) IN ('0', '1', '2', '3', '4', '5', '6', '7', '8', '9') AND substr(tax_code, 14, 1) IN ('0', '1', '2', '3', '4', '5', '6', '7', '8', '9')))", name=op.f('ck_organisation_tax_code_format')),
    sa.CheckConstraint('(verified_at IS NULL) = (verified_by_id IS NULL)', name=op.f('ck_organisation_verified_by_someone')),
    sa.CheckConstraint('approval_threshold_vnd IS NULL OR approval_threshold_vnd >= 0', name=op.f('ck_organisation_threshold_not_negative')),
    sa.CheckConstraint('invoice_email = lower(invoice_email)', name=op.f('ck_organisation_invoice_email_lowercase')),
    sa.CheckConstraint('payment_terms_days = 0 OR verified_at IS NOT NULL', name=op.f('ck_organisation_terms_need_verification')),
    sa.CheckConstraint('payment_terms_days BETWEEN 0 AND 90', name=op.f('ck_organisation_payment_terms_range')),
    sa.ForeignKeyConstraint(['verified_by_id'], ['user_account.id'], name=op.f('fk_organisation_verified_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation')),
    sa.UniqueConstraint('tax_code', name=op.f('uq_organisation_tax_code'))
    )
    op.create_table('approval_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('subject_type', sa.String(length=40), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('amount_vnd', sa.BigInteger(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(status = 'pending') = (decided_at IS NULL)", name=op.f('ck_approval_request_decided_when_done')),
    sa.CheckConstraint("(status IN ('approved', 'rejected')) = (decided_by_id IS NOT NULL)", name=op.f('ck_approval_request_decided_by_approver')),
    sa.CheckConstraint("status IN ('pending', 'approved', 'rejected', 'withdrawn')", name=op.f('ck_approval_request_status_known')),
    sa.CheckConstraint('amount_vnd >= 0', name=op.f('ck_approval_request_amount_not_negative')),
    sa.CheckConstraint('decided_by_id IS NULL OR decided_by_id <> requested_by_id', name=op.f('ck_approval_request_not_self_approved')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_approval_request_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_approval_request_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'], name=op.f('fk_approval_request_requested_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_approval_request')),
    sa.UniqueConstraint('subject_type', 'subject_id', name='uq_approval_request_subject')
    )
    with op.batch_alter_table('approval_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_approval_request_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('billing_entity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('legal_name', sa.String(length=200), nullable=False),
    sa.Column('tax_code', sa.String(length=14), nullable=True),
    sa.Column('province_code', sa.Integer(), nullable=False),
    sa.Column('commune_code', sa.Integer(), nullable=False),
    sa.Column('street', sa.String(length=200), nullable=False),
    sa.Column('invoice_email', sa.String(length=254), nullable=False),
    sa.Column('is_default', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("tax_code IS NULL OR ((substr(tax_code, 1, 1) IN ('0', '1', '2', '3', '4', '5', '6', '7', '8', '9') AND substr(tax_code, 2, 1) IN ('0', '1', '2', '3', '4', '5', '6', '7', '8', '9') AND substr(tax_code, 3, 1) IN ('0', '1', '2', '3', '4', '5', '6', '7', '8', '9') AND substr(tax_code, 4, 1) IN ('0', '1', '2', '3', '4', '5', '6', '7', '8', '9') AND substr(tax_code, 5, 1) IN ('0', '1', '2', '3', '4', '5', '6', '7', '8', '9') AND substr(tax_code, 6, 1) IN ('0', '1', '2', '3', '4', '5', '6', '7', '8', '9') AND substr(tax_code, 7, 1) IN ('0', '1', '2', '3', '4', '5', '6', '7', '8', '9') AND substr(tax_code, 8, 1) IN ('0', '1', '2', '3', '4', '5', '6', '7', '8', '9') AND substr(tax_code, 9, 1) IN ('0', '1', '2', '3', '4', '5', '6', '7', '8', '9') AND substr(tax_code, 10, 1) IN ('0', '1', '2', '3', '4', '5', '6', '7', '8', '9')) AND (length(tax_code) = 10 OR (length(tax_code) = 14 AND substr(tax_code, 11, 1) = '-' AND substr(tax_code, 12, 1) IN ('0', '1', '2', '3', '4', '5', '6', '7', '8', '9') AND substr(tax_code, 13, 1) IN ('0', '1', '2', '3', '4', '5', '6', '7', '8', '9') AND substr(tax_code, 14, 1) IN ('0', '1', '2', '3', '4', '5', '6', '7', '8', '9'))))", name=op.f('ck_billing_entity_tax_code_format')),
    sa.CheckConstraint('invoice_email = lower(invoice_email)', name=op.f('ck_billing_entity_invoice_email_lowercase')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_billing_entity_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_entity')),
    sa.UniqueConstraint('organisation_id', 'name', name='uq_billing_entity_name')
    )
    with op.batch_alter_table('billing_entity', schema=None) as batch_op:
        batch_op.create_index('ix_billing_entity_one_default', ['organisation_id'], unique=True, sqlite_where=sa.text('is_default'), postgresql_where=sa.text('is_default'))
        batch_op.create_index(batch_op.f('ix_billing_entity_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('organisation_invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepted_by_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("role IN ('buyer', 'approver', 'accountant')", name=op.f('ck_organisation_invitation_role_known')),
    sa.CheckConstraint('(accepted_at IS NULL) = (accepted_by_id IS NULL)', name=op.f('ck_organisation_invitation_accepted_by_someone')),
    sa.CheckConstraint('accepted_at IS NULL OR revoked_at IS NULL', name=op.f('ck_organisation_invitation_accepted_or_revoked')),
    sa.CheckConstraint('email = lower(email)', name=op.f('ck_organisation_invitation_email_lowercase')),
    sa.ForeignKeyConstraint(['accepted_by_id'], ['user_account.id'], name=op.f('fk_organisation_invitation_accepted_by_id_user_account')),
    sa.ForeignKeyConstraint(['invited_by_id'], ['user_account.id'], name=op.f('fk_organisation_invitation_invited_by_id_user_account')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_organisation_invitation_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_invitation'))
    )
    with op.batch_alter_table('organisation_invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_invitation_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('organisation_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('buyer', 'approver', 'accountant')", name=op.f('ck_organisation_member_role_known')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_organisation_member_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_organisation_member_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_member')),
    sa.UniqueConstraint('user_id', name='uq_organisation_member_user')
    )
    with op.batch_alter_table('organisation_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_member_organisation_id'), ['organisation_id'], unique=False)



def downgrade():
    with op.batch_alter_table('organisation_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_member_organisation_id'))

    op.drop_table('organisation_member')
    with op.batch_alter_table('organisation_invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_invitation_organisation_id'))

    op.drop_table('organisation_invitation')
    with op.batch_alter_table('billing_entity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_billing_entity_organisation_id'))
        batch_op.drop_index('ix_billing_entity_one_default', sqlite_where=sa.text('is_default'), postgresql_where=sa.text('is_default'))

    op.drop_table('billing_entity')
    with op.batch_alter_table('approval_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_approval_request_organisation_id'))

    op.drop_table('approval_request')
    op.drop_table('organisation')
