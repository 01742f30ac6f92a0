"""Statuses, channels and kinds of the declarations app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DeclarationStatus(models.TextChoices):
    """Where a declaration is in its lifecycle (see states.py for the allowed moves)."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    UNDER_CONTROL = "under_control", _("Under control")
    RELEASED = "released", _("Released")
    PARTIALLY_DISTRIBUTED = "partially_distributed", _("Partially distributed")
    DISTRIBUTED = "distributed", _("Distributed")
    # Customs refused to register the declaration (no number): corrected, it is lodged again.
    REGISTRATION_REFUSED = "registration_refused", _("Registration refused")
    # Customs refused to release the goods: final, a new declaration must be filed.
    REJECTED = "rejected", _("Rejected (release refused)")
    CANCELLED = "cancelled", _("Cancelled")


class RiskChannel(models.TextChoices):
    """Customs risk channel: green (release), yellow (documentary check), red (inspection)."""

    GREEN = "green", _("Green")
    YELLOW = "yellow", _("Yellow")
    RED = "red", _("Red")


class Procedure(models.TextChoices):
    """The customs procedure declared (what each allows: procedures.py)."""

    IMPORT = "import", _("Release for domestic consumption (import)")
    EXPORT = "export", _("Export")
    TRANSIT = "transit", _("Customs transit")
    CUSTOMS_WAREHOUSE = "customs_warehouse", _("Customs warehouse")
    REEXPORT = "reexport", _("Re-export")


class TransportDocumentType(models.TextChoices):
    """The transport contract document."""

    SMGS = "smgs", _("SMGS rail consignment note")
    CIM_SMGS = "cim_smgs", _("CIM/SMGS rail consignment note")
    CMR = "cmr", _("CMR road consignment note")
    BILL_OF_LADING = "bill_of_lading", _("Bill of lading")
    AIR_WAYBILL = "air_waybill", _("Air waybill")


class DeclarationDocumentType(models.TextChoices):
    """Supporting documents attached to a declaration."""

    PHYTOSANITARY_CERTIFICATE = "phytosanitary_certificate", _("Phytosanitary certificate")
    CERTIFICATE_OF_ORIGIN = "certificate_of_origin", _("Certificate of origin")
    INVOICE = "invoice", _("Commercial invoice")
    PACKING_LIST = "packing_list", _("Packing list")
    TRANSPORT_DOCUMENT = "transport_document", _("Transport document")


class CustomsMessageType(models.TextChoices):
    """Kinds of decision message a customs gateway sends."""

    ACCEPTED = "accepted", _("Accepted (registered: number and channel assigned)")
    REGISTRATION_REFUSED = "registration_refused", _("Registration refused")
    CONTROL = "control", _("Placed under control")
    RELEASED = "released", _("Released")
    REJECTED = "rejected", _("Rejected (release refused)")
    CANCELLATION_DECISION = "cancellation_decision", _("Cancellation decision")
    # Facts of a transit, recorded by the office of destination.
    TRANSIT_ARRIVED = "transit_arrived", _("Transit: goods presented at the office of destination")
    TRANSIT_COMPLETED = "transit_completed", _("Transit completed")


class MessageSource(models.TextChoices):
    """Who produced a customs message."""

    GATEWAY = "gateway", _("Gateway integration (API)")
    SIMULATED = "simulated", _("Simulated authority")
    STAFF = "staff", _("Staff (admin)")


class DeclarationEventType(models.TextChoices):
    """Entries of the append-only declaration history."""

    CREATED = "created", _("Created")
    UPDATED = "updated", _("Draft updated")
    SUBMITTED = "submitted", _("Submitted")
    AMENDED = "amended", _("Amended (new version)")
    ACCEPTED = "accepted", _("Accepted by customs")
    UNDER_CONTROL = "under_control", _("Placed under customs control")
    RELEASED = "released", _("Released by customs")
    REGISTRATION_REFUSED = "registration_refused", _("Registration refused by customs")
    REJECTED = "rejected", _("Release refused by customs")
    CANCELLATION_REQUESTED = "cancellation_requested", _("Cancellation requested")
    CANCELLATION_REFUSED = "cancellation_refused", _("Cancellation refused by customs")
    CANCELLED = "cancelled", _("Cancelled")
    STATUS_CORRECTED = "status_corrected", _("Status corrected by a late customs message")
    RISK_ASSESSED = "risk_assessed", _("Risk assessed by the simulated authority")
    CUSTOMS_MESSAGE_RECEIVED = "customs_message_received", _("Customs message received")
    CUSTOMS_MESSAGE_APPLIED = "customs_message_applied", _("Customs message applied")
    DOCUMENT_FILE_ATTACHED = "document_file_attached", _("Document file attached")
    DOCUMENT_FILE_REMOVED = "document_file_removed", _("Document file removed")
    INSPECTION_RECORDED = "inspection_recorded", _("Inspection result recorded")
    PARTIALLY_DISTRIBUTED = "partially_distributed", _("Partially distributed")
    DISTRIBUTED = "distributed", _("Distributed")
    TRANSIT_OPENED = "transit_opened", _("Transit opened (released for transit)")
    TRANSIT_ARRIVED = "transit_arrived", _("Transit arrived at the office of destination")
    TRANSIT_COMPLETED = "transit_completed", _("Transit completed")


class TransitStatus(models.TextChoices):
    """Where a transit stands (overdue is derived: opened and past its delivery deadline)."""

    DECLARED = "declared", _("Declared (not yet released for transit)")
    OPENED = "opened", _("Opened (goods on their way)")
    ARRIVED = "arrived", _("Arrived at the office of destination")
    COMPLETED = "completed", _("Completed")
