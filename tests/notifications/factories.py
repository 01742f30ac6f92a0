"""Factories for notifications models."""

import factory

from tests.factories import PartnerFactory
from tradehub.notifications.models import AlertSubscription, WebhookSubscription
from tradehub.notifications.signing import new_webhook_secret


class WebhookSubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookSubscription

    partner = factory.SubFactory(PartnerFactory)
    url = "https://hooks.example.com/tradehub"
    events = factory.LazyFunction(lambda: ["alert.created", "shipment.status_changed"])
    secret = factory.LazyFunction(new_webhook_secret)


class AlertSubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AlertSubscription

    email = factory.Sequence(lambda n: f"ops{n}@example.com")
    partner = None
