"""Notifications app: outbox, email rendering, webhook subscriptions and signed delivery."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """Delivery of alerts and events through the outbox."""

    name = "tradehub.notifications"
    label = "notifications"
    verbose_name = _("Notifications")
