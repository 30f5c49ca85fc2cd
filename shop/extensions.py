"""Flask extensions, created unbound; create_app() binds them."""

from flask_babel import Babel
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from shop.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
# The catalogue cache (shop/cache.py configures its backend).
cache = Cache()
# The storage comes from RATELIMIT_STORAGE_URI (config.py): a storage_uri given here would win
# over the configuration, so none is given.
limiter = Limiter(key_func=get_remote_address)
