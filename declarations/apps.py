"""Declarations app: consolidated customs declarations, documents and the customs gateway."""

from django.apps import AppConfig


class DeclarationsConfig(AppConfig):
    """Consolidated customs declarations lodged once at Almaty."""

    name = "declarations"
    verbose_name = "Customs declarations"
