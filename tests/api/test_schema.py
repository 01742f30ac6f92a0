"""The OpenAPI schema documents the shared error responses and headers on every operation."""

import pytest
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield path, method.upper(), operation


def test_schema_generates_without_warnings():
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_enums_are_named_after_their_choices_class(schema, settings):
    """One name per concept: no two choices classes share a name, so each enum is named after
    its class and no ENUM_NAME_OVERRIDES is kept by hand."""
    from tradehub.api.schema_enums import project_choices

    names = project_choices()  # raises on two classes with one name
    assert "ENUM_NAME_OVERRIDES" not in settings.SPECTACULAR_SETTINGS
    components = schema["components"]["schemas"]
    for name in ("RiskChannelEnum", "DeclarationEventTypeEnum", "TrackingEventTypeEnum"):
        assert name in names and name in components
    assert components["TransportModeEnum"]["enum"] == ["rail", "road", "sea", "air", "multimodal"]
    assert components["LegModeEnum"]["enum"] == ["rail", "road", "sea", "air"]


def test_problem_component_exists(schema):
    problem = schema["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail", "errors"}


def test_every_4xx_is_problem_json_and_429_is_everywhere(schema):
    for path, method, operation in operations(schema):
        responses = operation["responses"]
        assert "429" in responses, (path, method)
        assert "Retry-After" in responses["429"]["headers"]
        for code, response in responses.items():
            if code.startswith("4"):
                assert list(response["content"]) == ["application/problem+json"], (path, code)


def test_authenticated_operations_document_auth_and_input_errors(schema):
    for path, method, operation in operations(schema):
        if not operation.get("security") or path.endswith("/health/"):
            continue
        responses = operation["responses"]
        assert {"400", "401", "403", "404"} <= responses.keys(), (path, method)
        if method in {"POST", "PUT", "PATCH", "DELETE"}:
            assert {"409", "413", "415"} <= responses.keys(), (path, method)


def test_every_post_documents_idempotency_key_and_422(schema):
    for path, method, operation in operations(schema):
        if method != "POST":
            continue
        names = {parameter["name"] for parameter in operation.get("parameters", [])}
        assert "Idempotency-Key" in names, path
        assert "422" in operation["responses"], path
