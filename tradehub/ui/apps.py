"""Staff presentation shared by every app (no models)."""

import datetime as dt
from typing import Any

from django.apps import AppConfig
from django.db import models
from django.utils.translation import gettext_lazy as _


class UiConfig(AppConfig):
    name = "tradehub.ui"
    label = "ui"
    verbose_name = _("Staff interface")

    def ready(self) -> None:
        from django.contrib import admin

        label_admin_times()
        keep_internal_tables_internal()
        # The app list is on the landing page; without the sidebar the lists get the full
        # width, so the important columns fit a 1366 px screen.
        admin.site.enable_nav_sidebar = False


def keep_internal_tables_internal() -> None:
    """Internal tables (settings.ADMIN_INTERNAL_MODELS: idempotency records, number series, digest
    items, the task outbox, login-lockout logs) are for operators: only superusers see and open
    them; ordinary staff never do, whatever model permissions they hold. The library's own,
    always empty "API keys" model is unregistered: partner API keys are the one key model."""
    from django.conf import settings
    from django.contrib import admin

    internal = set(getattr(settings, "ADMIN_INTERNAL_MODELS", ()))

    def operators_only(request: Any, obj: Any = None) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    for model, model_admin in list(admin.site._registry.items()):
        if model._meta.label in internal:
            model_admin.has_module_permission = operators_only  # type: ignore[method-assign]
            model_admin.has_view_permission = operators_only  # type: ignore[method-assign]
            model_admin.has_change_permission = operators_only  # type: ignore[method-assign]
        elif model._meta.label == "rest_framework_api_key.APIKey":
            admin.site.unregister(model)


def label_admin_times() -> None:
    """Every date-time the admin shows - list columns, read-only fields, values of display
    methods - goes through `tradehub.times.local_label`: local, 24-hour, the zone named.

    Django's admin formats them in one place (`admin.utils.display_for_field` and
    `display_for_value`, imported by the changelist and the read-only field helper); those two are
    wrapped here, so no ModelAdmin has to remember it.
    """
    from django.contrib.admin import helpers, utils
    from django.contrib.admin.templatetags import admin_list

    from tradehub.times import local_label

    if getattr(utils.display_for_field, "labels_times", False):
        return
    plain_field, plain_value = utils.display_for_field, utils.display_for_value

    def display_for_field(
        value: Any, field: Any, empty_value_display: Any, avoid_link: bool = False
    ) -> Any:
        if (
            isinstance(field, models.DateTimeField)
            and isinstance(value, dt.datetime)
            and not getattr(field, "flatchoices", None)
        ):
            return local_label(value)
        return plain_field(value, field, empty_value_display, avoid_link)

    def display_for_value(value: Any, empty_value_display: Any, boolean: bool = False) -> Any:
        if isinstance(value, dt.datetime) and not boolean:
            return local_label(value)
        return plain_value(value, empty_value_display, boolean)

    display_for_field.labels_times = True  # type: ignore[attr-defined]
    for module in (utils, helpers, admin_list):
        if hasattr(module, "display_for_field"):
            module.display_for_field = display_for_field  # type: ignore[attr-defined]
        if hasattr(module, "display_for_value"):
            module.display_for_value = display_for_value  # type: ignore[attr-defined]
