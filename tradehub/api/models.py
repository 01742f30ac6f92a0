"""Stored first responses of POST requests made with an `Idempotency-Key` header."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import IdempotencyStatus


class IdempotencyRecord(models.Model):
    """The first response to a caller's POST with a given `Idempotency-Key`, replayed on retries.

    `caller` is `partner:<pk>` for an API key (every key of a partner shares one key space) or
    `user:<pk>` for a staff session. The row is inserted before the view runs (the unique
    constraint makes a concurrent duplicate fail fast with 409) and completed afterwards.
    """

    caller = models.CharField(max_length=64, verbose_name=_("caller"))
    key = models.CharField(max_length=255, verbose_name=_("key"))
    fingerprint = models.CharField(
        max_length=64,
        help_text=_("SHA-256 of method, path and the canonical JSON body."),
        verbose_name=_("fingerprint"),
    )
    method = models.CharField(max_length=10, verbose_name=_("method"))
    path = models.CharField(max_length=2048, verbose_name=_("path"))
    status = models.CharField(
        max_length=20,
        choices=IdempotencyStatus.choices,
        default=IdempotencyStatus.IN_PROGRESS,
        verbose_name=_("status"),
    )
    response_status = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("response status")
    )
    response_body = models.BinaryField(default=b"", blank=True, verbose_name=_("response body"))
    response_headers = models.JSONField(
        default=dict, blank=True, verbose_name=_("response headers")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    locked_at = models.DateTimeField(
        help_text=_("When the request that owns this key started; a stale lock may be taken over."),
        verbose_name=_("locked at"),
    )
    expires_at = models.DateTimeField(verbose_name=_("expires at"))

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(fields=["caller", "key"], name="idempotency_unique_caller_key")
        ]
        indexes = [models.Index(fields=["expires_at"], name="idempotency_expires_at_idx")]

    def __str__(self) -> str:
        return f"{self.caller} {self.key} ({self.status})"
