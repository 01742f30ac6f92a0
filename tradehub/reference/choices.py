"""Location functions and customs-office roles."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OfficeRole(models.TextChoices):
    """What a customs office does."""

    DECLARATION = "declaration", _("Office of declaration")
    BORDER = "border", _("Border office")
    DESTINATION = "destination", _("Office of destination")


# UN/LOCODE function string: one position per function ("-23-56--" = rail, road, postal, multimodal).
LOCATION_FUNCTIONS: dict[str, str] = {
    "1": "port",
    "2": "rail",
    "3": "road",
    "4": "airport",
    "5": "postal",
    "6": "multimodal",
    "7": "fixed_installation",
    "B": "border_crossing",
}
