"""Alert emails received by a real SMTP server on loopback: immediate, digest, SMTP outage."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from tests.factories import StaffUserFactory
from tests.notifications.conftest import alert_view
from tradehub.errors import Invalid
from tradehub.notifications import services
from tradehub.notifications.choices import DeliveryMessageStatus
from tradehub.notifications.models import AlertSubscription, DigestItem, OutboundMessage

pytestmark = pytest.mark.django_db


def notify(view, partner):
    with transaction.atomic():
        return services.notify_alert(view, partner=partner)


def deliver_all():
    for message in OutboundMessage.objects.filter(status=DeliveryMessageStatus.PENDING):
        services.deliver_message(message.pk)


def parts(message):
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


def test_high_severity_alert_is_emailed_at_once_with_shipment_lot_and_admin_link(
    smtp_server, partner, settings
):
    settings.SITE_URL = "https://tradehub.example.kz"
    services.subscribe_alert_email("Contact@Xinjiang.example", partner=partner)
    result = notify(alert_view(), partner)
    assert len(result.emails) == 1
    deliver_all()
    (mail,) = smtp_server.messages
    assert mail["To"] == "contact@xinjiang.example"
    assert mail["Subject"] == "[TradeHub HIGH] Expiring soon: SHP-7K2M9Q4XTB lot CT-0042"
    assert mail["Message-ID"] == f"<{result.emails[0].reference}@tradehub.local>"
    text, html = parts(mail)
    for expected in [
        "SHP-7K2M9Q4XTB",
        "CT-0042",
        "Cherry tomato",
        "20.5 h",
        "2025-07-22 18:00 Almaty, UTC+5",
    ]:
        assert expected in text
        assert expected in html
    link = "https://tradehub.example.kz/admin/shipments/alert/1/change/"
    assert link in text
    assert f'href="{link}"' in html


def test_same_alert_notified_twice_sends_one_email_per_recipient(smtp_server, partner):
    services.subscribe_alert_email("a@example.com", partner=partner)
    staff = StaffUserFactory(email="desk@example.com")
    services.subscribe_alert_email("desk@example.com", user=staff)
    notify(alert_view(), partner)
    notify(alert_view(), partner)
    deliver_all()
    deliver_all()
    assert sorted(m["To"] for m in smtp_server.messages) == ["a@example.com", "desk@example.com"]


def test_subscription_filters_kind_severity_partner_and_destination(
    smtp_server, partner, other_partner
):
    other = other_partner
    services.subscribe_alert_email("kinds@example.com", kinds=["expired"])
    services.subscribe_alert_email("severe@example.com", min_severity="high")
    services.subscribe_alert_email("kg@example.com", destination_countries=["KG"])
    services.subscribe_alert_email("other@example.com", partner=other)
    services.subscribe_alert_email("all@example.com")
    notify(alert_view(), partner)
    deliver_all()
    assert sorted(m["To"] for m in smtp_server.messages) == [
        "all@example.com",
        "severe@example.com",
    ]


def test_lower_severities_wait_for_one_digest_per_recipient(smtp_server, partner, settings):
    settings.ALERT_DIGEST_MINUTES = 15
    services.subscribe_alert_email("contact@example.com", partner=partner)
    notify(alert_view(reference="ALR-A", severity="medium", lot_code="CT-1"), partner)
    notify(
        alert_view(
            reference="ALR-B",
            severity="low",
            kind="arrival_late",
            lot_code=None,
            kind_label="Arrival late",
            message="Shipment SHP-7K2M9Q4XTB is 9 h late.",
        ),
        partner,
    )
    deliver_all()
    assert smtp_server.messages == []
    now = timezone.now()
    assert services.send_digests(now + timedelta(minutes=14)) == 0  # the window is still open
    assert services.send_digests(now + timedelta(minutes=15)) == 1
    assert services.send_digests(now + timedelta(minutes=30)) == 0  # entries are taken once
    deliver_all()
    (mail,) = smtp_server.messages
    assert (
        mail["Subject"]
        == "[TradeHub] 2 alerts (Expiring soon, Arrival late) in the last 15 minutes"
    )
    text, html = parts(mail)
    assert "ALR-A" in text and "ALR-B" in text and "CT-1" in text
    assert "Shipment SHP-7K2M9Q4XTB is 9 h late." in html
    assert DigestItem.objects.filter(message__isnull=True).count() == 0


def test_smtp_down_then_up_is_retried_then_delivered(smtp_server, partner, settings):
    settings.OUTBOX_RETRY_BASE_SECONDS = 0  # due again at once, so the test needs no clock
    services.subscribe_alert_email("contact@example.com", partner=partner)
    (message,) = notify(alert_view(), partner).emails
    smtp_server.stop()
    assert services.deliver_message(message.pk).startswith("retry in")
    assert services.deliver_message(message.pk).startswith("retry in")
    message.refresh_from_db()
    assert message.status == DeliveryMessageStatus.PENDING
    assert message.attempts == 2
    assert "Connection refused" in message.last_error or "Error" in message.last_error
    smtp_server.start()
    assert services.deliver_message(message.pk) == "delivered"
    assert len(smtp_server.messages) == 1
    assert [a.succeeded for a in message.delivery_attempts.order_by("number")] == [
        False,
        False,
        True,
    ]


def test_alert_created_webhook_goes_to_the_partner(partner, webhook_receiver):
    from tests.notifications.factories import WebhookSubscriptionFactory

    sub = WebhookSubscriptionFactory(
        partner=partner, url=webhook_receiver.url, events=["alert.created"]
    )
    webhook_receiver.secrets.append(sub.secret)
    result = notify(alert_view(), partner)
    (message,) = result.webhooks
    assert services.deliver_message(message.pk) == "delivered"
    assert webhook_receiver.bodies[0]["type"] == "alert.created"
    assert webhook_receiver.bodies[0]["data"]["reference"] == "ALR-TEST000001"
    assert "admin_path" not in webhook_receiver.bodies[0]["data"]


def test_create_partner_alert_email_subscribes_the_contact(capsys):
    call_command("create_partner", "Tashkent Fresh", "--alert-email", "ops@tashkent.example")
    sub = AlertSubscription.objects.get()
    assert sub.partner is not None
    assert (sub.email, sub.partner.name, sub.kinds, sub.min_severity) == (
        "ops@tashkent.example",
        "Tashkent Fresh",
        [],
        "low",
    )
    call_command("create_partner", "Tashkent Fresh", "--alert-email", "ops@tashkent.example")
    assert AlertSubscription.objects.count() == 1


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ru", ["Скоро истекает срок годности", "Остаток срока годности", "Алматы, UTC+5"]),
        ("zh-hans", ["即将过期", "剩余货架期", "阿拉木图时间（UTC+5）"]),
    ],
    ids=["ru", "zh"],
)
def test_alert_email_is_written_in_the_recipients_language_with_labelled_local_times(
    smtp_server, partner, language, expected
):
    services.subscribe_alert_email("ops@example.kz", partner=partner, language=language)
    services.subscribe_alert_email("desk@example.com", partner=partner)
    notify(alert_view(), partner)
    deliver_all()
    by_recipient = {m["To"]: m for m in smtp_server.messages}
    text, html = parts(by_recipient["ops@example.kz"])
    for phrase in expected:
        assert phrase in text
        assert phrase in html
    assert "UTC+5" in text and "T18:00:00" not in text
    english, _ = parts(by_recipient["desk@example.com"])
    assert "Remaining shelf life" in english and "Almaty, UTC+5" in english


def test_unknown_email_language_is_refused(partner):
    with pytest.raises(Invalid, match="language"):
        services.subscribe_alert_email("ops@example.kz", partner=partner, language="de")
    assert not AlertSubscription.objects.exists()
