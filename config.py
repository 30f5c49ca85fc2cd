"""Configuration read from the environment: one base class, one subclass per environment.

Every setting is listed in README.md with its default.
"""

from __future__ import annotations

import os
import tempfile
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _list(name: str) -> list[str] | None:
    """A comma-separated setting as a list (None when unset)."""
    value = os.environ.get(name)
    if value in (None, ""):
        return None
    return [item.strip() for item in value.split(",") if item.strip()]


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'ocop.db'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    # Seconds a SQLite writer waits for the lock before giving up.
    SQLITE_BUSY_TIMEOUT_MS = _int("SQLITE_BUSY_TIMEOUT_MS", 10_000)
    # PostgreSQL: fail fast (a 503 page) instead of hanging when the server is down or frozen.
    # Seconds to open a connection (psycopg counts at least 2), milliseconds a statement may run
    # (0: no limit), seconds to wait for a free pooled connection, and the /healthz budget.
    DATABASE_CONNECT_TIMEOUT = _int("DATABASE_CONNECT_TIMEOUT", 3)
    DATABASE_STATEMENT_TIMEOUT_MS = _int("DATABASE_STATEMENT_TIMEOUT_MS", 5_000)
    DATABASE_POOL_TIMEOUT = _int("DATABASE_POOL_TIMEOUT", 3)
    HEALTHZ_TIMEOUT_MS = _int("HEALTHZ_TIMEOUT_MS", 800)

    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    LANGUAGES = ("vi", "en")
    LANG_COOKIE_NAME = "lang"
    LANG_COOKIE_SECURE = False

    # Reference-only conversion shown to English-locale shoppers; everything is charged in VND.
    USD_VND_RATE = _int("USD_VND_RATE", 26_300)
    PRODUCTS_PER_PAGE = _int("PRODUCTS_PER_PAGE", 24)
    DELIVERY_STANDARD_FEE_VND = _int("DELIVERY_STANDARD_FEE_VND", 30_000)
    DELIVERY_CHILLED_FEE_VND = _int("DELIVERY_CHILLED_FEE_VND", 65_000)
    # Orders and payments.
    # The shop's public address, for links in e-mails sent outside a request (cron jobs).
    SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:5000")
    # Host names the shop answers to (Flask refuses others with a 400); None: any host.
    # Production defaults to SITE_URL's host.
    TRUSTED_HOSTS = _list("TRUSTED_HOSTS")
    # Largest request body in bytes (a 413 beyond); routes that take uploads raise it for
    # themselves (see README, "Request size").
    MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 1024 * 1024)
    # Reverse proxies in front of the app, trusted for X-Forwarded-For / -Proto (0: none).
    PROXY_FIX_X_FOR = _int("PROXY_FIX_X_FOR", 0)
    ORDER_PAYMENT_TTL_MINUTES = _int("ORDER_PAYMENT_TTL_MINUTES", 30)
    COD_MAX_VND = _int("COD_MAX_VND", 5_000_000)
    MAX_LINE_QUANTITY = _int("MAX_LINE_QUANTITY", 50)
    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")
    # The shop's account for orders paid by bank transfer (VietQR): the bank's NAPAS BIN (6
    # digits, in shop/banking/banks.py), the account number (digits) and the holder's name as
    # the bank prints it. All three or none (none: bank transfer is not offered); checked at
    # startup.
    SHOP_BANK_BIN = os.environ.get("SHOP_BANK_BIN", "")
    SHOP_BANK_ACCOUNT = os.environ.get("SHOP_BANK_ACCOUNT", "")
    SHOP_BANK_HOLDER = os.environ.get("SHOP_BANK_HOLDER", "")
    # Days an unpaid bank-transfer order keeps its stock reserved before it expires.
    BANK_TRANSFER_PAYMENT_DAYS = _int("BANK_TRANSFER_PAYMENT_DAYS", 3)
    # The shop as the seller named on a gift batch's quote.
    SHOP_LEGAL_NAME = os.environ.get("SHOP_LEGAL_NAME", "Công ty Cổ phần Chợ OCOP")
    SHOP_TAX_CODE = os.environ.get("SHOP_TAX_CODE", "0101234560")
    SHOP_ADDRESS = os.environ.get("SHOP_ADDRESS", "Số 1 Lý Thái Tổ, Phường Kinh Bắc, Bắc Ninh")
    # Days a sent quote keeps its prices, unless the office sets another date.
    QUOTE_VALID_DAYS = _int("QUOTE_VALID_DAYS", 14)

    # Redis, shared by every app server and job worker: the job queue, and the cache unless
    # CACHE_REDIS_URL says otherwise. Unset: the queue is a SQLite file, the cache per process.
    REDIS_URL = os.environ.get("REDIS_URL", "")
    # Seconds a rendered listing or home page body is reused (0 turns it off); any change to
    # products, certificates or producers invalidates it at once (shop/cache.py).
    CATALOGUE_CACHE_SECONDS = _int("CATALOGUE_CACHE_SECONDS", 30)
    CACHE_REDIS_URL = os.environ.get("CACHE_REDIS_URL", "") or REDIS_URL
    CACHE_KEY_PREFIX = os.environ.get("CACHE_KEY_PREFIX", "ocop:")
    # Without Redis: the file whose replacement tells every worker on this machine that the
    # catalogue changed (empty: each process keeps its own version, as the tests do).
    CATALOGUE_VERSION_FILE = os.environ.get(
        "CATALOGUE_VERSION_FILE", str(INSTANCE_DIR / "catalogue-version")
    )

    # The job worker (shop/jobs): its queue without Redis, and whether tasks run inline instead.
    JOBS_SQLITE_PATH = os.environ.get("JOBS_SQLITE_PATH", str(INSTANCE_DIR / "jobs.db"))
    JOBS_IMMEDIATE = _bool("JOBS_IMMEDIATE", False)
    # The outbox: retries back off exponentially from the base up to the cap, then give up.
    OUTBOX_MAX_ATTEMPTS = _int("OUTBOX_MAX_ATTEMPTS", 10)
    OUTBOX_RETRY_BASE_SECONDS = _int("OUTBOX_RETRY_BASE_SECONDS", 30)
    OUTBOX_RETRY_MAX_SECONDS = _int("OUTBOX_RETRY_MAX_SECONDS", 3600)
    OUTBOX_BATCH_SIZE = _int("OUTBOX_BATCH_SIZE", 50)
    OUTBOX_CLAIM_TIMEOUT_SECONDS = _int("OUTBOX_CLAIM_TIMEOUT_SECONDS", 600)
    # Payouts (shop/payouts). The platform's commission on a line where no commission rule
    # applies, in basis points (1000 = 10 %), and its floor per line in đồng.
    COMMISSION_DEFAULT_BP = _int("COMMISSION_DEFAULT_BP", 1000)
    COMMISSION_MIN_VND = _int("COMMISSION_MIN_VND", 0)
    # Days after delivery before goods money may be paid out (the complaint window);
    # experiences become payable the day after the session ends.
    PAYOUT_HOLD_DAYS = _int("PAYOUT_HOLD_DAYS", 7)
    # A producer is paid in a run only when its available balance reaches this.
    PAYOUT_MINIMUM_VND = _int("PAYOUT_MINIMUM_VND", 100_000)
    # Tax withheld from household and individual sellers (Decree 117/2025/NĐ-CP), in basis
    # points: (effective from, goods VAT, goods PIT, services VAT, services PIT). The row in
    # force on a line's payment date applies; add a row when the rates change.
    WITHHOLDING_RATES: tuple[tuple[date, int, int, int, int], ...] = (
        (date(2025, 7, 1), 100, 50, 500, 200),
    )
    # Refuse to start when the compiled translation catalogues (.mo) are missing.
    REQUIRE_COMPILED_TRANSLATIONS = False
    # Uploaded product pictures (served at /media/…, named by content hash, cached a year).
    MEDIA_DIR = os.environ.get("MEDIA_DIR", str(INSTANCE_DIR / "media"))
    # Scans of OCOP certificates (private: never under MEDIA_DIR, served only to the office
    # and the producer's staff; ``shop.evaluations.scans``).
    SCAN_DIR = os.environ.get("SCAN_DIR", str(INSTANCE_DIR / "scans"))
    # VAT e-invoices: the ``file`` provider writes the XML it would send to a licensed
    # e-invoice provider here, one file per producer order (``shop.invoicing.providers``).
    EINVOICE_DIR = os.environ.get("EINVOICE_DIR", str(INSTANCE_DIR / "einvoices"))
    # Which e-invoice provider issues producers' VAT invoices (``file``: XML files only).
    EINVOICE_PROVIDER = os.environ.get("EINVOICE_PROVIDER", "file")
    # The VAT rate of the delivery charge on a producer's invoice (transport services, %).
    DELIVERY_VAT_RATE = _int("DELIVERY_VAT_RATE", 8)
    # Shows the "demo catalogue, prices are estimates" notice on every page.
    SHOW_DEMO_NOTICE = _bool("SHOW_DEMO_NOTICE", True)

    # One year for hashed static URLs (WhiteNoise), see shop/__init__.py.
    STATIC_MAX_AGE = _int("STATIC_MAX_AGE", 365 * 24 * 3600)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")

    # Accounts: "remember me" lasts 30 days; a password-reset link lasts an hour by default.
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PASSWORD_RESET_MAX_AGE_SECONDS = _int("PASSWORD_RESET_MAX_AGE_SECONDS", 3600)
    # How long a producer's invitation to join its staff works (it also stops once used).
    STAFF_INVITATION_MAX_AGE_SECONDS = _int("STAFF_INVITATION_MAX_AGE_SECONDS", 7 * 24 * 3600)
    # How long an organisation's invitation to join it works (it also stops once used).
    ORGANISATION_INVITATION_MAX_AGE_SECONDS = _int(
        "ORGANISATION_INVITATION_MAX_AGE_SECONDS", 7 * 24 * 3600
    )
    # Rate limits (sign-in, password reset): memory:// counts per worker, fine for one
    # development server; production defaults to Redis (REDIS_URL), shared by every worker.
    # The JSON API's OpenAPI document (APIFlask): 3.1, a query that does not validate is a 400
    # problem, operation ids and error responses written out by the code (shop/api).
    OPENAPI_VERSION = "3.1.0"
    VALIDATION_ERROR_STATUS_CODE = 400
    AUTO_OPERATION_ID = False
    AUTO_SERVERS = False
    INFO = {  # noqa: RUF012
        "description": "The public read API of OCOP Market: products, producers, experiences "
        "with OCTO availability, certificate verification and order status. Money is integer "
        "đồng with its currency; instants are ISO 8601 with offsets; lists are cursor pages; "
        "errors are application/problem+json with a stable code.",
    }
    # Partners authenticate their write operations with an API key (shop/api/partner.py).
    SECURITY_SCHEMES = {  # noqa: RUF012
        "PartnerKey": {
            "type": "http",
            "scheme": "bearer",
            "description": "A partner's API key, issued by the OCOP office (/admin/api-keys)",
        }
    }
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "ocop")
    # Sign-in throttling per (IP address, account): after this many failures the pair waits
    # 1 minute, then 2, 4, … up to the cap; the owner is e-mailed once failures reach the alert.
    SIGN_IN_FREE_FAILURES = _int("SIGN_IN_FREE_FAILURES", 5)
    SIGN_IN_MAX_DELAY_SECONDS = _int("SIGN_IN_MAX_DELAY_SECONDS", 3600)
    SIGN_IN_ALERT_FAILURES = _int("SIGN_IN_ALERT_FAILURES", 10)
    # Strict-Transport-Security max-age in seconds (0: no header; production: one year).
    HSTS_SECONDS = 0
    RATELIMIT_STRATEGY = "moving-window"
    RATELIMIT_HEADERS_ENABLED = True  # Retry-After on a 429

    # Outgoing e-mail: SMTP when MAIL_SERVER is set, else .eml files in MAIL_OUTBOX_DIR + the log.
    MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
    MAIL_PORT = _int("MAIL_PORT", 587)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", True)
    MAIL_FROM = os.environ.get("MAIL_FROM", "OCOP Market <no-reply@ocop.example>")
    MAIL_OUTBOX_DIR = os.environ.get("MAIL_OUTBOX_DIR", str(INSTANCE_DIR / "outbox"))


class DevelopmentConfig(Config):
    DEBUG = False
    # A demo receiving account, so the demo shop offers bank transfer (no money can reach it).
    SHOP_BANK_BIN = os.environ.get("SHOP_BANK_BIN", "970436")
    SHOP_BANK_ACCOUNT = os.environ.get("SHOP_BANK_ACCOUNT", "0011001234567")
    SHOP_BANK_HOLDER = os.environ.get("SHOP_BANK_HOLDER", "CONG TY OCOP MARKET DEMO")


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"  # noqa: S105 - fixed key for the test suite only
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    SHOW_DEMO_NOTICE = False
    MEDIA_DIR = str(Path(tempfile.gettempdir()) / "ocop-test-media")
    SCAN_DIR = str(Path(tempfile.gettempdir()) / "ocop-test-scans")
    EINVOICE_DIR = str(Path(tempfile.gettempdir()) / "ocop-test-einvoices")
    CATALOGUE_CACHE_SECONDS = 0
    CATALOGUE_VERSION_FILE = ""
    # Tests never send real mail, and stray test mail stays out of instance/outbox.
    MAIL_SERVER = None
    MAIL_OUTBOX_DIR = str(Path(tempfile.gettempdir()) / "ocop-test-outbox")
    RATELIMIT_STORAGE_URI = "memory://"
    # Jobs run inline (Huey immediate mode, in-memory queue); the cache is per process.
    JOBS_IMMEDIATE = True
    CACHE_REDIS_URL = ""
    # scrypt costs most of a second per hash on a busy machine; the tests check behaviour,
    # not the hash's strength (production keeps scrypt).
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # noqa: S105 - a method name, not a password


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    LANG_COOKIE_SECURE = True
    HSTS_SECONDS = _int("HSTS_SECONDS", 365 * 24 * 3600)
    REQUIRE_COMPILED_TRANSLATIONS = True

    def __init__(self) -> None:
        if not os.environ.get("SECRET_KEY"):
            raise RuntimeError("SECRET_KEY must be set in production")
        self.SECRET_KEY = os.environ["SECRET_KEY"]
        # Links come from SITE_URL; a request for any other host name is refused.
        site_url = os.environ.get("SITE_URL") or self.SITE_URL
        self.TRUSTED_HOSTS = _list("TRUSTED_HOSTS") or [urlsplit(site_url).hostname or ""]
        # Every worker and server counts against the same limits.
        self.RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or (
            os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
        )


def config_from_env() -> type[Config] | Config:
    name = os.environ.get("SHOP_ENV", "development").lower()
    if name == "production":
        return ProductionConfig()
    if name == "test":
        return TestConfig
    return DevelopmentConfig
