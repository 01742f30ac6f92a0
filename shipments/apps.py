"""Shipments app: products, shipments, lots, distribution, tracking, telemetry and alerts."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShipmentsConfig(AppConfig):
    """Perishable cargo on the corridor."""

    name = "shipments"
    verbose_name = _("Shipments and cargo")

    def ready(self) -> None:
        # Declarations show how their goods items were distributed without importing shipments.
        from declarations.hooks import register_distribution_summary, status_recorded
        from declarations.services import register_drawing_provider

        # The catalogue is seeded by `load_reference_data`, the deployment's reference-data step.
        from tradehub.reference.loaders import register_loader

        from .products import load_product_catalogue
        from .selectors import (
            LOT_DRAWINGS_PROVIDER,
            distribution_reads,
            distribution_summaries,
            distribution_summaries_from,
        )
        from .services.documents import on_declaration_status_changed
        from .services.shipments import lot_drawings

        register_loader(load_product_catalogue)
        register_distribution_summary(
            distribution_summaries,
            reads=distribution_reads,
            from_rows=distribution_summaries_from,
            # The lots read hold the lots' drawings (`_summaries` counts them from those rows).
            drawings_read={LOT_DRAWINGS_PROVIDER},
        )
        # Lots of regional shipments count in the declarations' allocation invariant.
        register_drawing_provider(LOT_DRAWINGS_PROVIDER, lot_drawings)
        # Checklist entries that are declarations follow their status (in the same transaction).
        status_recorded.connect(
            on_declaration_status_changed, dispatch_uid="shipments.checklist_follows_declaration"
        )

        # `shipments.alerts` is a sub-package of this app, not an app of its own (its model is
        # shipments.Alert): Django's admin and Celery discover only `<app>.admin` and
        # `<app>.tasks`, so its two modules are registered here, and nowhere else.
        from .alerts import admin as _alerts_admin  # noqa: F401
        from .alerts import tasks as _alerts_tasks  # noqa: F401
