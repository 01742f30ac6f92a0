"""Rates app: the dated exchange-rate table reports convert invoice values with."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RatesConfig(AppConfig):
    """Official exchange rates by day (tenge per unit of each currency)."""

    name = "tradehub.rates"
    label = "rates"
    verbose_name = _("Exchange rates")
