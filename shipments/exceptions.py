"""Domain errors raised by the shipments services (kinds from `tradehub.errors`; the API maps them
to 400 / 409 problem responses in `tradehub.api.exceptions`, the admin shows their message)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from tradehub.errors import Conflict, DomainError, Invalid

if TYPE_CHECKING:
    from declarations.models import GoodsItem

    from .models import Product


class ShipmentError(DomainError):
    """Base of the shipments app's domain errors."""


class ShipmentConflict(ShipmentError, Conflict):
    """The shipment (or the declaration it draws on) is not in a state that allows this; `code`
    says which rule (`shipment_not_booked`, `documents_missing`, `invalid_status`, ...)."""


class ShipmentInvalid(ShipmentError, Invalid):
    """The shipment's input breaks a rule; `errors` are `{pointer, code, detail}`."""


class EventConflict(ShipmentConflict):
    """Event ids re-sent with other content: `conflicts` name each one and the stored version."""

    def __init__(self, conflicts: list[dict[str, Any]]) -> None:
        self.conflicts = conflicts
        super().__init__(
            f"{len(conflicts)} event id(s) were already recorded with other content. "
            "Nothing was stored; send a new event_id for a new event.",
            code="event_conflict",
            errors=[
                {
                    "pointer": f"/{c['index']}",
                    "code": "event_conflict",
                    "detail": f"Event {c['event_id']!r} "
                    + (
                        "was already recorded with other content (see `conflicts`)."
                        if c["stored"] is not None
                        else f"differs from the one at /{c['same_as_index']} in this batch."
                    ),
                }
                for c in conflicts
            ],
            conflicts=conflicts,
        )


class ProductRequired(ShipmentInvalid):
    """A line draws on a goods item whose commodity code designates no product or several: the
    caller names the product (`/product` of the line). One wording for the API and the admin
    (translated for staff; the API always answers in English)."""

    def __init__(self, goods_item: GoodsItem, matches: list[Product]) -> None:
        self.goods_item = goods_item
        self.matches = matches
        if matches:
            message = _(
                "Several products match commodity code %(code)s (%(products)s): give `product`."
            ) % {
                "code": goods_item.commodity_code,
                "products": ", ".join(product.code for product in matches),
            }
        else:
            message = _("No product matches commodity code %(code)s: give `product`.") % {
                "code": goods_item.commodity_code
            }
        super().__init__(
            [{"pointer": "/product", "code": "product_required", "detail": message}],
            message,
            code="product_required",
        )
