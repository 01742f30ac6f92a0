"""Test settings: PostgreSQL and Redis, as in production (CI trusts these, not SQLite)."""

from .base import *  # noqa: F403
from .base import CELERY_VISIBILITY_TIMEOUT, env, redis_cache, resilient

DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/tradehub")
}
resilient(DATABASES["default"])
DATABASES["default"]["CONN_MAX_AGE"] = 0
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = redis_cache(REDIS_URL)
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    "socket_timeout": 3.0,
    "socket_connect_timeout": 1.0,
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SECRET_KEY = "test-secret-key-not-for-production-0123456789abcdef"  # noqa: S105
DEBUG = False
