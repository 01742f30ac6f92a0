"""Choices of the API app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class IdempotencyStatus(models.TextChoices):
    """Where a request made with an `Idempotency-Key` is."""

    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
