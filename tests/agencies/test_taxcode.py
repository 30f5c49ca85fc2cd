"""MST formats: the form, the service and the database agree on what a tax code is."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from shop.agencies import services
from shop.agencies.models import Organisation
from shop.agencies.taxcode import normalize_tax_code
from shop.extensions import db
from tests.agencies.factories import BAC_NINH, KINH_BAC, gen_organisation
from tests.factories import gen_user


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0101234567", "0101234567"),  # 10 digits
        ("0101234567-001", "0101234567-001"),  # a branch
        ("  0101234567 \t", "0101234567"),  # spaces trimmed
        ("0101234567 - 001", "0101234567-001"),
        ("０１０１２３４５６７", "0101234567"),  # full-width digits, typed on some keyboards
        ("０１０１２３４５６７－００１", "0101234567-001"),
        ("010123456", None),  # 9 digits
        ("01012345678", None),  # 11 digits
        ("0101234567-01", None),  # a branch has 3 digits
        ("0101234567001", None),  # 13 digits without the hyphen
        ("01012A4567", None),  # letters
        ("٠١٠١٢٣٤٥٦٧", None),  # Arabic-Indic digits are not a Vietnamese MST
        ("01012345⁶⁷", None),  # nor superscripts (NFKC would make them digits)
        ("0101234567-⁰⁰¹", None),
        ("0101234567\u200b", None),  # a zero-width space is not a separator
        ("", None),
        (None, None),
    ],
)
def test_tax_code_formats(typed, stored):
    assert normalize_tax_code(typed) == stored


@pytest.mark.parametrize(
    "bad",
    [
        "010123456",
        "01012345678",
        "01012A4567",
        "0101234567-01",
        "0101234567_001",
        "０１０１２３４５６７",
    ],
)
def test_the_database_refuses_a_tax_code_that_is_not_normalised(app, bad):
    organisation = gen_organisation()
    db.session.commit()
    organisation.tax_code = bad
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_the_database_takes_a_branch_and_refuses_the_same_code_twice(app):
    gen_organisation(tax_code="0101234567-002")
    db.session.commit()
    assert db.session.get(Organisation, 1).tax_code == "0101234567-002"
    with pytest.raises(services.TaxCodeTaken):
        gen_organisation(tax_code=" 0101234567-002 ")


def test_registration_refuses_a_bad_tax_code_and_a_commune_of_another_province(app):
    user = gen_user("customer")
    base = {
        "legal_name": "Công ty A",
        "province_code": BAC_NINH,
        "commune_code": KINH_BAC,
        "street": "1 Lý Thái Tổ",
        "invoice_email": "a@example.com",
    }
    with pytest.raises(services.InvalidTaxCode):
        services.register(user.id, tax_code="12345", **base)
    sai_gon = 26740  # Phường Sài Gòn, Hồ Chí Minh
    with pytest.raises(services.CommuneNotInProvince):
        services.register(user.id, tax_code="0101234567", **{**base, "commune_code": sai_gon})
    assert db.session.query(Organisation).count() == 0
