"""Strong ETags on detail responses and `If-Match` on writes (optimistic concurrency).

The ETag of an object is a hash of its model, primary key, `updated_at` and `version` (when the
model has them): it changes with every write that goes through `save()` (auto_now) or that bumps
`version`, and - unlike a hash of the representation - does not change when only time-derived
fields (e.g. remaining shelf life) move. Services that write with `QuerySet.update()` must set
`updated_at` too. A view can override `get_etag(obj)` to hash something else.

`If-Match` is optional. When present on PATCH/PUT/DELETE or a POST action of a detail route, the
object's row is locked (SELECT ... FOR UPDATE inside a transaction that spans the request) and
compared under the lock, so of two writers holding the same ETag exactly one wins and the other
gets 412 - the check cannot race with the write it guards.
"""

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.db import models, transaction
from django.http import HttpRequest
from django.utils.http import parse_etags
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.response import Response

from .exceptions import PreconditionFailed, PreconditionRequired

ETAG_FIELDS = ("updated_at", "version")


def compute_etag(obj: models.Model) -> str:
    """A strong ETag (quoted) for the current stored state of `obj`."""
    parts = [obj._meta.label_lower, str(obj.pk)]
    for field in ETAG_FIELDS:
        value = getattr(obj, field, None)
        if value is not None:
            parts.append(value.isoformat() if hasattr(value, "isoformat") else str(value))
    return '"' + hashlib.sha256("|".join(parts).encode()).hexdigest()[:32] + '"'


ModelT = TypeVar("ModelT", bound=models.Model)
_etag_columns: dict[type[models.Model], tuple[str, ...]] = {}


def etag_object(model: type[ModelT], row: Mapping[str, Any]) -> ModelT:
    """The object an answer's ETag is computed from, made from a row holding its primary key
    (`id`) and the ETag fields the model has, as Django makes a row read with `only()`: every
    other field is deferred, so no default runs (an alert's or a shipment's `reference` default
    draws a random string: instantiating the model with keywords ran 26 defaults, a few per cent
    of a detail's CPU). A row lacking one of those fields is refused, since reading a deferred
    field would query the database."""
    names = _etag_columns.get(model)
    if names is None:
        attnames = [field.attname for field in model._meta.concrete_fields]
        wanted = {model._meta.pk.attname, *ETAG_FIELDS}
        names = _etag_columns[model] = tuple(name for name in attnames if name in wanted)
    key = model._meta.pk.attname
    values = [row["id" if name == key else name] for name in names]
    return model.from_db(None, names, values)


def _if_match(request: HttpRequest | Request) -> str | None:
    meta = request.META
    return meta.get("HTTP_IF_MATCH")


def etag_matches(header: str, etag: str) -> bool:
    """Strong comparison of an `If-Match` header against the current ETag (`*` matches)."""
    tags: Iterable[str] = parse_etags(header)
    return any(tag == "*" or tag == etag for tag in tags)


def check_if_match(
    request: HttpRequest | Request, obj: models.Model, etag: str | None = None
) -> None:
    """Raise 412 when the request carries an `If-Match` that is not the object's current ETag.

    For @action methods that do not fetch their object through `get_object()`. A missing
    `If-Match` is allowed.
    """
    header = _if_match(request)
    if header is None:
        return
    current = etag if etag is not None else compute_etag(obj)
    if not etag_matches(header, current):
        raise PreconditionFailed(
            "The resource has changed since you read it: If-Match does not match the current "
            "ETag. GET it again, reapply your change and retry.",
            etag=current,
        )


def lock_and_check_if_match(request: HttpRequest | Request, obj: models.Model) -> None:
    """Lock `obj`'s row for the rest of the transaction, then compare `If-Match` with its
    committed state (refreshing `obj` if another writer got there first)."""
    locked = type(obj)._default_manager.select_for_update().filter(pk=obj.pk).first()
    if locked is None:
        return
    current = compute_etag(locked)
    check_if_match(request, locked, current)
    if compute_etag(obj) != current:
        obj.refresh_from_db()


class ETagMixin:
    """Put before the DRF generic base of a detail viewset.

    - GET of the object (and PATCH/PUT answers) carry `ETag`;
    - PATCH/PUT/DELETE and POST @actions on the object honour `If-Match` (stale -> 412);
      the actions named in `if_match_required` refuse to run without it (428).
    Add action names to `etag_actions` whose 2xx answer is the object itself (e.g. "submit") so
    they return the new ETag too.
    """

    etag_actions: tuple[str, ...] = ("retrieve", "update", "partial_update")
    # Actions that refuse to write without `If-Match` (428): corrections that must not
    # overwrite a version the client never saw.
    if_match_required: tuple[str, ...] = ()
    request: Any
    kwargs: dict[str, Any]
    lookup_field: str
    lookup_url_kwarg: str | None

    def get_etag(self, obj: models.Model) -> str:
        return compute_etag(obj)

    def _guarded(self, request: HttpRequest | Request) -> bool:
        lookup = self.lookup_url_kwarg or self.lookup_field
        return (
            request.method not in SAFE_METHODS
            and lookup in self.kwargs
            and _if_match(request) is not None
        )

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        self.kwargs = kwargs
        if self._guarded(request):
            # One transaction for check and write; DRF's exception handler marks it for
            # rollback on any error response, so a refused write leaves nothing behind.
            with transaction.atomic():
                return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    def get_object(self) -> Any:
        obj = super().get_object()  # type: ignore[misc]
        if (
            getattr(self, "action", None) in self.if_match_required
            and _if_match(self.request) is None
        ):
            raise PreconditionRequired()
        if self._guarded(self.request):
            if type(self).get_etag is ETagMixin.get_etag:
                lock_and_check_if_match(self.request, obj)
            else:
                type(obj)._default_manager.select_for_update().filter(pk=obj.pk).first()
                obj.refresh_from_db()
                check_if_match(self.request, obj, self.get_etag(obj))
        self.remember_etag_object(obj)
        return obj

    def remember_etag_object(self, obj: models.Model) -> None:
        """The object whose ETag the answer carries: `get_object` remembers what it found; a
        view that finds its object otherwise (e.g. reads it as a row) tells it here. Only the
        fields of the ETag (pk, `updated_at`, `version`) need to be set on it."""
        self._etag_object = obj

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        obj = getattr(self, "_etag_object", None)
        if (
            obj is not None
            and 200 <= response.status_code < 300
            and getattr(self, "action", None) in self.etag_actions
        ):
            if request.method not in SAFE_METHODS:
                fresh = type(obj)._default_manager.filter(pk=obj.pk).first()
                obj = fresh if fresh is not None else obj
            response["ETag"] = self.get_etag(obj)
        return response
