"""Notifications app: outbox, email rendering, webhook subscriptions and signed delivery."""

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """Delivery of alerts and events through the outbox."""

    name = "tradehub.notifications"
    label = "notifications"
    verbose_name = "Notifications"
