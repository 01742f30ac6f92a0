"""The simulated authority's own state: what it decided for each declaration version."""

from django.db import models
from django.db.models import Q


class SimulatedCase(models.Model):
    """One declaration version as the simulated authority handles it: its channel, when it
    releases it by itself (green and yellow), and whether it did."""

    declaration = models.ForeignKey(
        "declarations.Declaration", on_delete=models.CASCADE, related_name="simulated_cases"
    )
    version = models.PositiveIntegerField()
    gateway = models.CharField(max_length=40, help_text="The configured gateway's name")
    channel = models.CharField(max_length=8, blank=True)
    assessed_at = models.DateTimeField()
    release_due_at = models.DateTimeField(
        null=True, blank=True, help_text="When it releases by itself (red: never)"
    )
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
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
