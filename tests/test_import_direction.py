"""One direction for imports between services and tasks (docs/architecture.md, "Inside an app").

A `tasks` module imports the services it runs at module top; a service (or a gateway, an admin
action, a view) that enqueues a task imports that `tasks` module inside the function that
enqueues it. So `tasks → services` is the only module-level edge and no import cycle can form.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["declarations", "shipments", "gateways", "tradehub"]


def modules():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def imported(node: ast.Import | ast.ImportFrom) -> list[str]:
    """Dotted names an import statement names (`from . import services` → `.services`)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = "." * node.level + (node.module or "")
    return [base, *(f"{base}.{alias.name}" for alias in node.names)]


def is_tasks(name: str) -> bool:
    return name.split(".")[-1] == "tasks"


def is_services(name: str) -> bool:
    return "services" in name.split(".")


def is_service_module(path: Path) -> bool:
    return path.stem == "services" or path.parent.name == "services"


def test_services_import_tasks_only_inside_functions():
    offenders = []
    for path in modules():
        if not is_service_module(path):
            continue
        for node in ast.parse(path.read_text()).body:  # module level only
            if isinstance(node, ast.Import | ast.ImportFrom) and any(
                is_tasks(name) for name in imported(node)
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == [], "services import tasks at module top: " + ", ".join(offenders)


def test_tasks_import_services_at_module_top():
    offenders = []
    for path in modules():
        if path.stem != "tasks":
            continue
        for function in ast.walk(ast.parse(path.read_text())):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Import | ast.ImportFrom) and any(
                    is_services(name) for name in imported(node)
                ):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == [], "tasks import services lazily: " + ", ".join(offenders)
