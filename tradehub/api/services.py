"""Writes of the API app: housekeeping of stored idempotency records."""

from django.utils import timezone

from .models import IdempotencyRecord


def purge_expired_idempotency_records(batch_size: int = 1000, max_batches: int = 100) -> int:
    """Delete expired idempotency records in bounded batches; returns how many were deleted.

    Small batches keep each DELETE short (no long lock on a busy table); what is left over after
    `max_batches` is picked up by the next run.
    """
    deleted = 0
    now = timezone.now()
    for _ in range(max_batches):
        pks = list(
            IdempotencyRecord.objects.filter(expires_at__lte=now)
            .order_by("expires_at")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not pks:
            break
        count, _ = IdempotencyRecord.objects.filter(pk__in=pks, expires_at__lte=now).delete()
        deleted += count
        if len(pks) < batch_size:
            break
    return deleted
