"""Partner organisations, their staff memberships and hashed API keys."""

from functools import partial
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey, APIKeyManager

from tradehub.ids import new_reference

from .choices import PartnerKind


class Partner(models.Model):
    """An organisation that owns declarations and shipments and calls the API."""

    reference = models.CharField(
        max_length=20,
        unique=True,
        editable=False,
        default=partial(new_reference, "PTR"),
        verbose_name=_("reference"),
    )
    name = models.CharField(max_length=200, unique=True, verbose_name=_("name"))
    kind = models.CharField(
        max_length=20,
        choices=PartnerKind.choices,
        default=PartnerKind.FORWARDER,
        verbose_name=_("kind"),
    )
    is_gateway = models.BooleanField(
        default=False,
        help_text=_(
            "A customs-gateway integration: may read every partner's declarations and post "
            "customs messages for them."
        ),
        verbose_name=_("is gateway"),
    )
    contact_email = models.EmailField(blank=True, verbose_name=_("contact email"))
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """Links a staff user to a partner organisation."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("partner")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
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

    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="api_keys", verbose_name=_("partner")
    )

    objects: ClassVar[PartnerAPIKeyManager] = PartnerAPIKeyManager()  # type: ignore[assignment]

    class Meta(AbstractAPIKey.Meta):
        verbose_name = _("partner API key")  # type: ignore[assignment]
        verbose_name_plural = _("partner API keys")  # type: ignore[assignment]
