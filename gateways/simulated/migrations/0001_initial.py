"""The simulated authority's own state (was `Declaration.simulated_release_due_at`)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [("declarations", "0005_transits")]

    operations = [
        migrations.CreateModel(
            name="SimulatedCase",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("version", models.PositiveIntegerField()),
                (
                    "gateway",
                    models.CharField(help_text="The configured gateway's name", max_length=40),
                ),
                ("channel", models.CharField(blank=True, max_length=8)),
                ("assessed_at", models.DateTimeField()),
                (
                    "release_due_at",
                    models.DateTimeField(
                        blank=True, help_text="When it releases by itself (red: never)", null=True
                    ),
                ),
                ("released_at", models.DateTimeField(blank=True, null=True)),
                (
                    "declaration",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="simulated_cases",
                        to="declarations.declaration",
                    ),
                ),
            ],
            options={
                "ordering": ["-assessed_at", "-id"],
                "indexes": [
                    models.Index(
                        condition=models.Q(
                            ("release_due_at__isnull", False), ("released_at__isnull", True)
                        ),
                        fields=["release_due_at"],
                        name="simulatedcase_due_idx",
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("declaration", "version"), name="simulatedcase_unique_version"
                    )
                ],
            },
        ),
    ]
