"""Outbox delivery: signed webhooks, claim protocol, retries with backoff, failure, dispatch."""

from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from tests.notifications.factories import WebhookSubscriptionFactory
from tradehub.notifications import services
from tradehub.notifications.choices import DeliveryMessageStatus
from tradehub.notifications.models import DeliveryAttempt, OutboundMessage
from tradehub.notifications.services import OutsideTransactionError, delivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def subscription(webhook_receiver):
    sub = WebhookSubscriptionFactory(
        url=webhook_receiver.url, events=["declaration.status_changed"]
    )
    webhook_receiver.secrets.append(sub.secret)
    return sub


def publish(partner, key="declaration:DEC-1:event:1"):
    with transaction.atomic():
        return services.publish_event(
            "declaration.status_changed",
            partner,
            {"reference": "DEC-1", "status": "released"},
            source_key=key,
        )


def test_publish_event_outside_a_transaction_is_refused(partner):
    # pytest-django wraps the test in a transaction, so leave it for this check.
    from django.db import connection

    connection.in_atomic_block, saved = False, connection.in_atomic_block
    try:
        with pytest.raises(OutsideTransactionError):
            services.publish_event("alert.created", partner, {})
    finally:
        connection.in_atomic_block = saved


def test_publish_creates_one_message_per_matching_subscription_and_never_twice(subscription):
    WebhookSubscriptionFactory(partner=subscription.partner, events=["alert.created"])
    WebhookSubscriptionFactory(
        partner=subscription.partner, events=["declaration.status_changed"], is_active=False
    )
    WebhookSubscriptionFactory(events=["declaration.status_changed"])  # another partner
    first = publish(subscription.partner)
    assert [m.webhook_id for m in first] == [subscription.pk]
    publish(subscription.partner)  # same source key: nothing new
    assert OutboundMessage.objects.count() == 1


def test_webhook_delivery_is_signed_and_verifies_with_standard_webhooks(
    subscription, webhook_receiver
):
    (message,) = publish(subscription.partner)
    assert services.deliver_message(message.pk) == "delivered"
    assert webhook_receiver.bad_signatures == 0
    assert dict(webhook_receiver.ids) == {message.reference: 1}
    body = webhook_receiver.bodies[0]
    assert body["type"] == "declaration.status_changed"
    assert body["data"] == {"reference": "DEC-1", "status": "released"}
    message.refresh_from_db()
    assert message.status == DeliveryMessageStatus.DELIVERED
    assert message.delivered_at is not None
    assert message.attempts == 1


def test_delivering_a_delivered_message_again_sends_nothing(subscription, webhook_receiver):
    (message,) = publish(subscription.partner)
    services.deliver_message(message.pk)
    assert services.deliver_message(message.pk) == "skipped: already delivered"
    assert webhook_receiver.ids[message.reference] == 1
    assert DeliveryAttempt.objects.filter(message=message).count() == 1


def test_failed_attempts_back_off_exponentially_then_mark_failed(
    subscription, webhook_receiver, settings
):
    settings.OUTBOX_MAX_ATTEMPTS = 4
    settings.OUTBOX_RETRY_BASE_SECONDS = 10
    webhook_receiver.status = 500
    (message,) = publish(subscription.partner)
    delays = []
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _ in range(4):
            outcome = services.deliver_message(message.pk)
            message.refresh_from_db()
            if message.status == DeliveryMessageStatus.PENDING:
                delay = (message.next_attempt_at - timezone.now()).total_seconds()
                delays.append(round(delay))
                # Not due yet: another task (e.g. a duplicate) does nothing.
                assert services.deliver_message(message.pk) == "skipped: not due yet"
                traveller.shift(timedelta(seconds=delay))
    assert delays == [10, 20, 40]
    assert outcome == "failed"
    assert message.status == DeliveryMessageStatus.FAILED
    assert "HTTP 500" in message.last_error
    attempts = list(DeliveryAttempt.objects.filter(message=message).order_by("number"))
    assert [a.number for a in attempts] == [1, 2, 3, 4]
    assert all(a.status_code == 500 and a.succeeded is False for a in attempts)


def test_failed_message_retried_by_staff_is_delivered(subscription, webhook_receiver, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    webhook_receiver.status = 503
    (message,) = publish(subscription.partner)
    assert services.deliver_message(message.pk) == "failed"
    webhook_receiver.status = 200
    assert services.retry_messages(OutboundMessage.objects.filter(pk=message.pk)) == 1
    assert services.deliver_message(message.pk) == "delivered"
    assert webhook_receiver.ids[message.reference] == 1


def test_redirects_are_not_followed(subscription, webhook_receiver, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    webhook_receiver.status = 302
    (message,) = publish(subscription.partner)
    services.deliver_message(message.pk)
    message.refresh_from_db()
    assert message.status == DeliveryMessageStatus.FAILED
    assert "redirects are not followed" in message.last_error


def test_private_target_is_refused_again_at_delivery_time(subscription, webhook_receiver, settings):
    (message,) = publish(subscription.partner)
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    services.deliver_message(message.pk)
    message.refresh_from_db()
    assert message.status == DeliveryMessageStatus.PENDING
    assert "Refused" in message.last_error
    assert not webhook_receiver.ids


def test_message_claimed_by_a_dead_worker_is_retaken_after_its_lease(
    subscription, webhook_receiver, settings
):
    settings.OUTBOX_LEASE_SECONDS = 60
    (message,) = publish(subscription.partner)
    now = timezone.now()
    # A worker claimed it and died before sending (status sending, lease running).
    claim, _ = delivery._claim(message.pk, now)
    assert claim is not None
    assert services.deliver_message(message.pk) == "skipped: claimed by another worker"
    assert services.due_message_ids(now + timedelta(seconds=30)) == []
    later = now + timedelta(seconds=61)
    assert services.due_message_ids(later) == [message.pk]
    with time_machine.travel(later, tick=False):
        assert services.deliver_message(message.pk) == "delivered"
    attempts = list(DeliveryAttempt.objects.filter(message=message).order_by("number"))
    assert [(a.number, a.succeeded) for a in attempts] == [(1, None), (2, True)]
    assert "Worker lost" in attempts[0].error
    assert webhook_receiver.ids[message.reference] == 1


def test_dispatch_finds_pending_messages_whose_task_was_lost(subscription, settings):
    settings.OUTBOX_LEASE_SECONDS = 60
    (message,) = publish(subscription.partner)
    assert services.due_message_ids(timezone.now()) == []  # its own task is on the way
    assert services.due_message_ids(timezone.now() + timedelta(seconds=61)) == [message.pk]


def test_deleted_subscription_fails_its_pending_messages(subscription):
    (message,) = publish(subscription.partner)
    services.delete_webhook_subscription(subscription)
    message.refresh_from_db()
    assert message.status == DeliveryMessageStatus.FAILED
    assert services.deliver_message(message.pk) == "skipped: already failed"


def test_inactive_subscription_message_fails_without_a_call(subscription, webhook_receiver):
    (message,) = publish(subscription.partner)
    subscription.is_active = False
    subscription.save()
    assert services.deliver_message(message.pk) == "failed"
    assert not webhook_receiver.ids


def test_backoff_is_capped(settings):
    settings.OUTBOX_RETRY_BASE_SECONDS = 30
    settings.OUTBOX_RETRY_MAX_SECONDS = 3600
    assert [services.backoff_seconds(n) for n in (1, 2, 3, 8, 20)] == [30, 60, 120, 3600, 3600]


def test_partner_without_subscriptions_gets_no_messages(other_partner):
    with transaction.atomic():
        assert services.publish_event("alert.created", other_partner, {"x": 1}) == []
