"""Staff pages of a declaration beyond Django's defaults: key in a declaration on a partner's
behalf (add, edit a draft, amend) through the API's checks and the services; the decision
buttons of its page, each behind a confirmation (with a reason or notes where they are due);
the next step and the links to what belongs to it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tradehub.errors import DomainError
from tradehub.partners.principals import actor_label

from . import services
from .decisions import BY_KEY, Decision, next_step, offered
from .exceptions import DeclarationInvalid
from .forms import DeclarationKeyIn
from .models import Declaration, Document
from .states import Action, can


def _rows(request: HttpRequest, name: str, default: int) -> int:
    try:
        return max(1, min(int(request.GET.get(name, default)), 200))
    except ValueError:
        return default


class DecisionForm(forms.Form):
    """The confirmation of one decision: the reason or notes it needs, if any."""

    text = forms.CharField(
        label=gettext_lazy("Reason"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
    )

    def __init__(self, *args: Any, decision: Decision, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["text"]
        if decision.text:
            field.required = True
            field.label = gettext_lazy("Notes") if decision.text == "notes" else field.label
            field.help_text = decision.text_help  # type: ignore[assignment]
        else:
            field.widget = forms.HiddenInput()

    def clean_text(self) -> str:
        return str(self.cleaned_data.get("text") or "").strip()


def _url(name: str, *args: Any) -> str:
    """A URL of another app's admin, if that app is installed."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def declaration_links(declaration: Declaration) -> list[tuple[str, str]]:
    """What belongs to a declaration, each with a link: shipments, documents, children, parent,
    transit, and where to distribute it."""
    links: list[tuple[str, str]] = []
    shipments = _url("admin:shipments_shipment_changelist")
    if shipments:
        count = declaration.shipments.count()  # type: ignore[attr-defined]
        links.append(
            (
                _("Shipments made from it: %(count)d") % {"count": count},
                f"{shipments}?declaration__id__exact={declaration.pk}",
            )
        )
        onward = declaration.onward_shipments.count()  # type: ignore[attr-defined]
        if onward:
            links.append(
                (
                    _("Shipments leaving customs under it: %(count)d") % {"count": onward},
                    f"{shipments}?onward_declaration__id__exact={declaration.pk}",
                )
            )
    links.append(
        (
            _("Documents: %(count)d") % {"count": declaration.documents.count()},
            "#documents-group",
        )
    )
    children = declaration.children.count()
    if children:
        links.append(
            (
                _("Declarations drawn from it: %(count)d") % {"count": children},
                reverse("admin:declarations_declaration_changelist")
                + f"?parent__id__exact={declaration.pk}",
            )
        )
    if declaration.parent_id:
        links.append(
            (
                _("Drawn from %(reference)s") % {"reference": declaration.parent.reference},  # type: ignore[union-attr]
                reverse("admin:declarations_declaration_change", args=[declaration.parent_id]),
            )
        )
    if getattr(declaration, "transit", None) is not None:
        links.append((_("Transit"), "#transit-group"))
    distribute = _url("admin:shipments_shipment_distribute")
    if distribute and declaration.status in ("released", "partially_distributed"):
        links.append((_("Distribute it"), f"{distribute}?declaration={declaration.reference}"))
    return links


def document_position(document: Document) -> int:
    """The document's place in its declaration's list (1-based), as the API numbers it."""
    return Document.objects.filter(
        declaration_id=document.declaration_id, id__lte=document.pk
    ).count()


def document_file_links(document: Document) -> SafeString:
    """Open the scan through the staff file view; upload, replace or remove it on its page."""
    position = document_position(document)
    args = [document.declaration_id, position]
    manage = reverse("admin:declarations_declaration_document", args=args)
    if not document.file:
        return format_html('<a href="{}">{}</a>', manage, _("Upload a scan"))
    return format_html(
        '<a href="{}" target="_blank" rel="noopener" class="document-file">{}</a> · '
        '<a href="{}">{}</a>',
        reverse("admin:declarations_declaration_document_file", args=args),
        document.file.name.rsplit("/", 1)[-1],
        manage,
        _("replace or remove"),
    )


class DocumentFileForm(forms.Form):
    """Upload (or replace) a document's scan."""

    file = forms.FileField(
        label=gettext_lazy("Scan"), help_text=gettext_lazy("PDF, PNG or JPEG, at most 10 MB.")
    )


class RemoveFileForm(forms.Form):
    """Take a document's scan off (before release), with an optional reason for the timeline."""

    reason = forms.CharField(label=gettext_lazy("Why"), required=False, max_length=500)


class KeyInAdminMixin:
    """Add, edit (draft) and amend a declaration with the key-in page; decide on its page."""

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        admin: Any = self
        declaration = admin.get_object(request, object_id)
        context: dict[str, Any] = {
            # The page shows the declaration; changes go through the key-in page and buttons.
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
            "show_delete": False,
        }
        if declaration is not None:
            editable = declaration.status == "draft" or can(declaration.status, Action.AMEND)
            context.update(
                {
                    "decisions": offered(declaration)
                    if admin.has_change_permission(request, declaration)
                    else [],
                    "next_step": next_step(declaration),
                    "links": declaration_links(declaration),
                    "edit_label": (
                        _("Edit draft")
                        if declaration.status == "draft"
                        else _("Amend")
                        if editable
                        else ""
                    ),
                }
            )
        return super().change_view(  # type: ignore[misc,no-any-return]
            request, object_id, form_url, {**context, **(extra_context or {})}
        )

    def decide_view(self, request: HttpRequest, pk: int, key: str) -> HttpResponse:
        """Confirm one decision (with its reason or notes), then take it through the service."""
        admin: Any = self
        decision = BY_KEY.get(key)
        if decision is None:
            raise Http404
        declaration = get_object_or_404(Declaration.objects.select_related("partner"), pk=pk)
        if not admin.has_change_permission(request, declaration):
            raise PermissionDenied
        page = reverse("admin:declarations_declaration_change", args=[declaration.pk])
        if not decision.offered(declaration):
            messages.warning(
                request,
                _("%(decision)s is not possible now: %(reference)s is %(status)s.")
                % {
                    "decision": decision.label,
                    "reference": declaration.reference,
                    "status": declaration.get_status_display(),
                },
            )
            return HttpResponseRedirect(page)
        form = DecisionForm(request.POST or None, decision=decision)
        if request.method == "POST" and form.is_valid():
            try:
                decision.apply(declaration, actor_label(request.user), form.cleaned_data["text"])
            except DomainError as exc:
                messages.error(request, f"{declaration.reference}: {exc}")
            else:
                fresh = Declaration.objects.get(pk=declaration.pk)
                messages.success(
                    request,
                    _("%(decision)s: %(reference)s is now %(status)s.")
                    % {
                        "decision": decision.label,
                        "reference": fresh.reference,
                        "status": fresh.get_status_display(),
                    },
                )
            return HttpResponseRedirect(page)
        context = {
            **admin.admin_site.each_context(request),
            "title": decision.label,
            "opts": admin.model._meta,
            "declaration": declaration,
            "decision": decision,
            "form": form,
        }
        return TemplateResponse(request, "admin/declarations/declaration/decide.html", context)

    def get_urls(self) -> list[URLPattern]:
        site: Any = self.admin_site  # type: ignore[attr-defined]
        custom = [
            path(
                "<int:pk>/edit/",
                site.admin_view(self.keyin_view),
                name="declarations_declaration_edit",
            ),
            path(
                "<int:pk>/documents/<int:position>/",
                site.admin_view(self.document_view),
                name="declarations_declaration_document",
            ),
            path(
                "<int:pk>/documents/<int:position>/file/",
                site.admin_view(self.document_file_view),
                name="declarations_declaration_document_file",
            ),
            path(
                "<int:pk>/decide/<slug:key>/",
                site.admin_view(self.decide_view),
                name="declarations_declaration_decide",
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

    def _document(self, request: HttpRequest, pk: int, position: int, *, change: bool) -> Any:
        admin: Any = self
        declaration = get_object_or_404(Declaration.objects.select_related("partner"), pk=pk)
        allowed = (
            admin.has_change_permission(request, declaration)
            if change
            else admin.has_view_permission(request, declaration)
        )
        if not allowed:
            raise PermissionDenied
        documents = list(declaration.documents.order_by("id"))
        if not 1 <= position <= len(documents):
            raise Http404
        return declaration, documents[position - 1]

    def document_file_view(self, request: HttpRequest, pk: int, position: int) -> FileResponse:
        """The scan, to staff who may view the declaration only (media is never served)."""
        _declaration, document = self._document(request, pk, position, change=False)
        if not document.file:
            raise Http404
        name = document.file.name.rsplit("/", 1)[-1]
        response = FileResponse(document.file.open("rb"), as_attachment=False, filename=name)
        response["Cache-Control"] = "private, no-store"
        return response

    def document_view(self, request: HttpRequest, pk: int, position: int) -> HttpResponse:
        """A document's scan: upload or replace it, or remove it (until release)."""
        admin: Any = self
        declaration, document = self._document(request, pk, position, change=True)
        actor = actor_label(request.user)
        upload = DocumentFileForm(
            request.POST if "upload" in request.POST else None,
            request.FILES if "upload" in request.POST else None,
        )
        remove = RemoveFileForm(request.POST if "remove" in request.POST else None)
        page = reverse("admin:declarations_declaration_change", args=[declaration.pk])
        removable = can(declaration.status, Action.ATTACH_DOCUMENT_FILE)
        if request.method == "POST" and not removable:
            messages.error(
                request,
                _(
                    "%(reference)s is %(status)s: customs decided on these documents, so their "
                    "scans can no longer be changed or removed."
                )
                % {"reference": declaration.reference, "status": declaration.get_status_display()},
            )
            return HttpResponseRedirect(page + "#documents-group")
        try:
            if "upload" in request.POST and upload.is_valid():
                services.attach_document_file(
                    declaration, position=position, file=upload.cleaned_data["file"], actor=actor
                )
                messages.success(
                    request, _("Scan of %(document)s stored.") % {"document": document}
                )
                return HttpResponseRedirect(page + "#documents-group")
            if "remove" in request.POST and remove.is_valid():
                services.remove_document_file(
                    declaration,
                    position=position,
                    actor=actor,
                    reason=remove.cleaned_data["reason"],
                )
                messages.success(
                    request, _("Scan of %(document)s removed.") % {"document": document}
                )
                return HttpResponseRedirect(page + "#documents-group")
        except DeclarationInvalid as exc:
            form = upload if "upload" in request.POST else remove
            for error in exc.errors:
                form.add_error(None, str(error["detail"]))
        except DomainError as exc:
            messages.error(request, str(exc))
        context = {
            **admin.admin_site.each_context(request),
            "title": str(document),
            "opts": admin.model._meta,
            "declaration": declaration,
            "document": document,
            "position": position,
            "file_name": document.file.name.rsplit("/", 1)[-1] if document.file else "",
            "changeable": removable,
            "upload": upload,
            "remove": remove,
        }
        return TemplateResponse(request, "admin/declarations/declaration/document.html", context)
