"""The producer portal's catalogue: the producer's products with stock and status, creating
and editing them in both languages, pause / resume sale, stock adjustments with a reason, and
pictures. Every change is written to the audit log with the acting user.

Staff see only their own producer's products: any other id is a 404, the same answer as an id
that does not exist.
"""

from __future__ import annotations

import logging

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from shop.accounts.decorators import role_required
from shop.accounts.forms import EmptyForm
from shop.accounts.models import Role, User
from shop.audit.models import AuditLog
from shop.audit.services import record
from shop.catalog.editing import NotReviewed, set_product_active
from shop.catalog.models import (
    Category,
    OcopCertificate,
    Producer,
    Product,
    ProductImage,
    lot_always_required,
)
from shop.catalog.pictures import MAX_BYTES, PictureRefused, store_picture
from shop.catalog.stock import StockWouldGoNegative, adjust_stock, stock_adjustments
from shop.db import begin_write_transaction
from shop.evaluations.scans import scan_response
from shop.extensions import db
from shop.http import paginate
from shop.media import MEDIA_PREFIX
from shop.moderation import services as moderation
from shop.moderation.labels import FIELD_LABELS
from shop.moderation.services import Saved
from shop.producer import bp
from shop.producer.catalogue_forms import NewProductForm, PictureForm, ProductForm, StockForm
from shop.security import max_body
from shop.templating import local_today

log = logging.getLogger(__name__)

PER_PAGE = 50
LOW_STOCK = 5
PICTURES_MAX = 8
# The multipart envelope around a 5 MB picture (boundaries, the CSRF token, the alt text).
UPLOAD_BODY_MAX = MAX_BYTES + 64 * 1024
PICTURE_REFUSALS = {
    "type": _l("This file is not a JPEG, PNG or WebP picture. Choose a photo in one of those."),
    "corrupt": _l("This picture is damaged and cannot be read. Export it again and retry."),
    "too_large": _l("This picture is larger than 5 MB. Choose a smaller one."),
    "too_many_pixels": _l("This picture has too many pixels. Choose one of at most 40 megapixels."),
    "too_small": _l("This picture is too small: it needs at least 64 pixels on each side."),
}


def _producer_id() -> int:
    return current_user.producer_id


def _own_product(product_id: int) -> Product:
    """The staff member's own product, or 404 (another producer's id, or no such product)."""
    product = db.session.scalar(
        select(Product)
        .where(Product.id == product_id, Product.producer_id == _producer_id())
        .options(selectinload(Product.images), selectinload(Product.certificates))
    )
    if product is None:
        abort(404)
    return product


def _category_choices() -> list[SelectChoice]:
    """Sub-groups under their OCOP group (``Thực phẩm › Nông sản tươi``), in page order."""
    groups = db.session.scalars(
        select(Category).where(Category.parent_id.is_(None)).order_by(Category.position)
    ).all()
    choices = []
    for group in groups:
        choices.append(SelectChoice(group.id, group.name_vi))
        choices.extend(SelectChoice(c.id, f"{group.name_vi} › {c.name_vi}") for c in group.children)
    return choices


# --- the list ---------------------------------------------------------------------------------


@bp.get("/products")
@role_required(Role.PRODUCER_STAFF)
def products():
    mine = Product.producer_id == _producer_id()
    listing = paginate(
        select(Product)
        .where(mine)
        .options(selectinload(Product.images))
        .order_by(Product.active.desc(), Product.name_vi, Product.id),
        select(func.count(Product.id)).where(mine),
        PER_PAGE,
    )
    return render_template(
        "producer/products.html",
        producer=db.session.get(Producer, _producer_id()),
        listing=listing,
        low_stock=LOW_STOCK,
    )


# --- create and edit --------------------------------------------------------------------------

SAVED_MESSAGES = {
    Saved.UNCHANGED: _l("Nothing was changed."),
    Saved.SAVED: _l("Changes saved."),
    Saved.ON_SALE: _l("Changes saved: the product is on sale."),
    Saved.SUBMITTED: _l(
        "Saved. The changes to names, descriptions, unit and price wait for the OCOP office's "
        "review: the shop shows the approved version until then."
    ),
    Saved.SUBMITTED_NEW: _l(
        "Saved. This product waits for the OCOP office's review: it goes on sale once approved."
    ),
}


@bp.route("/products/new", methods=["GET", "POST"])
@role_required(Role.PRODUCER_STAFF)
def new_product():
    form = NewProductForm()
    form.category_id.choices = _category_choices()
    if not form.is_submitted():
        form.vat_rate.data = "5"
    if form.validate_on_submit():
        values, stock = form.values(), form.stock.data or 0
        user_id, producer_id = current_user.id, _producer_id()
        begin_write_transaction(db.session)
        product, saved = moderation.create_product_listing(
            db.session.get(Producer, producer_id), values, stock=stock, actor_id=user_id
        )
        db.session.commit()
        flash(SAVED_MESSAGES[saved] if saved != Saved.SAVED else _("Product added and on sale."),
              "success")  # fmt: skip
        return redirect(url_for("producer.product_detail", product_id=product.id))
    return render_template(
        "producer/product_form.html", form=form, product=None
    ), 400 if form.is_submitted() else 200


@bp.route("/products/<int:product_id>/edit", methods=["GET", "POST"])
@role_required(Role.PRODUCER_STAFF)
def edit_product(product_id: int):
    product = _own_product(product_id)
    form = ProductForm(obj=None if request.method == "POST" else product)
    form.category_id.choices = _category_choices()
    pending = moderation.pending_revision(product)
    if request.method == "GET":
        form.vat_rate.data = str(product.vat_rate)
        for name, value in (pending.proposed if pending is not None else {}).items():
            getattr(form, name).data = value  # the producer goes on from what waits for review
    if form.validate_on_submit():
        values, user_id = form.values(), current_user.id
        begin_write_transaction(db.session)
        product = _own_product(product_id)
        saved = moderation.save_product_changes(product, values, actor_id=user_id)
        db.session.commit()
        flash(SAVED_MESSAGES[saved], "success")
        return redirect(url_for("producer.product_detail", product_id=product_id))
    return render_template(
        "producer/product_form.html",
        form=form,
        product=product,
        pending=pending,
        lot_forced=lot_always_required(product.shipping_class),
    ), 400 if form.is_submitted() else 200


# --- the product's page: stock, pictures, history ---------------------------------------------


def _render_detail(
    product: Product,
    *,
    stock_form: StockForm | None = None,
    picture_form: PictureForm | None = None,
    status: int = 200,
):
    history = db.session.scalars(
        select(AuditLog)
        .where(AuditLog.target_type == "product", AuditLog.target_id == product.id)
        .order_by(AuditLog.created_at.desc(), AuditLog.id.desc())
        .limit(20)
    ).all()
    return render_template(
        "producer/product_detail.html",
        product=product,
        revision=moderation.last_revision(product),
        field_labels=FIELD_LABELS,
        category_names=moderation.category_names(),
        certificate=product.valid_certificate(local_today()),
        adjustments=stock_adjustments(product.id),
        history=history,
        stock_form=stock_form or StockForm(prefix="stock"),
        picture_form=picture_form or PictureForm(prefix="picture"),
        action_form=EmptyForm(),
        pictures_max=PICTURES_MAX,
        low_stock=LOW_STOCK,
    ), status


@bp.get("/products/<int:product_id>")
@role_required(Role.PRODUCER_STAFF)
def product_detail(product_id: int):
    return _render_detail(_own_product(product_id))


def _set_active(product_id: int, active: bool):
    user_id = current_user.id
    begin_write_transaction(db.session)
    product = _own_product(product_id)
    try:
        changed = set_product_active(product, active, actor_id=user_id)
    except NotReviewed:
        db.session.rollback()
        flash(_("This product waits for the OCOP office's review: it goes on sale once "
                "approved."), "error")  # fmt: skip
        return redirect(url_for("producer.product_detail", product_id=product_id))
    db.session.commit()
    if not changed:
        flash(_("Already on sale.") if active else _("Already paused."), "info")
    elif active:
        flash(_("Back on sale."), "success")
    else:
        flash(_("Sale paused: shoppers no longer see this product."), "success")
    return redirect(url_for("producer.product_detail", product_id=product_id))


@bp.post("/products/<int:product_id>/pause")
@role_required(Role.PRODUCER_STAFF)
def pause_product(product_id: int):
    return _set_active(product_id, False)


@bp.post("/products/<int:product_id>/resume")
@role_required(Role.PRODUCER_STAFF)
def resume_product(product_id: int):
    return _set_active(product_id, True)


@bp.post("/products/<int:product_id>/stock")
@role_required(Role.PRODUCER_STAFF)
def adjust_product_stock(product_id: int):
    product = _own_product(product_id)
    form = StockForm(prefix="stock")
    if not form.validate_on_submit():
        return _render_detail(product, stock_form=form, status=400)
    delta, reason, user_id = form.delta.data, form.reason.data, current_user.id
    begin_write_transaction(db.session)
    product = _own_product(product_id)
    try:
        adjustment = adjust_stock(product.id, delta, user_id=user_id, reason=reason)
    except StockWouldGoNegative as refused:
        db.session.rollback()
        form.delta.errors = [
            _(
                "Only %(stock)d in stock: you cannot remove %(units)d.",
                stock=refused.details["stock"],
                units=-delta,
            )
        ]
        return _render_detail(_own_product(product_id), stock_form=form, status=400)
    record(
        user_id,
        "product.stock",
        "product",
        product.id,
        {"stock": adjustment.stock_before},
        {"stock": adjustment.stock_after, "reason": reason},
        producer_id=product.producer_id,
    )
    db.session.commit()
    flash(
        _("Stock is now %(stock)d (%(delta)+d).", stock=adjustment.stock_after, delta=delta),
        "success",
    )
    return redirect(url_for("producer.product_detail", product_id=product_id))


# --- certificate scans -------------------------------------------------------------------------


@bp.get("/certificates/<int:certificate_id>/scan")
@role_required(Role.PRODUCER_STAFF)
def certificate_scan(certificate_id: int):
    """The scan of one of the producer's own certificates (kept by the OCOP office)."""
    from shop.tourism.models import Experience

    mine = _producer_id()
    certificate = db.session.scalar(
        select(OcopCertificate)
        .outerjoin(Product, Product.id == OcopCertificate.product_id)
        .outerjoin(Experience, Experience.id == OcopCertificate.experience_id)
        .where(
            OcopCertificate.id == certificate_id,
            or_(Product.producer_id == mine, Experience.producer_id == mine),
        )
    )
    if certificate is None:
        abort(404)
    return scan_response(certificate, current_app.config["SCAN_DIR"])


# --- pictures ----------------------------------------------------------------------------------


@bp.post("/products/<int:product_id>/pictures")
@role_required(Role.PRODUCER_STAFF)
@max_body(UPLOAD_BODY_MAX)
def upload_picture(product_id: int):
    product = _own_product(product_id)
    form = PictureForm(prefix="picture")
    upload = form.picture.data
    if not form.validate_on_submit():
        return _render_detail(product, picture_form=form, status=400)
    if len(product.images) >= PICTURES_MAX:
        form.picture.errors = [_("A product has at most %(n)d pictures.", n=PICTURES_MAX)]
        return _render_detail(product, picture_form=form, status=400)
    if upload is None or not getattr(upload, "filename", ""):
        form.picture.errors = [_("Choose a picture to upload.")]
        return _render_detail(product, picture_form=form, status=400)
    data = upload.stream.read(MAX_BYTES + 1)
    try:
        stored = store_picture(data, current_app.config["MEDIA_DIR"])
    except PictureRefused as refused:
        log.info("product %s: picture refused (%s)", product_id, refused.reason)
        form.picture.errors = [str(PICTURE_REFUSALS[refused.reason])]
        return _render_detail(product, picture_form=form, status=400)
    alt, user_id = form.alt_vi.data or product.name_vi, current_user.id
    begin_write_transaction(db.session)
    product = _own_product(product_id)
    position = max((image.position for image in product.images), default=-1) + 1
    image = ProductImage(
        product_id=product.id, path=MEDIA_PREFIX + stored.path, alt_vi=alt[:200], position=position
    )
    db.session.add(image)
    db.session.flush()
    record(
        user_id,
        "product.picture_add",
        "product",
        product.id,
        {},
        {"picture": image.path},
        producer_id=product.producer_id,
    )
    db.session.commit()
    flash(_("Picture added."), "success")
    return redirect(url_for("producer.product_detail", product_id=product_id))


@bp.post("/products/<int:product_id>/pictures/<int:image_id>/delete")
@role_required(Role.PRODUCER_STAFF)
def delete_picture(product_id: int, image_id: int):
    user_id = current_user.id
    begin_write_transaction(db.session)
    product = _own_product(product_id)
    image = next((i for i in product.images if i.id == image_id), None)
    if image is None:
        abort(404)
    path = image.path
    product.images.remove(image)
    db.session.flush()
    record(
        user_id,
        "product.picture_remove",
        "product",
        product.id,
        {"picture": path},
        {},
        producer_id=product.producer_id,
    )
    db.session.commit()
    flash(_("Picture removed."), "success")
    return redirect(url_for("producer.product_detail", product_id=product_id))


# --- the audit log -----------------------------------------------------------------------------

ACTION_LABELS = {
    "product.create": _l("Product added"),
    "product.update": _l("Product changed"),
    "product.pause": _l("Sale paused"),
    "product.resume": _l("Sale resumed"),
    "product.stock": _l("Stock adjusted"),
    "product.picture_add": _l("Picture added"),
    "product.picture_remove": _l("Picture removed"),
    "product.submit": _l("Sent for the OCOP office's review"),
    "product.approve": _l("Approved by the OCOP office"),
    "product.reject": _l("Refused by the OCOP office"),
    "producer.moderation": _l("Listing moderation switched by the OCOP office"),
    "staff.invite": _l("Staff invited"),
    "staff.join": _l("Staff joined"),
    "staff.remove": _l("Staff removed"),
    "staff.revoke": _l("Invitation revoked"),
}


@bp.app_template_global()
def audit_action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


@bp.get("/audit")
@role_required(Role.PRODUCER_STAFF)
def audit_log():
    mine = AuditLog.producer_id == _producer_id()
    listing = paginate(
        select(AuditLog).where(mine).order_by(AuditLog.created_at.desc(), AuditLog.id.desc()),
        select(func.count(AuditLog.id)).where(mine),
        PER_PAGE,
    )
    actors = {}
    ids = {entry.actor_id for entry in listing.items if entry.actor_id}
    if ids:
        actors = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())
    return render_template(
        "producer/audit_log.html",
        producer=db.session.get(Producer, _producer_id()),
        listing=listing,
        actors=actors,
    )
