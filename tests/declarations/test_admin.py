"""The admin for logistics staff: pages render, search and filters work, actions call services,
and status can never be typed in by hand."""

import pytest
from django.test import Client
from django.urls import reverse

from declarations import services
from declarations.choices import DeclarationStatus as S
from declarations.models import Declaration
from gateways.simulated import tasks
from tests.declarations.factories import TOMATOES, create_declaration

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:declarations_declaration_changelist")


@pytest.fixture
def staff_client(staff_user):
    client = Client()
    client.force_login(staff_user)
    return client


def submitted(**overrides):
    return services.submit(create_declaration(**overrides), actor="test")


def decide_url(declaration, key):
    return reverse("admin:declarations_declaration_decide", args=[declaration.pk, key])


def act(client, key, *declarations, text="Checked by the officer"):
    """Take a decision from each declaration's page (confirmation posted with a reason/notes)."""
    response = None
    for declaration in declarations:
        response = client.post(decide_url(declaration, key), {"text": text}, follow=True)
    return response


def status_of(declaration):
    return Declaration.objects.get(pk=declaration.pk).status


def test_changelist_renders_with_badges_filters_and_search(staff_client):
    declaration = submitted(containers=["CSQU3054383"])
    response = staff_client.get(CHANGELIST)
    assert response.status_code == 200
    assert declaration.reference in response.content.decode()
    assert "Submitted</span>" in response.content.decode()
    for query in (
        {"status": "submitted"},
        {"channel": "green"},
        {"q": declaration.lrn},
        {"q": "CSQU3054383"},
        {"q": "Xinjiang Fresh"},
    ):
        assert staff_client.get(CHANGELIST, query).status_code == 200
    assert (
        declaration.reference in staff_client.get(CHANGELIST, {"q": "CSQU3054383"}).content.decode()
    )
    assert declaration.reference not in staff_client.get(CHANGELIST, {"q": "NOPE"}).content.decode()


def test_change_page_renders_inlines_timeline_and_rejection_errors(staff_client):
    declaration = submitted()
    errors = [
        {"pointer": "/goods_items/0/commodity_code", "code": "misclassified", "detail": "Use 0702"}
    ]
    services.record_customs_decision(declaration, type="rejected", errors=errors, actor="officer")
    url = reverse("admin:declarations_declaration_change", args=[declaration.pk])
    response = staff_client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Use 0702" in page and "Cherry tomatoes" in page and "Event timeline" in page


def test_status_is_not_editable_by_hand(staff_client):
    declaration = create_declaration()
    url = reverse("admin:declarations_declaration_change", args=[declaration.pk])
    staff_client.post(url, {"status": "released"})
    assert status_of(declaration) == S.DRAFT
    assert "status" not in (staff_client.get(url).context["adminform"].form.fields)


def test_accept_actions_assign_number_and_channel(staff_client):
    green, yellow, red = submitted(), submitted(), submitted()
    act(staff_client, "accept_green", green)
    act(staff_client, "accept_yellow", yellow)
    act(staff_client, "accept_red", red)
    green, yellow, red = (Declaration.objects.get(pk=d.pk) for d in (green, yellow, red))
    assert (green.status, green.channel) == (S.ACCEPTED, "green") and green.number
    assert (yellow.status, yellow.channel) == (S.UNDER_CONTROL, "yellow")
    assert (red.status, red.channel) == (S.UNDER_CONTROL, "red")
    actor = green.events.get(type="accepted").actor
    assert actor != "system"


def test_release_and_reject_actions(staff_client):
    one, two = submitted(), submitted()
    act(staff_client, "release", one)
    act(staff_client, "reject", two)
    assert status_of(one) == S.RELEASED
    assert status_of(two) == S.REJECTED


def test_inspection_result_releases_a_red_declaration(staff_client):
    cheap = {**TOMATOES, "invoice_value": "10.00"}
    declaration = submitted(
        goods_items=[cheap],
        documents=[
            {"type": "phytosanitary_certificate", "number": "P"},
            {"type": "invoice", "number": "I"},
            {"type": "certificate_of_origin", "number": "O"},
        ],
    )
    tasks.assess_task(declaration.pk, None, "astana1")
    assert Declaration.objects.get(pk=declaration.pk).channel == "red"
    act(staff_client, "inspection_passed", declaration)
    assert status_of(declaration) == S.RELEASED


def test_inspection_failed_rejects(staff_client):
    declaration = submitted()
    act(staff_client, "accept_red", declaration)
    act(staff_client, "inspection_failed", declaration)
    assert status_of(declaration) == S.REJECTED


def test_cancellation_request_and_decisions(staff_client):
    one, two = submitted(), submitted()
    act(staff_client, "request_cancellation", one, two)
    act(staff_client, "grant_cancellation", one)
    act(staff_client, "refuse_cancellation", two)
    assert status_of(one) == S.CANCELLED
    two = Declaration.objects.get(pk=two.pk)
    assert two.status == S.SUBMITTED and two.cancellation_requested_at is None


def test_refused_action_reports_a_warning_and_changes_nothing(staff_client):
    draft = create_declaration()
    response = act(staff_client, "release", draft)
    assert status_of(draft) == S.DRAFT
    assert "not possible now" in response.content.decode()
    assert not draft.customs_messages.exists()


def test_no_bulk_action_is_offered_for_customs_decisions(staff_client):
    submitted()
    page = staff_client.get(CHANGELIST).content.decode()
    for key in ("accept_green", "release", "reject", "inspection_failed", "grant_cancellation"):
        assert f'value="{key}"' not in page


def test_the_page_offers_the_buttons_its_state_allows_and_the_next_step(staff_client):
    declaration = submitted()
    page = staff_client.get(
        reverse("admin:declarations_declaration_change", args=[declaration.pk])
    ).content.decode()
    for key in ("accept_green", "accept_red", "refuse_registration", "reject"):
        assert f'data-decision="{key}"' in page
    assert 'data-decision="inspection_passed"' not in page
    assert 'data-decision="submit"' not in page
    assert "Next step" in page and "Customs registers it" in page
    assert "Shipments made from it: 0" in page


def test_a_decision_asks_for_confirmation_first(staff_client):
    declaration = submitted()
    page = staff_client.get(decide_url(declaration, "release"))
    assert page.status_code == 200
    assert "Customs releases the goods" in page.content.decode()
    assert status_of(declaration) == S.SUBMITTED


def test_rejection_needs_a_reason_which_the_partner_reads(staff_client, api, partner):
    declaration = submitted(partner=partner)
    response = staff_client.post(decide_url(declaration, "reject"), {"text": "  "})
    assert response.status_code == 200 and response.context["form"].errors["text"]
    assert status_of(declaration) == S.SUBMITTED
    act(staff_client, "reject", declaration, text="Invoice value does not match the contract")
    assert status_of(declaration) == S.REJECTED
    body = api.get(f"/api/v1/declarations/{declaration.reference}/").json()
    assert body["rejection_errors"][0]["detail"] == "Invoice value does not match the contract"


def test_inspection_notes_are_kept_in_the_timeline(staff_client):
    declaration = submitted()
    act(staff_client, "accept_red", declaration)
    response = staff_client.post(decide_url(declaration, "inspection_passed"), {"text": ""})
    assert response.context["form"].errors["text"]
    act(
        staff_client,
        "inspection_passed",
        declaration,
        text="12 of 1200 cartons opened, as declared",
    )
    assert status_of(declaration) == S.RELEASED
    event = Declaration.objects.get(pk=declaration.pk).events.get(type="inspection_recorded")
    assert event.payload["note"] == "12 of 1200 cartons opened, as declared"


def test_cancellation_reason_is_recorded(staff_client):
    draft = create_declaration()
    act(staff_client, "request_cancellation", draft, text="Duplicate of a paper lodged twice")
    declaration = Declaration.objects.get(pk=draft.pk)
    assert declaration.status == S.CANCELLED
    assert declaration.cancellation_reason == "Duplicate of a paper lodged twice"


def test_submit_a_draft_from_its_page(staff_client):
    draft = create_declaration()
    act(staff_client, "submit", draft)
    assert status_of(draft) == S.SUBMITTED


def test_links_open_the_shipments_and_children_lists(staff_client):
    declaration = submitted()
    page = staff_client.get(reverse("admin:declarations_declaration_change", args=[declaration.pk]))
    for _label, url in page.context["links"]:
        if url.startswith("/"):
            assert staff_client.get(url).status_code == 200, url
