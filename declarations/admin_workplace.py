"""Staff pages of a declaration beyond Django's defaults: key in a declaration on a partner's
behalf (add, edit a draft, amend) through the API's checks and the services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _

from tradehub.partners.principals import actor_label

from .forms import DeclarationKeyIn
from .models import Declaration
from .states import Action, can


def _rows(request: HttpRequest, name: str, default: int) -> int:
    try:
        return max(1, min(int(request.GET.get(name, default)), 200))
    except ValueError:
        return default


class KeyInAdminMixin:
    """Add, edit (draft) and amend a declaration with the key-in page."""

    def get_urls(self) -> list[URLPattern]:
        site: Any = self.admin_site  # type: ignore[attr-defined]
        custom = [
            path(
                "<int:pk>/edit/",
                site.admin_view(self.keyin_view),
                name="declarations_declaration_edit",
            ),
        ]
        return custom + super().get_urls()  # type: ignore[misc]

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        return self.keyin_view(request, None)

    def keyin_view(self, request: HttpRequest, pk: int | None) -> HttpResponse:
        """The key-in page: new declaration (add), a draft's edit or an amendment."""
        admin: Any = self
        declaration = None
        if pk is None:
            if not admin.has_add_permission(request):
                raise PermissionDenied
            title = _("Key in a declaration on a partner's behalf")
        else:
            declaration = get_object_or_404(
                Declaration.objects.select_related("partner", "office", "border_crossing"), pk=pk
            )
            if not admin.has_change_permission(request, declaration):
                raise PermissionDenied
            if not can(declaration.status, Action.AMEND) and declaration.status != "draft":
                messages.warning(
                    request,
                    _("%(reference)s is %(status)s: it can no longer be changed.")
                    % {
                        "reference": declaration.reference,
                        "status": declaration.get_status_display(),
                    },
                )
                return HttpResponseRedirect(
                    reverse("admin:declarations_declaration_change", args=[declaration.pk])
                )
            title = (
                _("Edit draft %(reference)s") % {"reference": declaration.reference}
                if declaration.status == "draft"
                else _("Amend %(reference)s (new version, lodged again)")
                % {"reference": declaration.reference}
            )
        goods_rows, document_rows = _rows(request, "goods", 3), _rows(request, "documents", 3)
        keyin = DeclarationKeyIn(
            request.POST if request.method == "POST" else None,
            request.FILES if request.method == "POST" else None,
            declaration=declaration,
            goods_rows=goods_rows,
            document_rows=document_rows,
        )
        if request.method == "POST" and keyin.is_valid():
            saved = keyin.save(actor=actor_label(request.user), submit="_submit" in request.POST)
            if saved is not None:
                messages.success(
                    request,
                    _("Declaration %(reference)s (LRN %(lrn)s) saved: %(status)s.")
                    % {
                        "reference": saved.reference,
                        "lrn": saved.lrn,
                        "status": saved.get_status_display(),
                    },
                )
                return HttpResponseRedirect(
                    reverse("admin:declarations_declaration_change", args=[saved.pk])
                )
        context = {
            **admin.admin_site.each_context(request),
            "title": title,
            "opts": admin.model._meta,
            "declaration": declaration,
            "keyin": keyin,
            "more_goods": goods_rows + 5,
            "more_documents": document_rows + 3,
        }
        return TemplateResponse(request, "admin/declarations/declaration/keyin.html", context)
