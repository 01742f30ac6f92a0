"""Staff key in a declaration on a partner's behalf (paperwork that came by phone or email).

The form only collects what the paper says: it turns the fields into the body a partner would
POST to the API, runs the API's own serializer on it and calls the same services, so the checks
and their messages are the API's — no second copy of any rule. Every error comes back as a JSON
pointer (`/goods_items/1/net_kg`) and is put next to the field it points at.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tradehub.api.exceptions import flatten_errors
from tradehub.errors import DomainError
from tradehub.partners.models import Partner
from tradehub.reference.choices import TransportMode
from tradehub.reference.models import CustomsOffice
from tradehub.times import zone_label

from . import services
from .choices import (
    DeclarationDocumentType,
    DeclarationStatus,
    Procedure,
    TransportDocumentType,
)
from .exceptions import (
    DeclarationInvalid,
    DuplicateLrn,
)
from .inputs import DeclarationInput
from .models import Declaration

PARTIES = ("consignor", "consignee", "declarant")
PARTY_FIELDS = ("name", "country", "tax_id", "address")
GOODS_FIELDS = (
    "description",
    "commodity_code",
    "origin_country",
    "packages_count",
    "packages_kind",
    "gross_kg",
    "net_kg",
    "invoice_value",
    "currency",
    "source_item",
    "storage_place",
)
DOCUMENT_FIELDS = ("type", "number", "issued_by", "issued_on", "valid_until", "goods_items")
LOCAL_INPUT = "%Y-%m-%dT%H:%M"


def _text(label: Any, help_text: Any = "", **attrs: Any) -> forms.CharField:
    """A raw text box: the API's serializer, not the form, decides what is valid."""
    return forms.CharField(
        label=label,
        required=False,
        help_text=help_text,
        widget=forms.TextInput(attrs=attrs or None),
    )


def _lines(label: Any, help_text: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 30}),
    )


def _choice(label: Any, choices: Iterable[tuple[str, Any]], help_text: Any = "") -> forms.Field:
    return forms.ChoiceField(
        label=label, required=False, choices=[("", "---------"), *choices], help_text=help_text
    )


def _party_label(party: str, field: str) -> Any:
    labels = {
        "consignor": {
            "name": _("Consignor"),
            "country": _("country"),
            "tax_id": _("tax id"),
            "address": _("address"),
        },
        "consignee": {
            "name": _("Consignee"),
            "country": _("country"),
            "tax_id": _("tax id"),
            "address": _("address"),
        },
        "declarant": {
            "name": _("Declarant"),
            "country": _("country"),
            "tax_id": _("tax id"),
            "address": _("address"),
        },
    }
    return labels[party][field]


class DeclarationHeaderForm(forms.Form):
    """The declaration's own fields: partner, procedure, offices, transport, parties, transit."""

    partner = forms.ModelChoiceField(
        Partner.objects.order_by("name"),
        label=_("On behalf of partner"),
        help_text=_("The declaration belongs to this partner, as if it had sent it by API."),
    )
    lrn = _text(_("LRN"), _("The partner's local reference number (unique per partner)."))
    procedure = _choice(_("Procedure"), Procedure.choices)
    parent = _text(
        _("Parent declaration"),
        _("Reference of the customs-warehouse or transit declaration whose stock this draws on."),
    )
    office = _choice(_("Office of declaration"), [])
    border_crossing = _text(_("Border crossing"), _("UN/LOCODE, e.g. KZHOR (Khorgos)."))
    transport_mode = _choice(_("Transport mode"), TransportMode.choices)
    transport_document_type = _choice(_("Transport document"), TransportDocumentType.choices)
    transport_document_number = _text(_("Transport document number"))
    containers = _lines(_("Containers"), _("One ISO 6346 number per line, e.g. CSQU3054383."))
    seals = _lines(_("Seals"), _("One seal number per line."))
    transit_destination_office = _choice(
        _("Transit: office of destination"), [], _("Only for a transit declaration.")
    )
    transit_delivery_deadline = forms.CharField(
        label=_("Transit: delivery deadline asked"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT),
    )
    transit_route = _text(_("Transit: route"), _("UN/LOCODEs on the way, separated by spaces."))
    transit_navigation_seals = _lines(_("Transit: navigation seals"), _("One id per line."))

    def __init__(self, *args: Any, declaration: Declaration | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offices = [
            (office.code, f"{office.code} {office.name}")
            for office in CustomsOffice.objects.order_by("code")
        ]
        self.fields["office"].choices = [("", "---------"), *offices]  # type: ignore[attr-defined]
        self.fields["transit_destination_office"].choices = [("", "---------"), *offices]  # type: ignore[attr-defined]
        self.fields["transit_delivery_deadline"].help_text = _("Local time, %(zone)s.") % {
            "zone": zone_label()
        }
        for party in PARTIES:
            for name in PARTY_FIELDS:
                self.fields[f"{party}_{name}"] = _text(
                    _party_label(party, name),
                    _("Two-letter country code, e.g. CN.") if name == "country" else "",
                )
        if declaration is not None:
            # The owner of a declaration never changes; a parent is chosen at creation.
            self.fields["partner"].disabled = True
            self.fields["parent"].disabled = True


class GoodsItemForm(forms.Form):
    """One goods item as on the invoice."""

    description = _text(_("Description"))
    commodity_code = _text(_("Commodity code"), size=12)
    origin_country = _text(_("Origin"), size=3)
    packages_count = _text(_("Packages"), size=6)
    packages_kind = _text(_("Kind"), size=3)
    gross_kg = _text(_("Gross kg"), size=10)
    net_kg = _text(_("Net kg"), size=10)
    invoice_value = _text(_("Invoice value"), size=10)
    currency = _text(_("Currency"), size=4)
    source_item = _text(_("Parent item #"), size=3)
    storage_place = _text(_("Storage place"))


class DocumentForm(forms.Form):
    """One supporting document, optionally with its scan."""

    type = _choice(_("Type"), DeclarationDocumentType.choices)
    number = _text(_("Number"))
    issued_by = _text(_("Issued by"))
    issued_on = forms.CharField(
        label=_("Issued on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_until = forms.CharField(
        label=_("Valid until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    goods_items = _text(_("Covers goods items"), _("e.g. 1, 2 — empty: all"), size=8)
    file = forms.FileField(label=_("Scan (PDF, PNG, JPEG)"), required=False)


MAX_ROWS = 200


def _split(value: str) -> list[str]:
    return [part for part in value.replace(",", " ").split() if part]


def _local_to_iso(value: str) -> str:
    """A `datetime-local` value is local time of the deployment's zone: send it with its offset
    (the API refuses times without one)."""
    try:
        naive = dt.datetime.strptime(value, LOCAL_INPUT)
    except ValueError:
        return value  # the API's serializer names what is wrong with it
    return timezone.make_aware(naive).isoformat()


class KeyInFailed(Exception):
    """The API's checks refused what was keyed in; `errors` are `{pointer, code, detail}`."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        self.errors = errors
        super().__init__("; ".join(e["detail"] for e in errors))


class DeclarationKeyIn:
    """The whole key-in page: header form, goods items and documents formsets."""

    def __init__(
        self,
        data: Any = None,
        files: Any = None,
        *,
        declaration: Declaration | None = None,
        goods_rows: int = 3,
        document_rows: int = 3,
    ) -> None:
        self.declaration = declaration
        goods_formset = forms.formset_factory(
            GoodsItemForm, extra=max(0, min(goods_rows, MAX_ROWS)), max_num=999
        )
        documents_formset = forms.formset_factory(
            DocumentForm, extra=max(0, min(document_rows, MAX_ROWS)), max_num=200
        )
        initial = self._initial(declaration) if declaration is not None else None
        self.header = DeclarationHeaderForm(
            data, declaration=declaration, initial=(initial or {}).get("header")
        )
        # Rows start from the stored ones; once posted, the rows are what was posted.
        rows = initial if data is None else None
        self.goods = goods_formset(data, prefix="goods", initial=(rows or {}).get("goods"))
        self.documents = documents_formset(
            data, files, prefix="documents", initial=(rows or {}).get("documents")
        )
        self.non_field_errors: list[str] = []
        self.goods_errors: list[str] = []
        self.documents_errors: list[str] = []
        self._goods_rows: list[int] = []
        self._document_rows: list[int] = []

    # --- reading --------------------------------------------------------------------------

    @staticmethod
    def _initial(declaration: Declaration) -> dict[str, Any]:
        header: dict[str, Any] = {
            "partner": declaration.partner_id,
            "lrn": declaration.lrn,
            "procedure": declaration.procedure,
            "parent": declaration.parent.reference if declaration.parent else "",
            "office": declaration.office.code,
            "border_crossing": declaration.border_crossing_id or "",
            "transport_mode": declaration.transport_mode,
            "transport_document_type": declaration.transport_document_type,
            "transport_document_number": declaration.transport_document_number,
            "containers": "\n".join(declaration.containers or []),
            "seals": "\n".join(declaration.seals or []),
        }
        if declaration.border_crossing_id:
            header["border_crossing"] = declaration.border_crossing.code  # type: ignore[union-attr]
        for party in PARTIES:
            values = getattr(declaration, party) or {}
            for name in PARTY_FIELDS:
                header[f"{party}_{name}"] = values.get(name, "")
        transit = getattr(declaration, "transit", None)
        if transit is not None:
            header["transit_destination_office"] = transit.destination_office.code
            header["transit_delivery_deadline"] = timezone.localtime(
                transit.requested_deadline
            ).strftime(LOCAL_INPUT)
            header["transit_route"] = " ".join(transit.route or [])
            header["transit_navigation_seals"] = "\n".join(transit.navigation_seals or [])
        goods = [
            {
                "description": item.description,
                "commodity_code": item.commodity_code,
                "origin_country": item.origin_country,
                "packages_count": item.packages_count,
                "packages_kind": item.packages_kind,
                "gross_kg": item.gross_kg,
                "net_kg": item.net_kg,
                "invoice_value": item.invoice_value,
                "currency": item.currency,
                "source_item": item.source_item.sequence if item.source_item else "",
                "storage_place": item.storage_place,
            }
            for item in declaration.goods_items.select_related("source_item").order_by("sequence")
        ]
        documents = [
            {
                "type": document.type,
                "number": document.number,
                "issued_by": document.issued_by,
                "issued_on": document.issued_on.isoformat() if document.issued_on else "",
                "valid_until": document.valid_until.isoformat() if document.valid_until else "",
                "goods_items": ", ".join(
                    str(item.sequence) for item in document.goods_items.order_by("sequence")
                ),
            }
            for document in declaration.documents.order_by("id")
        ]
        return {"header": header, "goods": goods, "documents": documents}

    def is_valid(self) -> bool:
        """Only the page's structure: every rule is the API's (`save`)."""
        return all((self.header.is_valid(), self.goods.is_valid(), self.documents.is_valid()))

    @property
    def partner(self) -> Partner:
        if self.declaration is not None:
            return self.declaration.partner
        partner: Partner = self.header.cleaned_data["partner"]
        return partner

    def payload(self) -> dict[str, Any]:
        """The body a partner would send to `POST /api/v1/declarations/` for this paper."""
        data = self.header.cleaned_data
        body: dict[str, Any] = {}
        for name in ("lrn", "procedure", "parent", "office", "border_crossing", "transport_mode"):
            value = (data.get(name) or "").strip()
            if value and not (name == "parent" and self.declaration is not None):
                body[name] = value
        if data.get("transport_document_type") or data.get("transport_document_number"):
            body["transport_document"] = {
                "type": data.get("transport_document_type") or "",
                "number": (data.get("transport_document_number") or "").strip(),
            }
        body["containers"] = _split(data.get("containers") or "")
        body["seals"] = [
            line.strip() for line in (data.get("seals") or "").splitlines() if line.strip()
        ]
        for party in PARTIES:
            values = {name: (data.get(f"{party}_{name}") or "").strip() for name in PARTY_FIELDS}
            values = {name: value for name, value in values.items() if value}
            if values or party != "declarant":
                body[party] = values
            elif self.declaration is not None:
                body[party] = None  # cleared on the page: no declarant any more
        if data.get("transit_destination_office") or data.get("transit_delivery_deadline"):
            transit: dict[str, Any] = {}
            if data.get("transit_destination_office"):
                transit["destination_office"] = data["transit_destination_office"]
            if data.get("transit_delivery_deadline"):
                transit["delivery_deadline"] = _local_to_iso(data["transit_delivery_deadline"])
            transit["route"] = _split((data.get("transit_route") or "").upper())
            transit["navigation_seals"] = [
                line.strip()
                for line in (data.get("transit_navigation_seals") or "").splitlines()
                if line.strip()
            ]
            body["transit"] = transit
        body["goods_items"] = self._goods_items()
        body["documents"] = self._documents()
        return body

    def _goods_items(self) -> list[dict[str, Any]]:
        items, self._goods_rows = [], []
        for row, form in enumerate(self.goods.forms):
            values = {n: str(form.cleaned_data.get(n) or "").strip() for n in GOODS_FIELDS}
            if not any(values.values()):
                continue  # an empty row of the page
            item: dict[str, Any] = {
                name: values[name]
                for name in GOODS_FIELDS
                if values[name] and name not in ("packages_count", "packages_kind")
            }
            item["packages"] = {
                name: values[f"packages_{name}"]
                for name in ("count", "kind")
                if values[f"packages_{name}"]
            }
            items.append(item)
            self._goods_rows.append(row)
        return items

    def _documents(self) -> list[dict[str, Any]]:
        documents, self._document_rows = [], []
        for row, form in enumerate(self.documents.forms):
            values = {n: str(form.cleaned_data.get(n) or "").strip() for n in DOCUMENT_FIELDS}
            if not any(values.values()) and not form.cleaned_data.get("file"):
                continue
            document: dict[str, Any] = {
                name: values[name] for name in DOCUMENT_FIELDS if values[name]
            }
            if "goods_items" in document:
                document["goods_items"] = _split(document["goods_items"])
            documents.append(document)
            self._document_rows.append(row)
        return documents

    # --- errors -----------------------------------------------------------------------------

    def add_errors(self, errors: Iterable[Mapping[str, Any]]) -> None:
        """Put each `{pointer, detail}` next to the field it points at."""
        for error in errors:
            self._add_error(str(error.get("pointer") or "/"), str(error.get("detail", "")))

    def _add_error(self, pointer: str, detail: str) -> None:
        parts = [p for p in pointer.split("/") if p]
        header = self.header
        if not parts:
            self.non_field_errors.append(detail)
            return
        head = parts[0]
        if head in PARTIES and len(parts) > 1 and f"{head}_{parts[1]}" in header.fields:
            header.add_error(f"{head}_{parts[1]}", detail)
        elif head in PARTIES:
            header.add_error(f"{head}_name", detail)
        elif head == "transport_document":
            field = (
                "transport_document_type"
                if parts[1:2] == ["type"]
                else ("transport_document_number")
            )
            header.add_error(field, detail)
        elif head in ("containers", "seals"):
            line = f"{int(parts[1]) + 1}: " if len(parts) > 1 and parts[1].isdigit() else ""
            header.add_error(head, f"{_('Line')} {line}{detail}" if line else detail)
        elif head == "transit":
            name = f"transit_{parts[1]}" if len(parts) > 1 else "transit_destination_office"
            header.add_error(
                name if name in header.fields else "transit_destination_office", detail
            )
        elif head in ("goods_items", "documents"):
            self._add_row_error(head, parts[1:], detail)
        elif head in header.fields:
            header.add_error(head, detail)
        else:
            self.non_field_errors.append(f"{pointer}: {detail}")

    def _add_row_error(self, head: str, parts: list[str], detail: str) -> None:
        formset, rows, general = (
            (self.goods, self._goods_rows, self.goods_errors)
            if head == "goods_items"
            else (self.documents, self._document_rows, self.documents_errors)
        )
        if not parts or not parts[0].isdigit() or int(parts[0]) >= len(rows):
            general.append(detail)
            return
        form = formset.forms[rows[int(parts[0])]]
        field = parts[1] if len(parts) > 1 else ""
        if field == "packages":
            field = f"packages_{parts[2]}" if len(parts) > 2 else "packages_count"
        if field in form.fields:
            form.add_error(field, detail)
        else:
            form.add_error(None, detail)

    @property
    def has_errors(self) -> bool:
        return bool(
            self.non_field_errors
            or self.goods_errors
            or self.documents_errors
            or self.header.errors
            or any(form.errors for form in self.goods.forms)
            or any(form.errors for form in self.documents.forms)
        )

    # --- writing ----------------------------------------------------------------------------

    def save(self, *, actor: str, submit: bool = False) -> Declaration | None:
        """Create (or edit, or amend) the declaration through the API's serializer and the
        services, attach the scans and optionally submit it — all or nothing. On refusal the
        errors are on the page and nothing was stored."""
        try:
            with transaction.atomic():
                return self._save(actor=actor, submit=submit)
        except KeyInFailed as exc:
            self.add_errors(exc.errors)
        except DeclarationInvalid as exc:
            self.add_errors(exc.errors)
        except DuplicateLrn as exc:
            self.header.add_error("lrn", str(exc))
        except DomainError as exc:  # a transition, a procedure, an allocation, ...
            self.non_field_errors.append(str(exc))
        return None

    def _validated(self, body: dict[str, Any]) -> DeclarationInput:
        """The body checked by the API's own input serializer (the same rules and pointers),
        as the services take it."""
        from .api.inputs import declaration_input
        from .api.serializers import DeclarationUpdateSerializer, DeclarationWriteSerializer

        serializer: Any
        if self.declaration is None:
            serializer = DeclarationWriteSerializer(
                data=body,
                context={"parents": Declaration.objects.filter(partner=self.partner)},
            )
        else:
            serializer = DeclarationUpdateSerializer(
                data=body, context={"declaration": self.declaration}
            )
        if not serializer.is_valid():
            raise KeyInFailed(list(flatten_errors(serializer.errors)))
        return declaration_input(serializer.validated_data)

    def _save(self, *, actor: str, submit: bool) -> Declaration:
        body = self.payload()
        data = self._validated(body)
        if self.declaration is None:
            declaration = services.create_declaration(partner=self.partner, data=data, actor=actor)
        elif self.declaration.status == DeclarationStatus.DRAFT:
            declaration = services.update_draft(self.declaration, data=data, actor=actor)
        else:
            declaration = services.amend(self.declaration, data=data, actor=actor)
        self._attach_files(declaration, body["documents"], actor)
        if submit and declaration.status == DeclarationStatus.DRAFT:
            declaration = services.submit(declaration, actor=actor)
        return declaration

    def _attach_files(
        self, declaration: Declaration, documents: list[dict[str, Any]], actor: str
    ) -> None:
        stored = list(declaration.documents.order_by("id").values_list("type", "number"))
        for index, (document, row) in enumerate(zip(documents, self._document_rows, strict=True)):
            upload = self.documents.forms[row].cleaned_data.get("file")
            if not upload:
                continue
            key = (str(document.get("type", "")), str(document.get("number", "")))
            position = stored.index(key) + 1 if key in stored else index + 1
            try:
                services.attach_document_file(
                    declaration, position=position, file=upload, actor=actor
                )
            except DeclarationInvalid as exc:
                raise KeyInFailed(
                    [{**e, "pointer": f"/documents/{index}/file"} for e in exc.errors]
                ) from exc
