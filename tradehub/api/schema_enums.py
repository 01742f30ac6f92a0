"""OpenAPI enum names come from the choices classes: `RiskChannel` is `RiskChannelEnum`.

drf-spectacular names an enum after the field that holds it (`status` → `StatusEnum`) and warns when
one field name carries several choice sets (declaration, shipment and delivery statuses are all
`status`); its answer is a hand-kept `ENUM_NAME_OVERRIDES`. Here every choice set that is a
project choices class is named after that class instead, so a new choices class needs no setting.
The project gives each concept one class name (`RiskChannel`, `DeliveryChannel`,
`DeclarationEventType`, `TrackingEventType`, …); `project_choices()` refuses two classes with the
same name, and tests/api/test_schema.py keeps that true.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models
from drf_spectacular import hooks, plumbing
from drf_spectacular.settings import patched_settings


def _project_modules() -> tuple[str, ...]:
    """Top-level packages of the project's own apps (not Django's or a library's)."""
    base = Path(settings.BASE_DIR).resolve()
    names = set()
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if path.is_relative_to(base) and ".venv" not in path.parts:
            names.add(config.name.split(".")[0])
    return tuple(sorted(names))


def project_choices() -> dict[str, type[models.Choices]]:
    """Every choices class defined in the project, by the enum name the schema gives it."""
    modules = _project_modules()
    found: dict[str, type[models.Choices]] = {}
    stack: list[type[models.Choices]] = [models.Choices]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] not in modules or not cls.choices:
            continue
        name = f"{cls.__name__}Enum"
        if name in found and found[name] is not cls:
            raise TypeError(
                f"Two choices classes are named {cls.__name__} ({found[name].__module__} and "
                f"{cls.__module__}): give each concept its own name."
            )
        found[name] = cls
    return found


def postprocess_schema_enums(result: dict[str, Any], generator: Any, **kwargs: Any) -> Any:
    """drf-spectacular's enum post-processing with the names of `project_choices()`."""
    with patched_settings({"ENUM_NAME_OVERRIDES": project_choices()}):
        plumbing._load_enum_name_overrides.cache_clear()
        try:
            return hooks.postprocess_schema_enums(result, generator, **kwargs)
        finally:
            plumbing._load_enum_name_overrides.cache_clear()
