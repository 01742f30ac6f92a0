"""Admin headings that read naturally in Russian and Chinese.

Django builds the list, add, change and view headings by pasting the model's name into one
sentence per language ("Select %s to change" → "Выберите %s для изменения"), so Russian gets the
name in the nominative where the verb wants the accusative ("Выберите отправка", "Добавить
партнёр") and Chinese gets a word-by-word order ("选择 货运 来修改"). Here each heading is its own
sentence with the name as an object (`ACCUSATIVE`: the name's accusative form per model; in
Chinese the plain name) and TradeHub's own wording per language. Every model in the admin needs an
entry (tests/workplace/test_headings.py); a model without one keeps Django's heading.

`HeadingsMixin` is put in front of every ModelAdmin by `TradeHubAdminSite.register`, so the
project's admins, Django's users and groups and django-axes' logs all get it.
"""

from __future__ import annotations

from typing import Any

from django.contrib.admin import ModelAdmin
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext, pgettext_lazy

# The model's name as the object of a verb ("add …", "select … to change"): Russian accusative;
# in Chinese (and English) the plain name.
ACCUSATIVE: dict[str, Promise] = {
    "auth.Group": pgettext_lazy("accusative", "group"),
    "auth.User": pgettext_lazy("accusative", "user"),
    "axes.AccessAttempt": pgettext_lazy("accusative", "access attempt"),
    "axes.AccessLog": pgettext_lazy("accusative", "access log"),
    "axes.AccessFailureLog": pgettext_lazy("accusative", "access failure"),
    "partners.Partner": pgettext_lazy("accusative", "partner"),
    "partners.PartnerAPIKey": pgettext_lazy("accusative", "partner API key"),
    "reference.Country": pgettext_lazy("accusative", "country"),
    "reference.CustomsUnion": pgettext_lazy("accusative", "customs union"),
    "reference.Location": pgettext_lazy("accusative", "location"),
    "reference.CustomsOffice": pgettext_lazy("accusative", "customs office"),
    "reference.HsCode": pgettext_lazy("accusative", "HS code"),
    "reference.EaeuCommodityCode": pgettext_lazy("accusative", "EAEU commodity code"),
    "reference.PhytosanitaryRegulatedProduct": pgettext_lazy(
        "accusative", "phytosanitary regulated product"
    ),
    "reference.VatRate": pgettext_lazy("accusative", "VAT rate"),
    "notifications.OutboundMessage": pgettext_lazy("accusative", "outbound message"),
    "notifications.AlertSubscription": pgettext_lazy("accusative", "alert subscription"),
    "notifications.WebhookSubscription": pgettext_lazy("accusative", "webhook subscription"),
    "notifications.DigestItem": pgettext_lazy("accusative", "digest item"),
    "api.IdempotencyRecord": pgettext_lazy("accusative", "idempotency record"),
    "work.PendingTask": pgettext_lazy("accusative", "pending task"),
    "rates.ExchangeRate": pgettext_lazy("accusative", "exchange rate"),
    "declarations.Declaration": pgettext_lazy("accusative", "declaration"),
    "declarations.CustomsNumberSeries": pgettext_lazy("accusative", "customs number series"),
    "shipments.Product": pgettext_lazy("accusative", "product"),
    "shipments.Shipment": pgettext_lazy("accusative", "shipment"),
    "shipments.Excursion": pgettext_lazy("accusative", "excursion"),
    "shipments.LeadTime": pgettext_lazy("accusative", "lead time"),
    "shipments.Alert": pgettext_lazy("accusative", "alert"),
}


def object_name(model: type[Model]) -> str | None:
    """The model's name as a verb's object in the active language (None: no entry)."""
    name = ACCUSATIVE.get(model._meta.label)
    return str(name) if name is not None else None


def headings(model: type[Model]) -> dict[str, str] | None:
    """The list, add, change and view headings for one model in the active language."""
    name = object_name(model)
    if name is None:
        return None
    return {
        "changelist": pgettext("admin heading", "Select %(name)s to change") % {"name": name},
        "changelist_view": pgettext("admin heading", "Select %(name)s to view") % {"name": name},
        "add": pgettext("admin heading", "Add %(name)s") % {"name": name},
        "change": pgettext("admin heading", "Change %(name)s") % {"name": name},
        "view": pgettext("admin heading", "View %(name)s") % {"name": name},
    }


def _django_heading(msgid: str, model: type[Model]) -> str:
    """Django's own heading for this model (the one we replace), in the active language."""
    return gettext(msgid) % model._meta.verbose_name


class HeadingsMixin(ModelAdmin):  # type: ignore[type-arg]
    """Replaces Django's pasted-together headings (and only those: a view that sets its own
    title keeps it) and gives the list's "Add" button and the add page's breadcrumb the same
    wording (`add_heading`, read by admin/change_list_object_tools.html and change_form.html)."""

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        texts = headings(self.model)
        if context is None or texts is None:
            return response
        if context.get("title") == _django_heading("Select %s to change", self.model):
            context["title"] = texts["changelist"]
        elif context.get("title") == _django_heading("Select %s to view", self.model):
            context["title"] = texts["changelist_view"]
        context.setdefault("add_heading", texts["add"])
        return response

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> HttpResponse:
        texts = headings(self.model)
        if texts is not None:
            for kind, msgid in (("add", "Add %s"), ("change", "Change %s"), ("view", "View %s")):
                if context.get("title") == _django_heading(msgid, self.model):
                    context["title"] = texts[kind]
            context.setdefault("add_heading", texts["add"])
        return super().render_change_form(request, context, add, change, form_url, obj)
