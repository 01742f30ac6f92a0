"""Test settings: PostgreSQL and Redis, as in production (CI trusts these, not SQLite)."""

from .base import *  # noqa: F403
from .base import env

DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/tradehub")
}
DATABASES["default"]["CONN_MAX_AGE"] = 0
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
}
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SECRET_KEY = "test-secret-key-not-for-production-0123456789abcdef"  # noqa: S105
DEBUG = False
