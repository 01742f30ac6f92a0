"""The TradeHub admin site: the control tower is its landing page."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .headings import HeadingsMixin
from .queues import tower


class TradeHubAdminSite(admin.AdminSite):
    """Django's admin with the queues that need attention today above the app list."""

    site_header = _("TradeHub")
    site_title = _("TradeHub admin")
    index_title = _("Control tower")
    index_template = "admin/workplace/tower.html"

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        now = timezone.now()
        context = {
            "tiles": tower(request.user, now),
            "tower_now": timezone.localtime(now),
            **(extra_context or {}),
        }
        response: TemplateResponse = super().index(request, context)
        return response

    def register(self, model_or_iterable: Any, admin_class: Any = None, **options: Any) -> None:
        """Every model admin with headings that read naturally in each language (headings.py)."""
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, HeadingsMixin):
            admin_class = type(
                admin_class.__name__,
                (HeadingsMixin, admin_class),
                {"__module__": admin_class.__module__, "__doc__": admin_class.__doc__},
            )
        super().register(model_or_iterable, admin_class, **options)
