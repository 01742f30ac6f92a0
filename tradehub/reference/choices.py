"""Location functions, customs-office roles and the vocabulary of route requirements."""

from typing import Any

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


class OnwardProcedure(models.TextChoices):
    """What taking goods declared at an office on to a destination needs (route data decides)."""

    FREE_CIRCULATION = "free_circulation", _("Release for free circulation")
    EAEU_MUTUAL_TRADE = "eaeu_mutual_trade", _("Release, then mutual trade inside the EAEU")
    REEXPORT_UNDER_TRANSIT = "reexport_under_transit", _("Re-export under customs transit")


class Relation(models.TextChoices):
    """How a destination country stands to the office's country on a given day."""

    DOMESTIC = "domestic", _("Same country")
    CUSTOMS_UNION = "customs_union", _("Another member of the same customs union")
    THIRD_COUNTRY = "third_country", _("Outside the customs union")


class TransportMode(models.TextChoices):
    """The one transport-mode vocabulary: how goods travel (a declaration's mode at the border; legs
    and route rules use the subsets below, built from these members)."""

    RAIL = "rail", _("Rail")
    ROAD = "road", _("Road")
    SEA = "sea", _("Sea")
    AIR = "air", _("Air")
    MULTIMODAL = "multimodal", _("Multimodal")


def _modes(name: str, *modes: TransportMode) -> type[models.TextChoices]:
    """A choices class holding some members of `TransportMode` (same values and labels)."""
    return models.TextChoices(  # type: ignore[call-overload,no-any-return]
        name, [(mode.name, (mode.value, mode.label)) for mode in modes], module=__name__
    )


# A leg (and a tracking event) travels by one mode, never "multimodal".
LegMode: Any = _modes(
    "LegMode", TransportMode.RAIL, TransportMode.ROAD, TransportMode.SEA, TransportMode.AIR
)
# Route rules are written for road and rail.
RouteMode: Any = _modes("RouteMode", TransportMode.ROAD, TransportMode.RAIL)


class RequiredDocumentType(models.TextChoices):
    """Documents a distributed shipment may need before it departs (route data names them)."""

    IMPORT_DECLARATION = (
        "import_declaration",
        _("Release for free circulation (import declaration)"),
    )
    REEXPORT_DECLARATION = "reexport_declaration", _("Re-export declaration")
    TRANSIT_DECLARATION = "transit_declaration", _("EAEU transit declaration to the exit office")
    SNT = "snt", _("SNT electronic accompanying waybill (Kazakhstan)")
    INDIRECT_TAX_APPLICATION = (
        "indirect_tax_application",
        _("Buyer's application for the import of goods and payment of indirect taxes"),
    )
    QUARANTINE_CERTIFICATE = "quarantine_certificate", _("Plant quarantine certificate (EAEU)")
    PHYTOSANITARY_REEXPORT_CERTIFICATE = (
        "phytosanitary_reexport_certificate",
        _("Phytosanitary certificate for re-export"),
    )
    INVOICE = "invoice", _("Commercial invoice")
    TRANSPORT_DOCUMENT = "transport_document", _("Transport document (CMR or SMGS)")
    TIR_CARNET = "tir_carnet", _("TIR carnet")
    NATIONAL_TRANSIT_DECLARATION = "national_transit_declaration", _("National transit declaration")


class DocumentCondition(models.TextChoices):
    """When a document of a route rule is required."""

    ALWAYS = "always", _("Always")
    REGULATED_PRODUCTS = "regulated_products", _("Only for regulated (quarantine) products")
