"""Reference data app: countries, customs unions, locations, customs offices, HS codes."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferenceConfig(AppConfig):
    """Read-mostly reference data loaded from the files shipped in `data/`."""

    name = "tradehub.reference"
    label = "reference"
    verbose_name = _("Reference data")
