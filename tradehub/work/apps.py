from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkConfig(AppConfig):
    name = "tradehub.work"
    label = "work"
    verbose_name = _("Durable task outbox")
    default_auto_field = "django.db.models.BigAutoField"
