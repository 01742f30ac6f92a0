"""The distribution page of the admin: a released declaration to several destinations in one
form (shipments/forms.py), through the distribution service; results in plain words."""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from declarations.exceptions import ProcedureNotAllowed
from declarations.models import Declaration
from tradehub.errors import DomainError
from tradehub.partners.principals import actor_label

from . import selectors
from .forms import ProductsForm, destination_formset, zone_hint
from .models import Shipment
from .services import distribution as distribution_services


def _rows(request: HttpRequest) -> int:
    try:
        return max(1, min(int(request.GET.get("rows", 5)), 50))
    except ValueError:
        return 5


def _fingerprint(request: HttpRequest, texts: list[str]) -> str:
    """Confirming warnings holds only for the rows and warnings staff saw: a changed row asks
    again."""
    rows = sorted(
        f"{key}={value}"
        for key, value in request.POST.items()
        if key.startswith(("rows-", "product_"))
    )
    return hashlib.sha256("\n".join([*texts, *rows]).encode()).hexdigest()[:16]


def _created_message(declaration: Declaration, created: list[Shipment]) -> Any:
    """`Created 3 shipments: SHP-… to Tashkent (UZTAS): Re-export under customs transit; …`."""
    lines = format_html_join(
        "",
        '<li><a href="{}">{}</a> → {} ({}): {}</li>',
        (
            (
                reverse("admin:shipments_shipment_change", args=[shipment.pk]),
                shipment.reference,
                shipment.destination.name,
                shipment.destination.code,
                shipment.get_onward_formalities_display(),
            )
            for shipment in created
        ),
    )
    return format_html(
        "{} <ul>{}</ul>{}",
        _("Created %(count)d shipment(s):") % {"count": len(created)},
        lines,
        _("Declaration %(reference)s is now %(status)s.")
        % {"reference": declaration.reference, "status": declaration.get_status_display()},
    )


def distribute_page(model_admin: Any, request: HttpRequest) -> HttpResponse:
    """Pick a released declaration, fill one row per destination, confirm warnings, create."""
    if not model_admin.has_change_permission(request):
        raise PermissionDenied
    reference = request.GET.get("declaration") or request.POST.get("declaration")
    declaration = (
        Declaration.objects.select_related("office__location__country", "partner")
        .filter(reference=reference, status__in=distribution_services.DISTRIBUTABLE)
        .first()
        if reference
        else None
    )
    posted = request.method == "POST" and declaration is not None
    formset = (
        destination_formset(request.POST if posted else None, declaration, _rows(request))
        if declaration is not None
        else None
    )
    products = (
        ProductsForm(request.POST if posted else None, items=formset.items)
        if formset is not None
        else None
    )
    warnings: list[str] = []
    errors: list[str] = []
    if posted and formset is not None and products is not None and declaration is not None:
        done = _create(request, declaration, formset, products, warnings, errors)
        if done is not None:
            return done
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Distribute a released declaration"),
        "opts": model_admin.model._meta,
        "declaration": declaration,
        "declarations": Declaration.objects.filter(
            status__in=distribution_services.DISTRIBUTABLE
        ).order_by("-created_at")[:200],
        "formset": formset,
        "products": products,
        "warnings": warnings,
        "warnings_fingerprint": _fingerprint(request, warnings) if warnings else "",
        "errors": errors,
        "zone": zone_hint(),
        "summary": selectors.distribution_summary(declaration) if declaration else [],
        "more_rows": (_rows(request) + 5),
    }
    return TemplateResponse(request, "admin/shipments/shipment/distribute.html", context)


def _create(
    request: HttpRequest,
    declaration: Declaration,
    formset: Any,
    products: ProductsForm,
    warnings: list[str],
    errors: list[str],
) -> HttpResponse | None:
    """Validate the rows, ask to confirm warnings, then distribute (all rows or none). Fills
    `warnings` and `errors` for the page; a redirect when the shipments were created."""
    if not (formset.is_valid() and products.is_valid()):
        return None
    warnings.extend(w.text for w in formset.warnings())
    if warnings and request.POST.get("confirm_warnings") != _fingerprint(request, warnings):
        return None
    requests = formset.requests(products)
    if products.errors:
        return None
    if not requests:
        errors.append(_("No row has goods: nothing to create."))
        return None
    try:
        created = distribution_services.distribute(
            declaration, requests, actor=actor_label(request.user)
        )
    except ProcedureNotAllowed as exc:
        errors.append(str(exc))
        _mark_destination(formset, str(exc.extra.get("destination", "")), exc)
        return None
    except DomainError as exc:
        errors.append(str(exc))
        return None
    declaration.refresh_from_db()
    messages.success(request, _created_message(declaration, created))
    return HttpResponseRedirect(
        reverse("admin:shipments_shipment_distribute") + f"?declaration={declaration.reference}"
    )


def _mark_destination(formset: Any, code: str, exc: Exception) -> None:
    """Put a route refusal next to the destination it is about."""
    for _row, form in formset.filled():
        destination = form.cleaned_data.get("destination")
        if destination is not None and destination.code == code:
            form.add_error("destination", str(exc))
