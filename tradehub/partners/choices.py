"""Kinds of partner organisation."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PartnerKind(models.TextChoices):
    """What a partner does on the corridor."""

    EXPORTER = "exporter", _("Exporter")
    FORWARDER = "forwarder", _("Forwarder")
    BROKER = "broker", _("Customs broker")
    CARRIER = "carrier", _("Carrier")
    MARKETPLACE = "marketplace", _("Marketplace")
    GATEWAY = "gateway", _("Customs gateway")
