"""Vietnam's 34 provinces and cities since the July 2025 reform, and the communes and wards
offered as a list for the provinces the shop serves most (Bắc Ninh, Hà Nội); elsewhere the
commune is typed."""

from __future__ import annotations

from shop.text import fold

PROVINCES = (
    "Hà Nội",
    "Hồ Chí Minh",
    "Hải Phòng",
    "Đà Nẵng",
    "Cần Thơ",
    "Huế",
    "Bắc Ninh",
    "Cao Bằng",
    "Điện Biên",
    "Lai Châu",
    "Lạng Sơn",
    "Lào Cai",
    "Sơn La",
    "Thái Nguyên",
    "Tuyên Quang",
    "Phú Thọ",
    "Quảng Ninh",
    "Hưng Yên",
    "Ninh Bình",
    "Thanh Hóa",
    "Nghệ An",
    "Hà Tĩnh",
    "Quảng Trị",
    "Quảng Ngãi",
    "Gia Lai",
    "Khánh Hòa",
    "Đắk Lắk",
    "Lâm Đồng",
    "Đồng Nai",
    "Tây Ninh",
    "Vĩnh Long",
    "Đồng Tháp",
    "An Giang",
    "Cà Mau",
)

# Communes and wards (new two-level names). Partial for the demo: the ones the demo producers
# and their usual customers use; anything else can be typed as "other".
COMMUNES: dict[str, tuple[str, ...]] = {
    "Bắc Ninh": (
        "Phường Bắc Giang",
        "Phường Chũ",
        "Phường Đa Mai",
        "Phường Kinh Bắc",
        "Phường Nếnh",
        "Phường Phượng Sơn",
        "Phường Tiền Phong",
        "Phường Từ Sơn",
        "Phường Vân Hà",
        "Phường Võ Cường",
        "Xã Đông Phú",
        "Xã Hiệp Hoà",
        "Xã Kiên Lao",
        "Xã Nam Dương",
        "Xã Ngọc Thiện",
        "Xã Phúc Hoà",
        "Xã Tân Yên",
        "Xã Tây Yên Tử",
        "Xã Xuân Lương",
        "Xã Yên Thế",
    ),
    "Hà Nội": (
        "Phường Ba Đình",
        "Phường Bạch Mai",
        "Phường Bồ Đề",
        "Phường Cầu Giấy",
        "Phường Cửa Nam",
        "Phường Đống Đa",
        "Phường Giảng Võ",
        "Phường Hà Đông",
        "Phường Hai Bà Trưng",
        "Phường Hoàn Kiếm",
        "Phường Hoàng Mai",
        "Phường Hồng Hà",
        "Phường Kim Liên",
        "Phường Láng",
        "Phường Long Biên",
        "Phường Ngọc Hà",
        "Phường Nghĩa Đô",
        "Phường Ô Chợ Dừa",
        "Phường Phú Thượng",
        "Phường Tây Hồ",
        "Phường Thanh Xuân",
        "Phường Văn Miếu - Quốc Tử Giám",
        "Phường Việt Hưng",
        "Phường Vĩnh Tuy",
        "Phường Yên Hòa",
    ),
}


def canonical_province(value: str) -> str | None:
    """The province as spelled in PROVINCES, whatever the accents or case typed."""
    folded = fold(value)
    return next((p for p in PROVINCES if fold(p) == folded), None)


def canonical_commune(province: str, value: str) -> str | None:
    """For a listed province, the commune as spelled in its list (None if not in it)."""
    folded = fold(value)
    return next((c for c in COMMUNES.get(province, ()) if fold(c) == folded), None)
