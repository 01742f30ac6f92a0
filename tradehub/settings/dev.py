"""Zero-setup development settings: SQLite and a filesystem Celery broker unless told otherwise."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
WEBHOOKS_ALLOW_PRIVATE_URLS = env.bool("WEBHOOKS_ALLOW_PRIVATE_URLS", default=True)
# Demo-friendly: the first alert digest shows up in the console within a few minutes.
ALERT_DIGEST_MINUTES = env.int("ALERT_DIGEST_MINUTES", default=2)
