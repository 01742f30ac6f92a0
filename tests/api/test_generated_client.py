"""Contract test: a client generated from the served schema drives the corridor story.

openapi-python-client generates a Python package from `/api/schema/` of a live server (in a temp
dir), the test imports it and walks the story a new partner's integration walks, with no
hand-written HTTP: declare, submit, customs release (a gateway integration with its own key),
distribute, complete the checklist, correct and cancel a shipment, report departure, send
telemetry, page through every reading, read and acknowledge alerts, register a webhook, and read
problem+json errors. A schema change that breaks generated clients (the generator warns or
fails, a typed model no longer parses what the server sends, an operation or parameter is gone)
fails this test. If the generator chokes on something in our schema, fix the schema.
"""

from __future__ import annotations

import datetime as dt
import importlib
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from tradehub.partners.services import issue_api_key

pytestmark = pytest.mark.django_db(transaction=True)

ALMATY = ZoneInfo("Asia/Almaty")
JULY = dt.datetime(2026, 7, 14, 9, 0, tzinfo=ALMATY)
TOMATOES_JULY = "0702000005"  # EAEU code of fresh tomatoes from 1 June to 30 September
PACKAGE = "tradehub_client"
GENERATOR_CONFIG = f"""\
project_name_override: tradehub-client
package_name_override: {PACKAGE}
post_hooks: []
"""


def generate_client(base_url: str, where: Path) -> ModuleType:
    """Generate the client package from the live server's schema and import it."""
    config = where / "config.yaml"
    config.write_text(GENERATOR_CONFIG)
    generator = Path(sys.executable).with_name("openapi-python-client")
    result = subprocess.run(
        [
            str(generator),
            "generate",
            "--url",
            f"{base_url}/api/schema/?format=json",
            "--config",
            str(config),
            "--meta",
            "none",
            "--output-path",
            str(where / PACKAGE),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    # The generator reports what it could not type as warnings: none are allowed.
    assert "warning" not in output.lower() and "unable" not in output.lower(), output
    for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
        del sys.modules[name]
    sys.path.insert(0, str(where))
    try:
        return importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(where))


class Generated:
    """The generated package: its operations and models, looked up by module name."""

    def __init__(self, package: ModuleType) -> None:
        self.package = package

    def op(self, tag: str, name: str) -> Any:
        return importlib.import_module(f"{PACKAGE}.api.{tag}.{name}")

    def model(self, name: str) -> Any:
        return getattr(importlib.import_module(f"{PACKAGE}.models"), name)

    def client(self, base_url: str, key: str) -> Any:
        return self.package.AuthenticatedClient(
            base_url=base_url, token=key, prefix="Api-Key", raise_on_unexpected_status=True
        )


def ok(response: Any, status: int) -> Any:
    """The typed body of an expected answer (a Problem otherwise fails with its detail)."""
    assert response.status_code == status, (response.status_code, response.content[:2000])
    return response.parsed


@pytest.fixture
def generated(live_server, tmp_path) -> Generated:
    return Generated(generate_client(live_server.url, tmp_path))


@pytest.fixture(autouse=True)
def _corridor_settings(settings):
    settings.CUSTOMS_GATEWAY = "manual"  # customs decides through the gateway integration
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True


def declaration_body() -> dict[str, Any]:
    return {
        "lrn": "XFE-GEN-0714",
        "procedure": "import",
        "office": "50510",
        "border_crossing": "KZHOR",
        "transport_mode": "rail",
        "transport_document": {"type": "smgs", "number": "SMGS 26 118 773"},
        "containers": ["CSQU3054383"],
        "seals": ["CN 778812"],
        "consignor": {"name": "Xinjiang Fresh Export Co", "country": "CN"},
        "consignee": {
            "name": "Almaty Fresh Distribution LLP",
            "country": "KZ",
            "tax_id": "123456789012",
        },
        "goods_items": [
            {
                "description": "Cherry tomatoes, fresh",
                "commodity_code": TOMATOES_JULY,
                "origin_country": "CN",
                "packages": {"count": 1200, "kind": "CT"},
                "gross_kg": "6300.000",
                "net_kg": "6000.000",
                "invoice_value": "9600.00",
                "currency": "USD",
            }
        ],
        "documents": [
            {
                "type": "phytosanitary_certificate",
                "number": "CN-PH-2026-778812",
                "issued_by": "GACC Urumqi",
                "issued_on": "2026-07-12",
                "valid_until": "2026-08-11",
                "goods_items": [1],
            },
            {"type": "invoice", "number": "INV-2026-0042", "issued_on": "2026-07-11"},
        ],
    }


def regional(net_kg: str, packages: int) -> dict[str, Any]:
    return {
        "destination": "KZCIT",
        "consignee": {"name": "Shymkent Fresh Market", "country": "KZ"},
        "planned_departure": "2026-07-14T12:00:00+05:00",
        "planned_arrival": "2026-07-16T18:00:00+05:00",
        "lines": [
            {"goods_item": 1, "net_kg": net_kg, "packages": packages, "product": "cherry-tomato"}
        ],
    }


def cursor_of(next_url: str | None) -> str | None:
    """The `cursor` of a `next` link (the client takes it as a parameter)."""
    if not next_url:
        return None
    return parse_qs(urlsplit(next_url).query)["cursor"][0]


def test_the_corridor_story_through_a_client_generated_from_the_served_schema(
    generated, live_server, reference_data, partner, gateway_partner
):
    g = generated
    th = g.client(live_server.url, issue_api_key(partner)[1])
    customs = g.client(live_server.url, issue_api_key(gateway_partner)[1])
    unset = importlib.import_module(f"{PACKAGE}.types").UNSET

    with time_machine.travel(JULY, tick=True) as clock:
        # Declare and submit.
        declaration = ok(
            g.op("declarations", "declarations_create").sync_detailed(
                client=th,
                body=g.model("DeclarationWriteRequest").from_dict(declaration_body()),
                idempotency_key="gen-declare-1",
            ),
            201,
        )
        assert isinstance(declaration, g.model("Declaration"))
        reference = declaration.reference
        submitted = ok(
            g.op("declarations", "declarations_submit_create").sync_detailed(
                reference, client=th, idempotency_key="gen-submit-1"
            ),
            202,
        )
        assert submitted.status.value == "submitted"

        # Customs registers and releases it (a gateway integration posts its decisions).
        clock.shift(dt.timedelta(minutes=10))
        messages = g.op("declarations", "declarations_customs_messages_create")
        for message_id, kind, extra in (
            ("gen-acc-1", "accepted", {"number": "50510/140726/0000042", "channel": "green"}),
            ("gen-rel-1", "released", {}),
        ):
            clock.shift(dt.timedelta(minutes=1))
            body = {
                "message_id": message_id,
                "type": kind,
                "occurred_at": dt.datetime.now(tz=dt.UTC).isoformat(),
                **extra,
            }
            ok(
                messages.sync_detailed(
                    reference,
                    client=customs,
                    body=g.model("CustomsMessageInputRequest").from_dict(body),
                ),
                202,
            )
        released = ok(
            g.op("declarations", "declarations_retrieve").sync_detailed(reference, client=th), 200
        )
        assert released.status.value == "released"
        assert released.number == "50510/140726/0000042"
        # The owner reads the decisions on its own declaration.
        decisions = ok(
            g.op("declarations", "declarations_customs_messages_list").sync_detailed(
                reference, client=th
            ),
            200,
        )
        assert [m.type_.value for m in decisions.results] == ["accepted", "released"]

        # Distribute into two regional shipments.
        result = ok(
            g.op("declarations", "declarations_distribution_create").sync_detailed(
                reference,
                client=th,
                body=g.model("DistributionRequest").from_dict(
                    {"shipments": [regional("2000.000", 400), regional("1000.000", 200)]}
                ),
                idempotency_key="gen-dist-1",
            ),
            201,
        )
        main_shipment, spare = (s.reference for s in result.shipments)
        assert result.shipments[0].onward_formalities.value == "free_circulation"

        # Correct the first (If-Match from the ETag of the read), cancel the second.
        detail = g.op("shipments", "shipments_retrieve").sync_detailed(main_shipment, client=th)
        corrected = ok(
            g.op("shipments", "shipments_partial_update").sync_detailed(
                main_shipment,
                client=th,
                body=g.model("PatchedShipmentUpdateRequest").from_dict({"setpoint_c": 10.5}),
                if_match=detail.headers["ETag"],
            ),
            200,
        )
        assert (corrected.setpoint_c, corrected.version) == (10.5, 2)
        cancelled = ok(
            g.op("shipments", "shipments_cancel_create").sync_detailed(
                spare,
                client=th,
                body=g.model("ShipmentCancelRequest").from_dict({"reason": "Order withdrawn"}),
                idempotency_key="gen-cancel-1",
            ),
            200,
        )
        assert cancelled.status.value == "cancelled"
        history = ok(
            g.op("shipments", "shipments_versions_list").sync_detailed(spare, client=th), 200
        )
        assert [v.change.value for v in history.results] == ["cancelled"]

        # Complete the checklist, then report the departure.
        documents = g.op("shipments", "shipments_documents_list")
        update_document = g.op("shipments", "shipments_documents_partial_update")
        missing_status = g.model("ShipmentsDocumentsListStatus")("missing")
        missing = ok(documents.sync_detailed(main_shipment, client=th, status=missing_status), 200)
        assert missing.results
        for entry in missing.results:
            ok(
                update_document.sync_detailed(
                    main_shipment,
                    entry.sequence,
                    client=th,
                    body=g.model("PatchedRequiredDocumentUpdateRequest").from_dict(
                        {"status": "provided", "reference": f"DOC-{entry.sequence}"}
                    ),
                ),
                200,
            )
        departed_at = dt.datetime.now(tz=dt.UTC) - dt.timedelta(hours=10)
        intake = ok(
            g.op("shipments", "shipments_events_create").sync_detailed(
                main_shipment,
                client=th,
                body=[
                    g.model("EventInputRequest").from_dict(
                        {
                            "event_id": "gen-dep-1",
                            "type": "departed",
                            "classifier": "actual",
                            "occurred_at": departed_at.isoformat(),
                            "location": "KZALA",
                        }
                    )
                ],
            ),
            202,
        )
        assert (intake.accepted, intake.duplicates, intake.conflicts) == (1, 0, 0)
        events = ok(
            g.op("shipments", "shipments_events_list").sync_detailed(main_shipment, client=th), 200
        )
        assert [e.event_id for e in events.results] == ["gen-dep-1"]

        # Telemetry: 120 readings, five minutes apart; the last four hours far too warm.
        readings = [
            {
                "shipment": main_shipment,
                "sensor_id": "probe-1",
                "recorded_at": (departed_at + dt.timedelta(minutes=5 * i)).isoformat(),
                "temperature_c": 11.0 if i < 72 else 30.0,
                "humidity_pct": 90.0,
            }
            for i in range(120)
        ]
        intake = ok(
            g.op("telemetry", "telemetry_create").sync_detailed(
                client=th,
                body=g.model("TelemetryInputRequest").from_dict({"readings": readings}),
                idempotency_key="gen-telemetry-1",
            ),
            202,
        )
        assert (intake.accepted, intake.duplicates, intake.conflicts) == (120, 0, 0)

        # Every page of the readings is reachable through the cursor parameter.
        series = g.op("shipments", "shipments_readings_retrieve")
        seen: list[Any] = []
        cursor: str | None = None
        pages = 0
        while True:
            page = ok(
                series.sync_detailed(
                    main_shipment, client=th, page_size=50, cursor=cursor or unset
                ),
                200,
            )
            pages += 1
            seen.extend(reading.recorded_at for reading in page.results)
            cursor = cursor_of(page.next_)
            if cursor is None:
                break
        assert pages == 3
        assert len(seen) == len(set(seen)) == 120

        # The beat raises alerts; the partner reads and acknowledges them.
        call_command("scan_alerts", verbosity=0)
        alerts = ok(
            g.op("alerts", "alerts_list").sync_detailed(
                client=th, shipment=main_shipment, state=[g.model("AlertsListStateItem")("open")]
            ),
            200,
        )
        assert alerts.results, "the warm readings raise an alert"
        alert = alerts.results[0]
        assert alert.shipment == main_shipment
        acknowledged = ok(
            g.op("alerts", "alerts_acknowledge_create").sync_detailed(
                alert.reference,
                client=th,
                body=g.model("AcknowledgeRequest").from_dict({"comment": "Reefer reset"}),
            ),
            200,
        )
        assert acknowledged.state.value == "acknowledged"

        # Register a webhook; its secret is shown once.
        hook = ok(
            g.op("webhooks", "webhooks_create").sync_detailed(
                client=th,
                body=g.model("WebhookSubscriptionRequest").from_dict(
                    {
                        "url": "http://127.0.0.1:9/tradehub/hooks",
                        "events": ["shipment.status_changed", "shipment.changed"],
                    }
                ),
            ),
            201,
        )
        assert hook.secret.startswith("whsec_")
        ok(
            g.op("webhooks", "webhooks_deliveries_list").sync_detailed(hook.reference, client=th),
            200,
        )

        # Errors parse as typed problems: another partner's (or no) object, a stale If-Match.
        missing_shipment = g.op("shipments", "shipments_retrieve").sync_detailed(
            "SHP-0000000000", client=th
        )
        assert missing_shipment.status_code == 404
        assert isinstance(missing_shipment.parsed, g.model("Problem"))
        stale = g.op("shipments", "shipments_partial_update").sync_detailed(
            main_shipment,
            client=th,
            body=g.model("PatchedShipmentUpdateRequest").from_dict({"setpoint_c": 9.0}),
            if_match=detail.headers["ETag"],
        )
        assert stale.status_code in (409, 412)  # departed now: 409 comes first under the lock
        assert isinstance(stale.parsed, g.model("Problem"))
