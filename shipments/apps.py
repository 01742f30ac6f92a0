"""Shipments app: products, shipments, lots, distribution, tracking, telemetry and alerts."""

from django.apps import AppConfig


class ShipmentsConfig(AppConfig):
    """Perishable cargo on the corridor."""

    name = "shipments"
    verbose_name = "Shipments and cargo"

    def ready(self) -> None:
        # Declarations show how their goods items were distributed without importing shipments.
        from declarations.hooks import register_distribution_summary

        from .selectors import distribution_summary

        register_distribution_summary(distribution_summary)
