"""The banks of the NAPAS 24/7 interbank network: BIN (the 6-digit acquirer id a VietQR code
and a transfer carry), short name and full name.

Checked against NAPAS's published member list (the BINs the VietQR service uses).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bank:
    bin: str
    short_name: str
    name: str

    @property
    def label(self) -> str:
        return f"{self.short_name} — {self.name}"


_BANKS = (
    Bank("970436", "Vietcombank", "Ngân hàng TMCP Ngoại thương Việt Nam"),
    Bank("970415", "VietinBank", "Ngân hàng TMCP Công thương Việt Nam"),
    Bank("970418", "BIDV", "Ngân hàng TMCP Đầu tư và Phát triển Việt Nam"),
    Bank("970405", "Agribank", "Ngân hàng Nông nghiệp và Phát triển Nông thôn Việt Nam"),
    Bank("970407", "Techcombank", "Ngân hàng TMCP Kỹ thương Việt Nam"),
    Bank("970422", "MB", "Ngân hàng TMCP Quân đội"),
    Bank("970416", "ACB", "Ngân hàng TMCP Á Châu"),
    Bank("970432", "VPBank", "Ngân hàng TMCP Việt Nam Thịnh Vượng"),
    Bank("970423", "TPBank", "Ngân hàng TMCP Tiên Phong"),
    Bank("970403", "Sacombank", "Ngân hàng TMCP Sài Gòn Thương Tín"),
    Bank("970437", "HDBank", "Ngân hàng TMCP Phát triển Thành phố Hồ Chí Minh"),
    Bank("970441", "VIB", "Ngân hàng TMCP Quốc tế Việt Nam"),
    Bank("970443", "SHB", "Ngân hàng TMCP Sài Gòn – Hà Nội"),
    Bank("970440", "SeABank", "Ngân hàng TMCP Đông Nam Á"),
    Bank("970448", "OCB", "Ngân hàng TMCP Phương Đông"),
    Bank("970426", "MSB", "Ngân hàng TMCP Hàng Hải Việt Nam"),
    Bank("970431", "Eximbank", "Ngân hàng TMCP Xuất Nhập khẩu Việt Nam"),
    Bank("970449", "LPBank", "Ngân hàng TMCP Lộc Phát Việt Nam"),
    Bank("970428", "Nam A Bank", "Ngân hàng TMCP Nam Á"),
    Bank("970409", "Bac A Bank", "Ngân hàng TMCP Bắc Á"),
    Bank("970425", "ABBANK", "Ngân hàng TMCP An Bình"),
    Bank("970419", "NCB", "Ngân hàng TMCP Quốc Dân"),
    Bank("970452", "KienlongBank", "Ngân hàng TMCP Kiên Long"),
    Bank("970412", "PVcomBank", "Ngân hàng TMCP Đại Chúng Việt Nam"),
    Bank("970438", "BAOVIET Bank", "Ngân hàng TMCP Bảo Việt"),
    Bank("970454", "BVBank", "Ngân hàng TMCP Bản Việt"),
    Bank("970433", "VietBank", "Ngân hàng TMCP Việt Nam Thương Tín"),
    Bank("970427", "VietABank", "Ngân hàng TMCP Việt Á"),
    Bank("970430", "PGBank", "Ngân hàng TMCP Thịnh vượng và Phát triển"),
    Bank("970400", "Saigonbank", "Ngân hàng TMCP Sài Gòn Công Thương"),
    Bank("970429", "SCB", "Ngân hàng TMCP Sài Gòn"),
    Bank("970446", "Co-opBank", "Ngân hàng Hợp tác xã Việt Nam"),
    Bank("970424", "Shinhan Bank", "Ngân hàng TNHH MTV Shinhan Việt Nam"),
    Bank("970457", "Woori Bank", "Ngân hàng TNHH MTV Woori Việt Nam"),
    Bank("970434", "Indovina Bank", "Ngân hàng TNHH Indovina"),
    Bank("970421", "VRB", "Ngân hàng Liên doanh Việt – Nga"),
)

BANKS: dict[str, Bank] = {bank.bin: bank for bank in _BANKS}


def bank_for(bin_: str | None) -> Bank | None:
    """The bank of a BIN, or None for a BIN not in the table."""
    return BANKS.get(str(bin_ or ""))


def bank_choices() -> list[tuple[str, str]]:
    """(BIN, label) pairs for a select, by short name."""
    return [(bank.bin, bank.label) for bank in sorted(_BANKS, key=lambda b: b.short_name.lower())]
