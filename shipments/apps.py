"""Shipments app: products, shipments, lots, distribution, tracking, telemetry and alerts."""

from django.apps import AppConfig


class ShipmentsConfig(AppConfig):
    """Perishable cargo on the corridor."""

    name = "shipments"
    verbose_name = "Shipments and cargo"
