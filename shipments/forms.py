"""Staff distribute a released declaration to several destinations in one form.

One row per destination (a formset): where to, for whom, by road or rail, when (date-time inputs in
the deployment's zone) and how much of each goods item. Every field is checked on the server and
named in its error (no input gives a 500); rows nothing was typed in are ignored; a destination
with no goods, or one outside the corridor (no route for it in the route table, routes.csv), is a
warning staff confirm before anything is created. The rows then go to the distribution service
in one call: all shipments or none.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from declarations.models import Declaration, GoodsItem
from declarations.services.allocation import ZERO, drawn_quantities
from tradehub.reference.choices import RouteMode
from tradehub.reference.models import Location, RouteRule
from tradehub.times import zone_label

from .exceptions import ProductRequired
from .models import Product, Shipment
from .services import distribution as distribution_services
from .services.shipments import LotInput

LOCAL_INPUT = "%Y-%m-%dT%H:%M"
DATETIME_FORMATS = [LOCAL_INPUT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]


def _datetime_field(label: Any) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=False,
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT),
        error_messages={"invalid": gettext_lazy("Enter a date and time, e.g. 2026-07-21 14:05.")},
    )


def in_corridor(declaration: Declaration, destination: Location, on: dt.date) -> bool:
    """Whether the route table knows a way from the office's country to the destination's
    (any mode); a destination in the office's own country needs none."""
    office_country = declaration.office.location.country_id
    if destination.country_id == office_country:
        return True
    return (
        RouteRule.objects.effective_on(on)
        .filter(from_country_id=office_country, to_country_id=destination.country_id)
        .exists()
    )


class ProductsForm(forms.Form):
    """Which product each goods item is (inferred from its commodity code when one matches)."""

    def __init__(self, *args: Any, items: list[GoodsItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            # Pre-selected as the API infers it (resolve_product): one rule for both.
            inferred = distribution_services.infer_product(item)
            self.fields[f"product_{item.sequence}"] = forms.ModelChoiceField(
                Product.objects.order_by("code"),
                required=False,
                initial=inferred.pk if inferred is not None else None,
                label=_("Goods item %(sequence)d (%(code)s): product")
                % {"sequence": item.sequence, "code": item.commodity_code},
                help_text=_("Only needed when the goods on a line are of this item."),
            )

    def product(self, item: GoodsItem) -> Product:
        """The product chosen for the item, else the one its code designates (ProductRequired)."""
        chosen: Product | None = self.cleaned_data.get(f"product_{item.sequence}")
        return distribution_services.resolve_product(item, chosen)


class DestinationForm(forms.Form):
    """One destination: a row of the distribution form."""

    destination = forms.CharField(
        label=gettext_lazy("Destination"),
        required=False,
        max_length=6,
        help_text=gettext_lazy("UN/LOCODE, e.g. UZTAS (Tashkent)"),
        widget=forms.TextInput(attrs={"size": 7, "placeholder": "UZTAS"}),
    )
    consignee_name = forms.CharField(
        label=gettext_lazy("Consignee"), required=False, max_length=200
    )
    transport_mode = forms.ChoiceField(
        label=gettext_lazy("By"),
        required=False,
        choices=[("", gettext_lazy("road (default)")), *RouteMode.choices],
    )
    planned_departure = _datetime_field(gettext_lazy("Departure"))
    planned_arrival = _datetime_field(gettext_lazy("Arrival"))

    def __init__(self, *args: Any, items: list[GoodsItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            self.fields[f"net_kg_{item.sequence}"] = forms.DecimalField(
                label=_("#%(sequence)d net kg") % {"sequence": item.sequence},
                required=False,
                min_value=Decimal("0"),
                max_digits=14,
                decimal_places=3,
                widget=forms.NumberInput(attrs={"step": "0.001", "min": "0", "size": 8}),
            )
            self.fields[f"packages_{item.sequence}"] = forms.IntegerField(
                label=_("#%(sequence)d packages") % {"sequence": item.sequence},
                required=False,
                min_value=0,
                max_value=2_000_000_000,
                widget=forms.NumberInput(attrs={"min": "0", "size": 6}),
            )

    def quantities(self) -> list[tuple[GoodsItem, Decimal, int]]:
        """The goods on this row with a quantity."""
        data = self.cleaned_data
        rows = []
        for item in self.items:
            kg = data.get(f"net_kg_{item.sequence}")
            packages = data.get(f"packages_{item.sequence}")
            if kg or packages:
                rows.append((item, kg or Decimal("0"), packages or 0))
        return rows

    @property
    def is_blank(self) -> bool:
        """Nothing typed in this row (spare rows of the page)."""
        return not any(str(value).strip() for value in self.data_values())

    def data_values(self) -> list[Any]:
        return [self.data.get(self.add_prefix(name), "") for name in self.fields]

    def clean_destination(self) -> Location | None:
        code = (self.cleaned_data.get("destination") or "").strip().upper().replace(" ", "")
        if not code:
            return None
        location = Location.objects.select_related("country").filter(code=code).first()
        if location is None:
            raise forms.ValidationError(
                _("Unknown location %(code)s: give a UN/LOCODE such as UZTAS.") % {"code": code}
            )
        return location

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        departure, arrival = data.get("planned_departure"), data.get("planned_arrival")
        if departure and arrival and arrival < departure:
            self.add_error(
                "planned_arrival",
                _("Arrival must not be before departure (%(departure)s).")
                % {"departure": timezone.localtime(departure).strftime("%Y-%m-%d %H:%M")},
            )
        for item in self.items:
            kg_name, packages_name = f"net_kg_{item.sequence}", f"packages_{item.sequence}"
            kg, packages = data.get(kg_name), data.get(packages_name)
            if kg_name in self.errors or packages_name in self.errors:
                continue
            if kg and not packages:
                self.add_error(packages_name, _("At least one package when goods go."))
            elif packages and not kg:
                self.add_error(kg_name, _("Give the net kg of these packages."))
        if self.quantities() and "destination" not in self.errors and not data.get("destination"):
            self.add_error("destination", _("Where do these goods go? Give a UN/LOCODE."))
        return data


@dataclass
class Warning:
    """Something staff confirm before the shipments are created."""

    row: int
    text: str


class BaseDestinationFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    """Rows of destinations; checks what one row cannot: what is left of each goods item."""

    def __init__(self, *args: Any, declaration: Declaration, **kwargs: Any) -> None:
        self.declaration = declaration
        self.items = list(declaration.goods_items.order_by("sequence"))
        drawn = drawn_quantities(self.items)
        self.remaining = {
            item.pk: (
                item.net_kg - drawn.get(item.pk, ZERO).net_kg,
                item.packages_count - drawn.get(item.pk, ZERO).packages,
            )
            for item in self.items
        }
        kwargs["form_kwargs"] = {"items": self.items}
        super().__init__(*args, **kwargs)

    def filled(self) -> list[tuple[int, DestinationForm]]:
        """The rows something was typed in (1-based row numbers)."""
        return [
            (row, form)
            for row, form in enumerate(self.forms, start=1)
            if not form.is_blank  # type: ignore[attr-defined]
        ]

    def clean(self) -> None:
        if any(self.errors):
            return
        rows = self.filled()
        if not rows:
            raise forms.ValidationError(_("Fill in at least one destination."))
        for item in self.items:
            kg = sum(
                (q[1] for _, f in rows for q in f.quantities() if q[0].pk == item.pk),  # type: ignore[attr-defined]
                Decimal("0"),
            )
            packages = sum(
                q[2]
                for _, f in rows
                for q in f.quantities()  # type: ignore[attr-defined]
                if q[0].pk == item.pk
            )
            left_kg, left_packages = self.remaining[item.pk]
            if kg > left_kg or packages > left_packages:
                raise forms.ValidationError(
                    _(
                        "Goods item %(sequence)d: the rows ask %(kg)s kg in %(packages)d "
                        "packages, only %(left_kg)s kg in %(left_packages)d packages are left."
                    )
                    % {
                        "sequence": item.sequence,
                        "kg": f"{kg:.3f}",
                        "packages": packages,
                        "left_kg": f"{left_kg:.3f}",
                        "left_packages": left_packages,
                    }
                )

    def warnings(self) -> list[Warning]:
        """Rows with a destination but no goods; destinations outside the corridor."""
        found = []
        for row, form in self.filled():
            destination: Location | None = form.cleaned_data.get("destination")
            if destination is None:
                continue
            if not form.quantities():  # type: ignore[attr-defined]
                found.append(
                    Warning(
                        row,
                        _("Row %(row)d (%(code)s) has no goods: it will be left out.")
                        % {"row": row, "code": destination.code},
                    )
                )
                continue
            on = (form.cleaned_data.get("planned_departure") or timezone.now()).date()
            if not in_corridor(self.declaration, destination, on):
                found.append(
                    Warning(
                        row,
                        _(
                            "Row %(row)d: %(name)s (%(code)s, %(country)s) is outside the "
                            "corridor — the route table has no route to %(country)s, so no "
                            "transit countries or route documents will be planned."
                        )
                        % {
                            "row": row,
                            "name": destination.name,
                            "code": destination.code,
                            "country": destination.country_id,
                        },
                    )
                )
        return found

    def requests(self, products: ProductsForm) -> list[distribution_services.DistributionShipment]:
        """One distribution request per row with goods (rows without goods are left out)."""
        requests = []
        for _row, form in self.filled():
            quantities = form.quantities()  # type: ignore[attr-defined]
            if not quantities:
                continue
            data = form.cleaned_data
            destination: Location = data["destination"]
            name = (data.get("consignee_name") or "").strip()
            lines = []
            for item, kg, packages in quantities:
                try:
                    product = products.product(item)
                except ProductRequired as exc:
                    products.add_error(f"product_{item.sequence}", str(exc))
                    continue
                lines.append(
                    LotInput(product=product, net_kg=kg, packages=packages, goods_item=item)
                )
            requests.append(
                distribution_services.DistributionShipment(
                    destination=destination,
                    consignee={"name": name, "country": destination.country_id} if name else {},
                    planned_departure=data.get("planned_departure"),
                    planned_arrival=data.get("planned_arrival"),
                    transport_mode=data.get("transport_mode") or "",
                    lines=lines,
                )
            )
        return requests


def destination_formset(data: Any, declaration: Declaration, rows: int) -> BaseDestinationFormSet:
    """The rows of the page (`rows` spare rows when empty)."""
    formset_class = forms.formset_factory(
        DestinationForm, formset=BaseDestinationFormSet, extra=rows, max_num=50
    )
    formset: Any = formset_class(data, prefix="rows", declaration=declaration)  # type: ignore[call-arg]
    return formset  # type: ignore[no-any-return]


def zone_hint() -> str:
    """`Almaty, UTC+5`: shown next to the date-time inputs."""
    return zone_label()


class ShipmentAdminForm(forms.ModelForm):  # type: ignore[type-arg]
    """The shipment page: the consignee as labelled fields, not raw JSON. The stored object keeps
    the API's party shape (`name`, `country`, `tax_id`, `address`); keys this form does not show
    are kept as they were."""

    PARTY_FIELDS = ("name", "country", "tax_id", "address")

    consignee_name = forms.CharField(
        label=gettext_lazy("Consignee"), required=False, max_length=200
    )
    consignee_country = forms.CharField(
        label=gettext_lazy("Consignee country"),
        required=False,
        min_length=2,
        max_length=2,
        help_text=gettext_lazy("ISO 3166 two-letter code, e.g. UZ"),
        widget=forms.TextInput(attrs={"size": 3}),
    )
    consignee_tax_id = forms.CharField(
        label=gettext_lazy("Consignee tax id"), required=False, max_length=40
    )
    consignee_address = forms.CharField(
        label=gettext_lazy("Consignee address"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 40}),
    )

    class Meta:
        model = Shipment
        # The editable fields of the shipment page (the admin's fieldsets decide the layout).
        fields = [
            "partner",
            "partner_reference",
            "kind",
            "origin",
            "destination",
            "declaration",
            "setpoint_c",
            "planned_departure",
            "planned_arrival",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        party = self.instance.consignee or {}
        for key in self.PARTY_FIELDS:
            self.fields[f"consignee_{key}"].initial = str(party.get(key, ""))

    def clean_consignee_country(self) -> str:
        return str(self.cleaned_data["consignee_country"]).strip().upper()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        given = [key for key in self.PARTY_FIELDS if cleaned.get(f"consignee_{key}")]
        if given and "name" not in given:
            # The API refuses a consignee without a name; staff get the same rule.
            self.add_error("consignee_name", _("Name the consignee, or clear its other fields."))
        return cleaned

    def save(self, commit: bool = True) -> Shipment:
        party = dict(self.instance.consignee or {})
        for key in self.PARTY_FIELDS:
            value = str(self.cleaned_data.get(f"consignee_{key}") or "").strip()
            if value:
                party[key] = value
            else:
                party.pop(key, None)
        self.instance.consignee = party if party.get("name") else {}
        return super().save(commit=commit)  # type: ignore[no-any-return]
