"""Services are the only writers: creation, drafts, submission rules, amendments, cancellation,
customs messages (idempotent, order-independent) and distribution."""

import datetime as dt
import re

import pytest
from django.db import IntegrityError

from declarations import services
from declarations.choices import DeclarationEventType
from declarations.choices import DeclarationStatus as S
from declarations.exceptions import (
    DeclarationInvalid,
    DuplicateLrn,
    MessageConflict,
    TransitionNotAllowed,
)
from declarations.inputs import DeclarationInput
from declarations.models import CustomsMessage, DeclarationEvent, GoodsItem
from tests.declarations.factories import (
    GRAPES,
    MACHINE_PARTS,
    TOMATOES,
    create_declaration,
    validated,
)
from tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2025, 7, 15, 8, 0, tzinfo=dt.UTC)


def at(minutes):
    return T0 + dt.timedelta(minutes=minutes)


def submitted(**overrides):
    return services.submit(create_declaration(**overrides), actor="test")


def post(declaration, message_id, type, minutes, **extra):
    data = {"type": type, "occurred_at": at(minutes), **extra}
    services.receive_customs_message(declaration, message_id=message_id, **data)
    return services.apply_customs_messages(declaration)


def test_create_numbers_goods_items_links_documents_and_records_event():
    declaration = create_declaration()
    assert declaration.status == S.DRAFT and declaration.version == 1
    assert declaration.reference.startswith("DEC-")
    assert list(declaration.goods_items.values_list("sequence", flat=True)) == [1, 2]
    phyto = declaration.documents.get(type="phytosanitary_certificate")
    assert sorted(i.sequence for i in phyto.goods_items.all()) == [1, 2]
    assert declaration.events.get().type == DeclarationEventType.CREATED


def test_same_lrn_for_the_same_partner_is_a_duplicate_naming_the_first():
    partner = PartnerFactory()
    first = create_declaration(partner, lrn="L-1")
    with pytest.raises(DuplicateLrn) as info:
        create_declaration(partner, lrn="L-1")
    assert info.value.reference == first.reference


def test_same_lrn_for_another_partner_is_fine():
    create_declaration(PartnerFactory(), lrn="L-1")
    create_declaration(PartnerFactory(), lrn="L-1")


def test_database_refuses_net_above_gross():
    declaration = create_declaration()
    item = declaration.goods_items.get(sequence=1)
    item.net_kg = item.gross_kg + 1
    with pytest.raises(IntegrityError):
        item.save()


def test_update_draft_replaces_goods_items_in_place_and_keeps_document_links():
    declaration = create_declaration()
    first_pk = declaration.goods_items.get(sequence=1).pk
    data = validated({"goods_items": [TOMATOES], "seals": ["S-1", "S-2"]}, partial=True)
    declaration = services.update_draft(declaration, data=data, actor="test")
    assert declaration.goods_items.get().pk == first_pk
    assert declaration.seals == ["S-1", "S-2"]
    phyto = declaration.documents.get(type="phytosanitary_certificate")
    assert [i.sequence for i in phyto.goods_items.all()] == [1]
    assert declaration.events.order_by("id").last().type == DeclarationEventType.UPDATED  # type: ignore[union-attr]


def test_update_is_refused_once_submitted():
    declaration = submitted()
    with pytest.raises(TransitionNotAllowed):
        services.update_draft(declaration, data=DeclarationInput(seals=[]), actor="test")


def test_submit_moves_draft_to_submitted():
    declaration = submitted()
    assert declaration.status == S.SUBMITTED and declaration.submitted_at is not None
    assert declaration.events.filter(type=DeclarationEventType.SUBMITTED).exists()


def test_submit_twice_is_refused():
    declaration = submitted()
    with pytest.raises(TransitionNotAllowed):
        services.submit(declaration, actor="test")


INVOICE = {"type": "invoice", "number": "INV-1"}


def test_fresh_produce_without_phytosanitary_certificate_cannot_be_submitted():
    declaration = create_declaration(goods_items=[MACHINE_PARTS, TOMATOES], documents=[INVOICE])
    with pytest.raises(DeclarationInvalid) as info:
        services.submit(declaration, actor="test")
    assert [e["pointer"] for e in info.value.errors] == ["/goods_items/1", "/documents"]
    assert "Cherry tomatoes" in info.value.errors[0]["detail"]
    assert "goods item(s) 2" in info.value.errors[1]["detail"]
    declaration.refresh_from_db()
    assert declaration.status == S.DRAFT


def test_certificate_must_cover_each_fresh_item():
    documents = [
        {"type": "phytosanitary_certificate", "number": "P1", "goods_items": [1]},
        INVOICE,
    ]
    declaration = create_declaration(goods_items=[TOMATOES, GRAPES], documents=documents)
    with pytest.raises(DeclarationInvalid) as info:
        services.submit(declaration, actor="test")
    assert [e["pointer"] for e in info.value.errors] == ["/goods_items/1", "/documents"]


def test_certificate_linked_to_no_item_covers_the_whole_declaration():
    documents = [{"type": "phytosanitary_certificate", "number": "P1"}, INVOICE]
    declaration = create_declaration(goods_items=[TOMATOES, GRAPES], documents=documents)
    assert services.submit(declaration, actor="test").status == S.SUBMITTED


def test_non_produce_needs_no_certificate():
    declaration = create_declaration(goods_items=[MACHINE_PARTS], documents=[INVOICE])
    assert services.submit(declaration, actor="test").status == S.SUBMITTED


def test_amend_keeps_the_old_version_and_resubmits_the_new_one():
    declaration = submitted()
    declaration = post(declaration, "a1", "accepted", 1, number="N-1", channel="red")
    data = validated({"goods_items": [TOMATOES]}, partial=True)
    declaration = services.amend(declaration, data=data, actor="test")
    assert declaration.version == 2
    assert declaration.status == S.SUBMITTED
    assert declaration.number == "N-1"  # customs numbers survive amendments
    assert declaration.channel is None
    old = declaration.versions.get(version=1)
    assert old.snapshot["status"] == S.ACCEPTED
    assert len(old.snapshot["goods_items"]) == 2
    assert declaration.goods_items.count() == 1


def test_amend_that_breaks_the_phyto_rule_changes_nothing():
    declaration = submitted()
    with pytest.raises(DeclarationInvalid):
        services.amend(declaration, data=DeclarationInput(documents=[]), actor="test")
    declaration.refresh_from_db()
    assert declaration.version == 1 and declaration.documents.count() == 3
    assert not declaration.versions.exists()


def test_amend_after_release_is_refused():
    declaration = submitted()
    post(declaration, "r1", "released", 1)
    with pytest.raises(TransitionNotAllowed):
        services.amend(declaration, data=DeclarationInput(), actor="test")


def test_a_declaration_refused_registration_is_corrected_and_lodged_again():
    declaration = submitted()
    error = {"pointer": "/consignee/tax_id", "code": "missing", "detail": "No BIN"}
    declaration = post(declaration, "x1", "registration_refused", 1, errors=[error])
    assert declaration.status == S.REGISTRATION_REFUSED
    assert declaration.number is None
    assert declaration.rejection_errors == [error]
    assert declaration.events.filter(type=DeclarationEventType.REGISTRATION_REFUSED).exists()
    consignee = {"name": "Almaty Fresh", "country": "KZ", "tax_id": "123456789012"}
    data = validated({"consignee": consignee}, partial=True)
    declaration = services.amend(declaration, data=data, actor="test")
    assert declaration.status == S.SUBMITTED and declaration.version == 2
    assert declaration.rejection_errors == []
    declaration = post(declaration, "x2", "accepted", 2, number="50510/010125/0000001")
    assert declaration.status == S.ACCEPTED


def test_a_refused_release_is_final():
    declaration = submitted()
    declaration = post(declaration, "a1", "accepted", 1, number="50510/010125/0000002")
    declaration = post(declaration, "x1", "rejected", 2, errors=[])
    assert declaration.status == S.REJECTED
    for attempt in (
        lambda: services.amend(declaration, data=DeclarationInput(), actor="test"),
        lambda: services.request_cancellation(declaration, reason="x", actor="test"),
    ):
        with pytest.raises(TransitionNotAllowed):
            attempt()
    # Customs, too, has decided: a later release message does not undo the refusal.
    declaration = post(declaration, "r1", "released", 3)
    assert declaration.status == S.REJECTED


def test_a_declaration_refused_registration_can_be_withdrawn_at_once():
    declaration = submitted()
    declaration = post(declaration, "x1", "registration_refused", 1, errors=[])
    declaration = services.request_cancellation(declaration, reason="sold locally", actor="t")
    assert declaration.status == S.CANCELLED


def test_cancelling_a_draft_is_immediate():
    declaration = create_declaration()
    declaration = services.request_cancellation(declaration, reason="dup", actor="test")
    assert declaration.status == S.CANCELLED


def test_cancelling_a_lodged_declaration_is_a_request_customs_decides():
    declaration = submitted()
    declaration = services.request_cancellation(declaration, reason="wrong truck", actor="t")
    assert declaration.status == S.SUBMITTED
    assert declaration.cancellation_requested_at is not None
    declaration = post(declaration, "c1", "cancellation_decision", 1, accepted=False)
    assert declaration.status == S.SUBMITTED and declaration.cancellation_requested_at is None
    assert declaration.events.filter(type=DeclarationEventType.CANCELLATION_REFUSED).exists()
    services.request_cancellation(declaration, reason="again", actor="t")
    declaration = post(declaration, "c2", "cancellation_decision", 2, accepted=True)
    assert declaration.status == S.CANCELLED


def test_cancelling_a_released_declaration_is_refused():
    declaration = submitted()
    post(declaration, "r1", "released", 1)
    with pytest.raises(TransitionNotAllowed):
        services.request_cancellation(declaration, reason="", actor="t")


def test_customs_message_twice_is_stored_once():
    declaration = submitted()
    data = {"type": "accepted", "occurred_at": at(1), "number": "N-1", "channel": "green"}
    _, created = services.receive_customs_message(declaration, message_id="m1", **data)
    _, again = services.receive_customs_message(declaration, message_id="m1", **data)
    assert (created, again) == (True, False)
    assert CustomsMessage.objects.filter(message_id="m1").count() == 1


def test_reused_message_id_with_other_content_is_a_conflict():
    declaration = submitted()
    services.receive_customs_message(
        declaration, message_id="m1", type="released", occurred_at=at(1)
    )
    with pytest.raises(MessageConflict):
        services.receive_customs_message(
            declaration, message_id="m1", type="rejected", occurred_at=at(1)
        )


def test_message_for_a_draft_is_refused():
    with pytest.raises(TransitionNotAllowed):
        services.receive_customs_message(
            create_declaration(), message_id="m1", type="released", occurred_at=at(1)
        )


def test_the_earliest_accepted_number_wins_whatever_the_arrival_order():
    first, second = submitted(), submitted()
    post(first, "n1", "accepted", 1, number="NUM-A", channel="green")
    post(first, "n2", "accepted", 2, number="NUM-B", channel="green")
    post(second, "n3", "accepted", 2, number="NUM-D", channel="green")
    post(second, "n4", "accepted", 1, number="NUM-C", channel="green")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.number, second.number) == ("NUM-A", "NUM-C")


def test_customs_number_of_another_declaration_is_a_conflict():
    first, second = submitted(), submitted()
    post(first, "a1", "accepted", 1, number="N-1", channel="green")
    with pytest.raises(MessageConflict):
        services.receive_customs_message(
            second,
            message_id="a2",
            type="accepted",
            occurred_at=at(1),
            number="N-1",
        )


IN_ORDER = [
    ("a", "accepted", 1, {"channel": "red"}),
    ("c", "control", 2, {"channel": "red"}),
    ("r", "released", 3, {}),
]


def final_state(order):
    declaration = submitted()
    for message_id, type, minutes, extra in order:
        if type == "accepted":
            extra = {**extra, "number": f"N-{declaration.pk}"}
        post(declaration, f"{declaration.pk}-{message_id}", type, minutes, **extra)
    declaration.refresh_from_db()
    return (
        declaration.status,
        declaration.number == f"N-{declaration.pk}",
        declaration.channel,
        declaration.accepted_at,
        declaration.released_at,
    )


def test_out_of_order_and_duplicated_messages_end_in_the_in_order_state():
    expected = final_state(IN_ORDER)
    assert expected[0] == S.RELEASED
    assert final_state([IN_ORDER[2], IN_ORDER[0], IN_ORDER[1]]) == expected
    assert final_state([IN_ORDER[1], IN_ORDER[2], IN_ORDER[2], IN_ORDER[0]]) == expected


def test_a_late_earlier_release_corrects_a_rejection_and_says_so():
    declaration = submitted()
    post(declaration, "a", "accepted", 1, number="N-9", channel="green")
    declaration = post(declaration, "x", "rejected", 5, errors=[])
    assert declaration.status == S.REJECTED
    declaration = post(declaration, "r", "released", 3)
    assert declaration.status == S.RELEASED
    assert declaration.rejection_errors == []
    assert declaration.events.filter(type=DeclarationEventType.STATUS_CORRECTED).exists()


def test_applying_without_pending_messages_changes_nothing():
    declaration = submitted()
    post(declaration, "a", "accepted", 1, number="N-2", channel="green")
    events = DeclarationEvent.objects.count()
    services.apply_customs_messages(declaration)
    assert DeclarationEvent.objects.count() == events


def test_rejection_stores_errors_with_pointers():
    declaration = submitted()
    errors = [{"pointer": "/goods_items/0/commodity_code", "code": "c", "detail": "d"}]
    declaration = post(declaration, "x", "rejected", 1, errors=errors)
    assert declaration.status == S.REJECTED
    assert declaration.rejection_errors == errors


def test_mark_distributed_partially_then_fully():
    declaration = submitted()
    post(declaration, "r", "released", 1)
    declaration = services.mark_distributed(declaration, fully=False)
    assert declaration.status == S.PARTIALLY_DISTRIBUTED
    declaration = services.mark_distributed(declaration, fully=True)
    assert declaration.status == S.DISTRIBUTED


def test_mark_distributed_before_release_is_refused():
    with pytest.raises(TransitionNotAllowed):
        services.mark_distributed(submitted(), fully=True)


def test_late_message_after_distribution_does_not_undo_it():
    declaration = submitted()
    post(declaration, "r", "released", 5)
    services.mark_distributed(declaration, fully=True)
    declaration = post(declaration, "x", "rejected", 1, errors=[])
    assert declaration.status == S.DISTRIBUTED


def test_customs_numbers_are_office_date_serial_and_increase():
    declaration = create_declaration()
    when = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)
    first = services.allocate_customs_number(declaration.office, when)
    second = services.allocate_customs_number(declaration.office, when)
    assert re.fullmatch(r"50510/291126/\d{7}", first)
    assert int(second[-7:]) == int(first[-7:]) + 1


def test_the_serial_restarts_at_one_on_new_year_in_the_office_time_zone():
    from zoneinfo import ZoneInfo

    office = create_declaration().office
    zone = ZoneInfo(office.location.timezone)
    december = dt.datetime(2030, 12, 31, 12, 0, tzinfo=zone)
    numbers = [services.allocate_customs_number(office, december) for _ in range(3)]
    assert [n[-7:] for n in numbers] == ["0000001", "0000002", "0000003"]
    # Half past midnight in Almaty is still 31 December in UTC: the office's year counts.
    new_year = dt.datetime(2031, 1, 1, 0, 30, tzinfo=zone)
    assert new_year.astimezone(dt.UTC).year == 2030
    assert services.allocate_customs_number(office, new_year) == "50510/010131/0000001"
    assert services.allocate_customs_number(office, december) == "50510/311230/0000004"
    assert services.allocate_customs_number(office, new_year)[-7:] == "0000002"


def test_the_migration_splits_an_office_series_by_the_years_of_the_numbers_issued():
    from importlib import import_module

    from django.apps import apps
    from django.utils import timezone

    from declarations.models import CustomsNumberSeries

    migration = import_module(
        "declarations.migrations.0003_registration_refused_and_yearly_serials"
    )
    this_year = timezone.now().year
    for number in ("50520/150724/0000480", "50520/311224/0000500"):
        declaration = create_declaration()
        type(declaration).objects.filter(pk=declaration.pk).update(number=number)
    CustomsNumberSeries.objects.create(office_code="50520", year=1, last_serial=612)
    migration.split_series_by_year(apps, None)
    rows = dict(
        CustomsNumberSeries.objects.filter(office_code="50520").values_list("year", "last_serial")
    )
    assert rows == {2024: 500, this_year: 612}


def test_the_migration_turns_a_rejection_without_a_number_into_a_refused_registration():
    from importlib import import_module

    from django.apps import apps

    migration = import_module(
        "declarations.migrations.0003_registration_refused_and_yearly_serials"
    )
    unregistered = post(submitted(), "x1", "registration_refused", 1, errors=[])
    registered = post(submitted(), "a1", "accepted", 1, number="50510/010126/0000077")
    registered = post(registered, "x2", "rejected", 2, errors=[])
    type(unregistered).objects.filter(pk=unregistered.pk).update(status="rejected")
    CustomsMessage.objects.filter(message_id="x1").update(type="rejected")
    migration.refused_before_registration(apps, None)
    unregistered.refresh_from_db()
    registered.refresh_from_db()
    assert unregistered.status == S.REGISTRATION_REFUSED
    assert CustomsMessage.objects.get(message_id="x1").type == "registration_refused"
    assert registered.status == S.REJECTED


def test_events_cannot_be_changed_or_deleted():
    from declarations.models import AppendOnlyError

    event = create_declaration().events.get()
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


def test_goods_items_constraints_are_named():
    names = {c.name for c in GoodsItem._meta.constraints}
    assert {"goodsitem_net_le_gross", "goodsitem_packages_positive"} <= names


def test_status_changes_publish_a_webhook_in_the_same_transaction():
    from tradehub.notifications.models import OutboundMessage
    from tradehub.notifications.services import create_webhook_subscription

    declaration = create_declaration()
    create_webhook_subscription(
        declaration.partner, "https://example.com/hook", ["declaration.status_changed"]
    )
    declaration = services.submit(declaration, actor="t")
    post(declaration, "r", "released", 1)
    payloads = [
        m.payload["data"]
        for m in OutboundMessage.objects.filter(event_type="declaration.status_changed").order_by(
            "id"
        )
    ]
    assert [(p["previous_status"], p["status"]) for p in payloads] == [
        ("draft", "submitted"),
        ("submitted", "released"),
    ]
    assert payloads[0]["reference"] == declaration.reference


def test_a_cancelled_draft_never_receives_customs_messages():
    declaration = services.request_cancellation(create_declaration(), reason="", actor="t")
    with pytest.raises(TransitionNotAllowed):
        services.receive_customs_message(
            declaration, message_id="m1", type="released", occurred_at=at(1)
        )
