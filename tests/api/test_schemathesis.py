"""Contract fuzzing: schemathesis drives every operation of the OpenAPI schema through the WSGI app.

Authenticated as a partner that owns a declaration, a shipment, a webhook and an alert, a bounded
number of generated requests per operation (valid and invalid ones, deterministic) must never
answer 5xx, and every answer must be documented: its status code, content type and body schema.
"""

from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.shipments.factories import make_shipment, released_declaration
from tradehub.notifications.models import WebhookSubscription
from tradehub.partners.models import Partner
from tradehub.partners.services import issue_api_key

MAX_EXAMPLES = 12
CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": 20251129,
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True},
        # The coverage phase enumerates boundary values without a bound on their number; the
        # examples and fuzzing phases keep the run within a few minutes.
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
        "suppress-health-check": ["all"],
    }
)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
APP = get_wsgi_application()


@pytest.fixture
def owned(reference_data, settings) -> dict[str, Any]:
    """A partner with one object of every kind, and its API key.

    Transactional (autocommit, as in production): every request is its own transaction, so
    one failing request cannot poison the ones after it.
    """
    settings.API_THROTTLE_RATE = ""  # the fuzzer is not a client to rate-limit
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    from tests.declarations.factories import create_declaration
    from tests.factories import PartnerFactory
    from tests.notifications.factories import WebhookSubscriptionFactory

    partner: Partner = PartnerFactory()  # type: ignore[assignment]
    declaration = create_declaration(partner)
    released_declaration(partner)
    shipment = make_shipment(partner)
    webhook: WebhookSubscription = WebhookSubscriptionFactory(partner=partner)  # type: ignore[assignment]
    _, key = issue_api_key(partner)
    return {
        "key": key,
        "declarations": declaration.reference,
        "shipments": shipment.reference,
        "webhooks": webhook.reference,
    }


@pytest.fixture
def api_schema(transactional_db):
    # Requests go through the real WSGI handler in this thread, inside the test's transaction:
    # keep Django from closing "old" connections at request boundaries, as its test client does.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/?format=json", APP, config=CONFIG)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
def test_every_operation_conforms_to_the_schema(case, owned):
    # Half of the generated references are replaced by real ones of the caller, so the fuzzer
    # gets past the 404 into validation and the services.
    reference = case.path_parameters.get("reference") if case.path_parameters else None
    if reference is not None and len(str(reference)) % 2 == 0:
        resource = case.operation.path.removeprefix("/api/v1/").split("/", 1)[0]
        if resource in owned:
            case.path_parameters["reference"] = owned[resource]
    case.call_and_validate(
        app=APP, headers={"Authorization": f"Api-Key {owned['key']}"}, checks=CHECKS
    )
