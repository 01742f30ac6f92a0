"""Customs numbers restart every calendar year per office; `registration_refused` beside `rejected`.

Data:
- Each office's single number series becomes one row per year. Past years get the highest serial
  found in the numbers already issued that year; the current year keeps the running counter, so
  no number issued this year can be given again.
- A declaration `rejected` without a customs number was refused before registration: it becomes
  `registration_refused` (its customs messages of that version are relabelled the same way; the
  message as received stays in `payload`). A `rejected` declaration with a number keeps the
  status, which now means "release refused" and is final.
"""

import re

from django.db import migrations, models
from django.utils import timezone

NUMBER = re.compile(r"^(?P<office>[^/]+)/\d{4}(?P<yy>\d{2})/(?P<serial>\d+)$")


def split_series_by_year(apps, schema_editor):
    Series = apps.get_model("declarations", "CustomsNumberSeries")
    Declaration = apps.get_model("declarations", "Declaration")
    CustomsMessage = apps.get_model("declarations", "CustomsMessage")
    this_year = timezone.now().year
    highest: dict[tuple[str, int], int] = {}
    numbers = [
        *Declaration.objects.exclude(number__isnull=True).values_list("number", flat=True),
        *CustomsMessage.objects.exclude(number="").values_list("number", flat=True),
    ]
    for number in numbers:
        match = NUMBER.match(number or "")
        if match:
            key = (match["office"], 2000 + int(match["yy"]))
            highest[key] = max(highest.get(key, 0), int(match["serial"]))
    for series in list(Series.objects.all()):
        years = {year for office, year in highest if office == series.office_code}
        for year in sorted(years - {this_year}):
            Series.objects.create(
                office_code=series.office_code,
                year=year,
                last_serial=highest[(series.office_code, year)],
            )
        # The running counter covers every serial issued this year (it never went back).
        series.year = this_year
        series.save(update_fields=["year"])


def refused_before_registration(apps, schema_editor):
    Declaration = apps.get_model("declarations", "Declaration")
    CustomsMessage = apps.get_model("declarations", "CustomsMessage")
    refused = Declaration.objects.filter(status="rejected").filter(
        models.Q(number__isnull=True) | models.Q(number="")
    )
    for declaration in refused:
        CustomsMessage.objects.filter(
            declaration=declaration, declaration_version=declaration.version, type="rejected"
        ).update(type="registration_refused")
    refused.update(status="registration_refused")


def noop(apps, schema_editor):
    """Going back keeps the data: the old code reads the new rows well enough."""


STATUSES = [
    ("draft", "Draft"),
    ("submitted", "Submitted"),
    ("accepted", "Accepted"),
    ("under_control", "Under control"),
    ("released", "Released"),
    ("partially_distributed", "Partially distributed"),
    ("distributed", "Distributed"),
    ("registration_refused", "Registration refused"),
    ("rejected", "Rejected (release refused)"),
    ("cancelled", "Cancelled"),
]


class Migration(migrations.Migration):
    dependencies = [("declarations", "0002_alter_declarationevent_type")]

    operations = [
        migrations.AddField(
            model_name="customsnumberseries",
            name="year",
            field=models.PositiveSmallIntegerField(
                null=True, help_text="Calendar year in the office's time zone"
            ),
        ),
        migrations.AlterField(
            model_name="customsnumberseries",
            name="office_code",
            field=models.CharField(max_length=8),
        ),
        migrations.RunPython(split_series_by_year, noop),
        migrations.AlterField(
            model_name="customsnumberseries",
            name="year",
            field=models.PositiveSmallIntegerField(
                help_text="Calendar year in the office's time zone"
            ),
        ),
        migrations.AddConstraint(
            model_name="customsnumberseries",
            constraint=models.UniqueConstraint(
                fields=("office_code", "year"), name="customsnumberseries_unique_office_year"
            ),
        ),
        migrations.AlterModelOptions(
            name="customsnumberseries",
            options={
                "ordering": ["office_code", "-year"],
                "verbose_name_plural": "customs number series",
            },
        ),
        migrations.RemoveConstraint(model_name="declaration", name="declaration_status_valid"),
        migrations.AlterField(
            model_name="declaration",
            name="status",
            field=models.CharField(
                choices=STATUSES, default="draft", editable=False, max_length=24
            ),
        ),
        migrations.AddConstraint(
            model_name="declaration",
            constraint=models.CheckConstraint(
                condition=models.Q(status__in=[value for value, _ in STATUSES]),
                name="declaration_status_valid",
            ),
        ),
        migrations.AlterField(
            model_name="customsmessage",
            name="type",
            field=models.CharField(
                choices=[
                    ("accepted", "Accepted (registered: number and channel assigned)"),
                    ("registration_refused", "Registration refused"),
                    ("control", "Placed under control"),
                    ("released", "Released"),
                    ("rejected", "Rejected (release refused)"),
                    ("cancellation_decision", "Cancellation decision"),
                ],
                max_length=24,
            ),
        ),
        migrations.AlterField(
            model_name="declarationevent",
            name="type",
            field=models.CharField(
                choices=[
                    ("created", "Created"),
                    ("updated", "Draft updated"),
                    ("submitted", "Submitted"),
                    ("amended", "Amended (new version)"),
                    ("accepted", "Accepted by customs"),
                    ("under_control", "Placed under customs control"),
                    ("released", "Released by customs"),
                    ("registration_refused", "Registration refused by customs"),
                    ("rejected", "Release refused by customs"),
                    ("cancellation_requested", "Cancellation requested"),
                    ("cancellation_refused", "Cancellation refused by customs"),
                    ("cancelled", "Cancelled"),
                    ("status_corrected", "Status corrected by a late customs message"),
                    ("risk_assessed", "Risk assessed by the simulated authority"),
                    ("customs_message_received", "Customs message received"),
                    ("customs_message_applied", "Customs message applied"),
                    ("document_file_attached", "Document file attached"),
                    ("inspection_recorded", "Inspection result recorded"),
                    ("partially_distributed", "Partially distributed"),
                    ("distributed", "Distributed"),
                ],
                max_length=32,
            ),
        ),
        migrations.RunPython(refused_before_registration, noop),
    ]
