"""Configuration read from the environment: one base class, one subclass per environment.

Every setting is listed in README.md with its default.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


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

    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    LANGUAGES = ("vi", "en")
    LANG_COOKIE_NAME = "lang"

    # Reference-only conversion shown to English-locale shoppers; everything is charged in VND.
    USD_VND_RATE = _int("USD_VND_RATE", 26_300)
    PRODUCTS_PER_PAGE = _int("PRODUCTS_PER_PAGE", 24)
    DELIVERY_STANDARD_FEE_VND = _int("DELIVERY_STANDARD_FEE_VND", 30_000)
    DELIVERY_CHILLED_FEE_VND = _int("DELIVERY_CHILLED_FEE_VND", 65_000)
    # Seconds a worker reuses a rendered listing or home page body (0 turns it off).
    CATALOGUE_CACHE_SECONDS = _int("CATALOGUE_CACHE_SECONDS", 30)
    # Shows the "demo catalogue, prices are estimates" notice on every page.
    SHOW_DEMO_NOTICE = _bool("SHOW_DEMO_NOTICE", True)

    # One year for hashed static URLs (WhiteNoise), see shop/__init__.py.
    STATIC_MAX_AGE = _int("STATIC_MAX_AGE", 365 * 24 * 3600)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")


class DevelopmentConfig(Config):
    DEBUG = False


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"  # noqa: S105 - fixed key for the test suite only
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    SHOW_DEMO_NOTICE = False
    CATALOGUE_CACHE_SECONDS = 0


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True

    def __init__(self) -> None:
        if not os.environ.get("SECRET_KEY"):
            raise RuntimeError("SECRET_KEY must be set in production")
        self.SECRET_KEY = os.environ["SECRET_KEY"]


def config_from_env() -> type[Config] | Config:
    name = os.environ.get("SHOP_ENV", "development").lower()
    if name == "production":
        return ProductionConfig()
    if name == "test":
        return TestConfig
    return DevelopmentConfig
