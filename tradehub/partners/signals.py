"""Writes to keys and partners invalidate the in-process API-key caches of every process."""

from typing import Any

from django.db.models.signals import post_delete, post_save

from .authentication import invalidate_cached_keys
from .models import Partner, PartnerAPIKey


def _invalidate(sender: Any, **kwargs: Any) -> None:
    invalidate_cached_keys()


def connect() -> None:
    for model in (Partner, PartnerAPIKey):
        post_save.connect(_invalidate, sender=model, dispatch_uid=f"apikey-cache-save-{model}")
        post_delete.connect(_invalidate, sender=model, dispatch_uid=f"apikey-cache-del-{model}")
