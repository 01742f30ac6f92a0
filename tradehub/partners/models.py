"""Partner organisations, their staff memberships and hashed API keys."""

from functools import partial
from typing import ClassVar

from django.conf import settings
from django.db import models
from rest_framework_api_key.models import AbstractAPIKey, APIKeyManager

from tradehub.ids import new_reference

from .choices import PartnerKind


class Partner(models.Model):
    """An organisation that owns declarations and shipments and calls the API."""

    reference = models.CharField(
        max_length=20, unique=True, editable=False, default=partial(new_reference, "PTR")
    )
    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(
        max_length=20, choices=PartnerKind.choices, default=PartnerKind.FORWARDER
    )
    is_gateway = models.BooleanField(
        default=False,
        help_text="A customs-gateway integration: may read every partner's declarations and post "
        "customs messages for them.",
    )
    contact_email = models.EmailField(blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """Links a staff user to a partner organisation."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="memberships")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "partner"], name="membership_unique_user_partner"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.partner}"


class PartnerAPIKeyManager(APIKeyManager):
    """Looks a key up together with its partner (one query for authentication)."""

    def get_usable_keys(self) -> models.QuerySet:
        return super().get_usable_keys().select_related("partner")


class PartnerAPIKey(AbstractAPIKey):
    """An API key of a partner; only its hash is stored, revocable in the admin."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="api_keys")

    objects: ClassVar[PartnerAPIKeyManager] = PartnerAPIKeyManager()  # type: ignore[assignment]

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "partner API key"
        verbose_name_plural = "partner API keys"
