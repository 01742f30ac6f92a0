"""Reference data app: countries, customs unions, locations, customs offices, HS codes."""

from django.apps import AppConfig


class ReferenceConfig(AppConfig):
    """Read-mostly reference data loaded from the files shipped in `data/`."""

    name = "tradehub.reference"
    label = "reference"
    verbose_name = "Reference data"
