"""Admin: the outbox with attempts inline and a retry action; subscriptions are manageable."""

from typing import cast

import pytest
from django.db import transaction

from tests.notifications.factories import AlertSubscriptionFactory, WebhookSubscriptionFactory
from tradehub.notifications import services
from tradehub.notifications.choices import DeliveryMessageStatus
from tradehub.notifications.models import AlertSubscription, OutboundMessage, WebhookSubscription

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


def test_outbox_lists_messages_and_shows_attempts(
    staff_client, partner, webhook_receiver, settings
):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    webhook_receiver.status = 500
    sub = cast(
        WebhookSubscription, WebhookSubscriptionFactory(partner=partner, url=webhook_receiver.url)
    )
    webhook_receiver.secrets.append(sub.secret)
    with transaction.atomic():
        (message,) = services.publish_event("alert.created", partner, {"x": 1})
    services.deliver_message(message.pk)
    listing = staff_client.get("/admin/notifications/outboundmessage/?status__exact=failed")
    assert listing.status_code == 200
    assert message.reference in listing.content.decode()
    detail = staff_client.get(f"/admin/notifications/outboundmessage/{message.pk}/change/")
    assert detail.status_code == 200
    assert "HTTP 500" in detail.content.decode()
    assert (
        sub.reference
        in staff_client.get("/admin/notifications/webhooksubscription/").content.decode()
    )


def test_retry_action_makes_a_failed_message_due_again(
    staff_client, partner, webhook_receiver, settings
):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    webhook_receiver.status = 500
    WebhookSubscriptionFactory(partner=partner, url=webhook_receiver.url)
    with transaction.atomic():
        (message,) = services.publish_event("alert.created", partner, {"x": 1})
    services.deliver_message(message.pk)
    response = staff_client.post(
        "/admin/notifications/outboundmessage/",
        {"action": "retry_selected", "_selected_action": [message.pk]},
    )
    assert response.status_code == 302
    message.refresh_from_db()
    assert (message.status, message.attempts) == (DeliveryMessageStatus.PENDING, 0)
    webhook_receiver.status = 204
    assert message.webhook is not None
    webhook_receiver.secrets.append(message.webhook.secret)
    assert services.deliver_message(message.pk) == "delivered"
    assert OutboundMessage.objects.get(pk=message.pk).status == DeliveryMessageStatus.DELIVERED


def test_alert_subscriptions_are_listed(staff_client):
    sub = cast(AlertSubscription, AlertSubscriptionFactory(email="desk@example.com"))
    page = staff_client.get("/admin/notifications/alertsubscription/")
    assert page.status_code == 200
    assert sub.email in page.content.decode()
    assert (
        staff_client.get(f"/admin/notifications/alertsubscription/{sub.pk}/change/").status_code
        == 200
    )
