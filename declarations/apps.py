"""Declarations app: consolidated customs declarations, documents and the customs gateway."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeclarationsConfig(AppConfig):
    """Consolidated customs declarations lodged once at Almaty."""

    name = "declarations"
    verbose_name = _("Customs declarations")
