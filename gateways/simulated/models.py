"""The simulated authority's own state: what it decided for each declaration version."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SimulatedCase(models.Model):
    """One declaration version as the simulated authority handles it: its channel, when it
    releases it by itself (green and yellow), and whether it did."""

    declaration = models.ForeignKey(
        "declarations.Declaration",
        on_delete=models.CASCADE,
        related_name="simulated_cases",
        verbose_name=_("declaration"),
    )
    version = models.PositiveIntegerField(verbose_name=_("version"))
    gateway = models.CharField(
        max_length=40, help_text=_("The configured gateway's name"), verbose_name=_("gateway")
    )
    channel = models.CharField(max_length=8, blank=True, verbose_name=_("channel"))
    assessed_at = models.DateTimeField(verbose_name=_("assessed at"))
    release_due_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("When it releases by itself (red: never)"),
        verbose_name=_("release due at"),
    )
    released_at = models.DateTimeField(null=True, blank=True, verbose_name=_("released at"))

    class Meta:
        verbose_name = _("simulated case")
        verbose_name_plural = _("simulated cases")
        ordering = ["-assessed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["declaration", "version"], name="simulatedcase_unique_version"
            )
        ]
        indexes = [
            # The release sweep reads only cases still due.
            models.Index(
                fields=["release_due_at"],
                condition=Q(released_at__isnull=True, release_due_at__isnull=False),
                name="simulatedcase_due_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.declaration_id} v{self.version} {self.channel or '-'} ({self.gateway})"
