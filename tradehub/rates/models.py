"""Official exchange rates, one row per currency and calendar day (gaps filled when loaded)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ExchangeRate(models.Model):
    """Tenge per one unit of `currency` on `day`, as the source published it on `published_on`.

    The loader writes a row for every calendar day: a day without a publication (weekend,
    holiday) repeats the latest earlier one, at most RATES_MAX_AGE_DAYS old. Reports then join
    on (currency, day) exactly, which the database does in one pass over millions of rows.
    """

    currency = models.CharField(_("currency"), max_length=3, help_text=_("ISO 4217"))
    day = models.DateField(_("day"))
    kzt_per_unit = models.DecimalField(_("tenge per unit"), max_digits=18, decimal_places=6)
    published_on = models.DateField(
        _("published on"), help_text=_("The day of the publication this rate comes from")
    )
    source = models.CharField(_("source"), max_length=200)

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["currency", "day"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "day"], name="exchangerate_currency_day"),
            models.CheckConstraint(
                condition=models.Q(kzt_per_unit__gt=0), name="exchangerate_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.day}: {self.kzt_per_unit} KZT"
