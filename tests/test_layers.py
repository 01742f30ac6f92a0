"""Where HTTP lives: only the API packages speak DRF, services raise domain errors."""

import ast
from pathlib import Path

import pytest

from tradehub import errors

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("tradehub", "declarations", "shipments", "gateways")


def _modules() -> list[Path]:
    return sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py"))


def _is_api(path: Path) -> bool:
    """`tradehub/api/` and every app's `api/` package (`shipments/api/`, `shipments/alerts/api/`)."""
    return "api" in path.relative_to(ROOT).parts[:-1]


def _imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _from_package(names: set[str], package: str) -> set[str]:
    return {name for name in names if name == package or name.startswith(package + ".")}


def test_only_the_api_packages_import_rest_framework():
    # djangorestframework-api-key (`rest_framework_api_key`) is the key store of the partners
    # app, a separate distribution: it is not DRF's request/response machinery.
    offenders = {
        str(path.relative_to(ROOT)): sorted(_from_package(_imported(path), "rest_framework"))
        for path in _modules()
        if not _is_api(path) and _from_package(_imported(path), "rest_framework")
    }
    assert offenders == {}, "Move HTTP concerns into an api/ package: " + repr(offenders)


def test_services_raise_domain_errors_not_api_errors():
    offenders = {
        str(path.relative_to(ROOT))
        for path in _modules()
        if "services" in path.relative_to(ROOT).parts or path.name == "services.py"
        if _from_package(_imported(path), "tradehub.api")
    }
    assert offenders == set(), "Services raise tradehub.errors kinds: " + repr(offenders)


def test_the_scan_sees_the_api_packages():
    # The rule would pass vacuously if the walk found nothing or no API package.
    api = {str(p.relative_to(ROOT)) for p in _modules() if _is_api(p)}
    assert "tradehub/api/exceptions.py" in api
    assert "shipments/api/views.py" in api
    assert "shipments/services/changes.py" not in api


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (errors.Invalid([{"pointer": "/a", "code": "invalid", "detail": "Bad."}]), 400),
        (errors.Conflict("Clash.", code="clash"), 409),
        (errors.StaleVersion("Stale."), 412),
        (errors.Unprocessable("No."), 422),
    ],
)
def test_one_helper_maps_each_kind_of_domain_error_to_its_status(error, status):
    from tradehub.api.exceptions import api_exception

    assert api_exception(error).status_code == status


def test_an_allocation_conflict_keeps_remaining_in_the_answer():
    from rest_framework.test import APIRequestFactory

    from declarations.exceptions import AllocationExceeded
    from tradehub.api.exceptions import problem_exception_handler

    remaining = [{"goods_item": 1, "remaining_net_kg": "10.000", "remaining_packages": 2}]
    response = problem_exception_handler(
        AllocationExceeded(remaining), {"request": APIRequestFactory().post("/")}
    )
    assert response is not None
    assert response.status_code == 409
    assert response.data["remaining"] == remaining
    assert response.data["detail"].startswith("Allocation exceeds what was declared")
