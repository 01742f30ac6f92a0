"""Webhook events as checkboxes and the secret shown once; API-key status; internal tables."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tradehub.notifications.models import WebhookSubscription
from tradehub.partners.services import issue_api_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


def test_webhook_events_are_checkboxes_and_the_secret_is_shown_once(
    admin_client, partner, settings
):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    add = reverse("admin:notifications_webhooksubscription_add")
    form = admin_client.get(add).content.decode()
    assert 'type="checkbox" name="events" value="alert.created"' in form
    refused = admin_client.post(
        add, {"partner": partner.pk, "url": "http://127.0.0.1/hook", "events": ["alert.created"]}
    )
    assert refused.status_code == 200 and not WebhookSubscription.objects.exists()

    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    created = admin_client.post(
        add,
        {
            "partner": partner.pk,
            "url": "https://127.0.0.1:8443/tradehub",
            "events": ["alert.created", "shipment.status_changed"],
            "is_active": "on",
        },
        follow=True,
    )
    subscription = WebhookSubscription.objects.get()
    assert subscription.events == ["alert.created", "shipment.status_changed"]
    assert subscription.secret and subscription.secret in created.content.decode()
    page = admin_client.get(
        reverse("admin:notifications_webhooksubscription_change", args=[subscription.pk])
    ).content.decode()
    assert subscription.secret not in page  # never again after creation


def test_api_key_status_means_what_it_says(admin_client, partner):
    issue_api_key(partner, "healthy")
    revoked, _ = issue_api_key(partner, "old")
    revoked.revoked = True
    revoked.save()
    html = admin_client.get(reverse("admin:partners_partnerapikey_changelist")).content.decode()
    assert html.count(">active<") == 1 and html.count(">revoked<") == 1
    assert "icon-yes.svg" not in html and "icon-no.svg" not in html
    # One API-key model: the library's own, always empty one is not in the admin.
    index = admin_client.get(reverse("admin:index")).content.decode()
    assert "/admin/rest_framework_api_key/" not in index


def test_internal_tables_are_for_operators_only(client, staff_user):
    clerk = get_user_model().objects.create_user("clerk", password="x", is_staff=True)
    from django.contrib.auth.models import Permission

    clerk.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    client.force_login(clerk)
    index = client.get(reverse("admin:index")).content.decode()
    assert "/admin/shipments/shipment/" in index  # working lists stay
    for url in ("/admin/api/idempotencyrecord/", "/admin/notifications/digestitem/"):
        assert url not in index
        assert client.get(url).status_code == 403
    client.force_login(staff_user)  # a superuser (operator) still opens them
    assert client.get("/admin/api/idempotencyrecord/").status_code == 200
