"""Pieces every admin uses: coloured badges, read-only inlines, links between records, audit records that cannot be
deleted, the one page for decisions that take a note."""

from collections.abc import Iterable
from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

# Badge colours by meaning; every status vocabulary maps its values onto these.
RED, AMBER, GREEN, BLUE, GREY = "#c62828", "#b45309", "#2e7d32", "#1565c0", "#546e7a"


def badge(label: Any, colour: str) -> SafeString:
    """A coloured label (white on `colour`), readable on light and dark admin themes."""
    return format_html('<span class="badge" style="background:{}">{}</span>', colour, label)


def admin_link(obj: models.Model | None, text: Any = None) -> SafeString | str:
    """A link to the object's admin page ("–" for none, plain text when it has no admin)."""
    if obj is None:
        return "–"
    meta = obj._meta
    try:
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return str(text if text is not None else obj)
    return format_html('<a href="{}">{}</a>', url, text if text is not None else obj)


def admin_links(objects: Iterable[models.Model]) -> SafeString | str:
    """Links to several objects' admin pages, one per line ("–" for none)."""
    rows = [(admin_link(obj),) for obj in objects]
    if not rows:
        return "–"
    return format_html_join(mark_safe("<br>"), "{}", rows)


class ReadOnlyInline(admin.TabularInline):  # type: ignore[type-arg]
    """An inline that shows rows and never adds, changes or deletes them."""

    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AuditRecordAdmin:
    """An audit record (alerts, excursions, shipments, outbox and customs messages): nobody
    deletes it from the admin, and "Delete selected" is not offered."""

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def note_form_page(
    request: HttpRequest,
    model_admin: Any,
    *,
    title: Any,
    form: Any,
    objects: Iterable[Any],
    submit_label: Any,
    intro: Any = "",
    hidden: Iterable[tuple[str, Any]] = (),
) -> TemplateResponse:
    """The page for a staff decision that takes a text (a note, a comment)."""
    opts = model_admin.model._meta
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "intro": intro,
        "objects": list(objects),
        "form": form,
        "hidden": list(hidden),
        "submit_label": submit_label,
        "opts": opts,
        "back_url": reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
    }
    return TemplateResponse(request, "admin/tradehub/note_form.html", context)
