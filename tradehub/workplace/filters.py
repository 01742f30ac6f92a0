"""The admin list filter a control-tower tile links to: the same rows the tile counted."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .queues import QUEUE_PARAMETER, queues_for


class QueueFilter(admin.SimpleListFilter):
    """`?queue=<key>`: the rows of one control-tower queue over this list's model."""

    title = _("control tower queue")
    parameter_name = QUEUE_PARAMETER

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [(queue.key, queue.title) for queue, _limits in queues_for(model_admin.model)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if not value:
            return queryset
        for queue, limits in queues_for(queryset.model):
            if queue.key == value:
                return queue.rows(queryset, timezone.now(), limits)
        return queryset.none()
