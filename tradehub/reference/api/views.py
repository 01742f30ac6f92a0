"""Read-only reference endpoints: locations, customs offices, HS codes and EAEU 10-digit codes."""

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from tradehub.api.columns import ColumnsForSerializerMixin

from ..models import CustomsOffice, EaeuCommodityCode, HsCode, Location
from ..selectors import eaeu_code_valid_on, eaeu_suggestions
from .filters import CustomsOfficeFilter, EaeuCodeFilter, HsCodeFilter, LocationFilter
from .serializers import (
    CustomsOfficeSerializer,
    EaeuCodeSerializer,
    HsCodeSerializer,
    LocationSerializer,
)


class LocationViewSet(ColumnsForSerializerMixin, viewsets.ReadOnlyModelViewSet[Location]):
    """UN/LOCODE locations (plus internal border-station codes), by full 5-character code."""

    queryset = Location.objects.select_related("country")
    serializer_class = LocationSerializer
    property_columns = {"functions": ("function",)}  # Location.functions reads `function`
    filterset_class = LocationFilter
    lookup_field = "code"
    lookup_value_regex = "[A-Za-z0-9]{5}"
    ordering = "code"


class CustomsOfficeViewSet(ColumnsForSerializerMixin, viewsets.ReadOnlyModelViewSet[CustomsOffice]):
    """Customs offices with their location and roles."""

    queryset = CustomsOffice.objects.select_related("location")
    serializer_class = CustomsOfficeSerializer
    filterset_class = CustomsOfficeFilter
    lookup_field = "code"
    ordering = "code"


class HsCodeViewSet(viewsets.ReadOnlyModelViewSet[Any]):
    """The HS 2022 nomenclature (chapters, headings, subheadings) and the EAEU 10-digit codes.

    A list asked with `on` (or `level=10`) lists EAEU codes, with `on` only those valid on that
    day: `?code=0702&on=2026-07-15` answers the one tomato code of the season. A 10-digit detail
    says whether the code is valid `on` a day (default today) and, when it is not, which codes
    under it are.
    """

    lookup_field = "code"
    lookup_value_regex = r"\d{2}|\d{4}|\d{6}|\d{10}"
    # The detail reads `on` itself (the strict query check knows only the list's filters).
    query_parameters = ("on",)

    def _eaeu(self) -> bool:
        """Whether this request is about EAEU 10-digit codes rather than HS 2022 nodes."""
        request = getattr(self, "request", None)
        if request is None:
            return False
        if getattr(self, "action", None) == "retrieve":
            return len(self.kwargs.get(self.lookup_field, "")) == 10
        return bool(request.query_params.get("on")) or request.query_params.get("level") == "10"

    @property
    def filterset_class(self) -> type[HsCodeFilter] | type[EaeuCodeFilter]:  # type: ignore[override]
        return EaeuCodeFilter if self._eaeu() else HsCodeFilter

    @property
    def ordering(self) -> tuple[str, ...]:
        return ("code", "valid_from") if self._eaeu() else ("code",)

    def get_queryset(self) -> QuerySet[Any]:
        if self._eaeu():
            return EaeuCommodityCode.objects.select_related("hs_subheading")
        return HsCode.objects.select_related("parent")

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        return EaeuCodeSerializer if self._eaeu() else HsCodeSerializer

    def _on(self, request: Request) -> dt.date:
        """The `on` query parameter as a date (400 with a pointer when malformed), else today."""
        value = request.query_params.get("on")
        if not value:
            return timezone.localdate()
        try:
            return forms.DateField().clean(value)
        except DjangoValidationError as exc:
            raise ValidationError({"query": {"on": exc.messages}}) from exc

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not self._eaeu():
            return super().retrieve(request, *args, **kwargs)
        code = kwargs[self.lookup_field]
        on = self._on(request)
        rows = self.get_queryset().filter(code=code)
        row = rows.filter(valid_from__lte=on).order_by("-valid_from").first()
        row = row or rows.order_by("valid_from").first()
        if row is None:
            # A code that does not exist (such as 0702000000) still points at the real ones.
            missing = NotFound(_("%(code)s is not an EAEU commodity code.") % {"code": code})
            missing.extra = {  # type: ignore[attr-defined]
                "on": on.isoformat(),
                "suggestions": EaeuCodeSerializer(eaeu_suggestions(code, on), many=True).data,
            }
            raise missing
        data = dict(self.get_serializer(row).data)
        data["on"] = on.isoformat()
        data["valid_on"] = eaeu_code_valid_on(code, on)
        if not data["valid_on"]:
            data["suggestions"] = EaeuCodeSerializer(eaeu_suggestions(code, on), many=True).data
        return Response(data)
