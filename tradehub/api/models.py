"""Stored first responses of POST requests made with an `Idempotency-Key` header."""

from django.db import models

from .choices import IdempotencyStatus


class IdempotencyRecord(models.Model):
    """The first response to a caller's POST with a given `Idempotency-Key`, replayed on retries.

    `caller` is `partner:<pk>` for an API key (every key of a partner shares one key space) or
    `user:<pk>` for a staff session. The row is inserted before the view runs (the unique
    constraint makes a concurrent duplicate fail fast with 409) and completed afterwards.
    """

    caller = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(
        max_length=64, help_text="SHA-256 of method, path and the canonical JSON body."
    )
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=2048)
    status = models.CharField(
        max_length=20, choices=IdempotencyStatus.choices, default=IdempotencyStatus.IN_PROGRESS
    )
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.BinaryField(default=b"", blank=True)
    response_headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    locked_at = models.DateTimeField(
        help_text="When the request that owns this key started; a stale lock may be taken over."
    )
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["caller", "key"], name="idempotency_unique_caller_key")
        ]
        indexes = [models.Index(fields=["expires_at"], name="idempotency_expires_at_idx")]

    def __str__(self) -> str:
        return f"{self.caller} {self.key} ({self.status})"
