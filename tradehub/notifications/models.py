"""Outbox messages and their delivery attempts, alert-email subscriptions, digest entries and
webhook subscriptions."""

from functools import partial

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tradehub.ids import new_reference
from tradehub.partners.models import Partner

from .choices import DeliveryChannel, DeliveryMessageStatus, Severity


class WebhookSubscription(models.Model):
    """A partner's URL that receives signed Standard Webhooks deliveries for chosen event types."""

    reference = models.CharField(
        max_length=20,
        unique=True,
        editable=False,
        default=partial(new_reference, "WHK"),
        verbose_name=_("reference"),
    )
    partner = models.ForeignKey(
        Partner,
        on_delete=models.CASCADE,
        related_name="webhook_subscriptions",
        verbose_name=_("partner"),
    )
    url = models.URLField(max_length=2000, verbose_name=_("url"))
    events = models.JSONField(
        default=list, help_text=_("Event types delivered to this URL."), verbose_name=_("events")
    )
    # Kept in clear because it is needed to sign every delivery; shown to the partner only once.
    secret = models.CharField(max_length=100, editable=False, verbose_name=_("secret"))
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["partner", "is_active"], name="webhooksub_partner_active")]

    def __str__(self) -> str:
        return f"{self.reference} -> {self.url}"


class OutboundMessage(models.Model):
    """One email or webhook call to deliver; written in the transaction that caused it."""

    reference = models.CharField(
        max_length=20,
        unique=True,
        editable=False,
        default=partial(new_reference, "MSG"),
        verbose_name=_("reference"),
    )
    channel = models.CharField(
        max_length=10, choices=DeliveryChannel.choices, verbose_name=_("channel")
    )
    event_type = models.CharField(
        max_length=60,
        help_text=_("Webhook event type, or the email kind (alert, digest)."),
        verbose_name=_("event type"),
    )
    partner = models.ForeignKey(
        Partner,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("partner"),
    )
    recipient_email = models.EmailField(blank=True, verbose_name=_("recipient email"))
    webhook = models.ForeignKey(
        WebhookSubscription,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
        verbose_name=_("webhook"),
    )
    subject = models.CharField(max_length=300, blank=True, verbose_name=_("subject"))
    payload = models.JSONField(
        default=dict,
        help_text=_("Webhook body, or the rendered email (text and html)."),
        verbose_name=_("payload"),
    )
    dedup_key = models.CharField(
        max_length=300,
        unique=True,
        help_text=_("Source and recipient: the same message is never enqueued twice."),
        verbose_name=_("dedup key"),
    )
    status = models.CharField(
        max_length=10,
        choices=DeliveryMessageStatus.choices,
        default=DeliveryMessageStatus.PENDING,
        verbose_name=_("status"),
    )
    attempts = models.PositiveIntegerField(default=0, verbose_name=_("attempts"))
    next_attempt_at = models.DateTimeField(default=timezone.now, verbose_name=_("next attempt at"))
    # A claim: who is sending now and until when; a dead claimer's lease runs out.
    claim_token = models.UUIDField(
        null=True, blank=True, editable=False, verbose_name=_("claim token")
    )
    lease_expires_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("lease expires at")
    )
    last_error = models.TextField(blank=True, verbose_name=_("last error"))
    delivered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("delivered at"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbound messages")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(channel=DeliveryChannel.EMAIL) | ~Q(recipient_email=""),
                name="outbound_email_has_recipient",
            ),
            models.CheckConstraint(
                condition=~Q(status=DeliveryMessageStatus.DELIVERED)
                | Q(delivered_at__isnull=False),
                name="outbound_delivered_has_time",
            ),
        ]
        indexes = [
            # The dispatcher reads only due rows: pending by due time, sending by lease end.
            models.Index(
                fields=["next_attempt_at"],
                name="outbound_pending_due",
                condition=Q(status=DeliveryMessageStatus.PENDING),
            ),
            models.Index(
                fields=["lease_expires_at"],
                name="outbound_sending_lease",
                condition=Q(status=DeliveryMessageStatus.SENDING),
            ),
            models.Index(fields=["status", "channel"], name="outbound_status_channel"),
            # The control tower counts deliveries that failed or wait for a retry.
            models.Index(
                fields=["created_at"],
                name="outbound_failing",
                condition=Q(status=DeliveryMessageStatus.FAILED)
                | Q(status=DeliveryMessageStatus.PENDING, attempts__gt=0),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.channel} {self.event_type} ({self.status})"

    @property
    def recipient(self) -> str:
        """Email address or webhook URL, for display."""
        if self.channel == DeliveryChannel.EMAIL:
            return self.recipient_email
        return self.webhook.url if self.webhook else "(deleted webhook)"


class DeliveryAttempt(models.Model):
    """One try at delivering an outbound message (SMTP conversation or HTTP call)."""

    message = models.ForeignKey(
        OutboundMessage,
        on_delete=models.CASCADE,
        related_name="delivery_attempts",
        verbose_name=_("message"),
    )
    number = models.PositiveIntegerField(verbose_name=_("number"))
    started_at = models.DateTimeField(default=timezone.now, verbose_name=_("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    succeeded = models.BooleanField(
        null=True,
        help_text=_("Empty while running, or when the worker died during the attempt."),
        verbose_name=_("succeeded"),
    )
    status_code = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("status code"))
    error = models.TextField(blank=True, verbose_name=_("error"))
    duration_ms = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("duration ms"))

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["message", "-started_at"], name="attempt_message_started")]

    def __str__(self) -> str:
        return f"{self.message.reference} attempt {self.number}"


def language_choices() -> list[tuple[str, str]]:
    """The languages emails can be written in: the deployment's LANGUAGES."""
    return list(settings.LANGUAGES)


class AlertSubscription(models.Model):
    """Who gets alert emails: a staff user or a partner contact, with filters."""

    email = models.EmailField(verbose_name=_("email"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alert_subscriptions",
        verbose_name=_("user"),
    )
    partner = models.ForeignKey(
        Partner,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alert_subscriptions",
        help_text=_("Only this partner's alerts; empty = every partner (staff only)."),
        verbose_name=_("partner"),
    )
    kinds = models.JSONField(
        default=list, blank=True, help_text=_("Alert kinds; empty = all."), verbose_name=_("kinds")
    )
    min_severity = models.CharField(
        max_length=10,
        choices=Severity.choices,
        default=Severity.LOW,
        verbose_name=_("min severity"),
    )
    destination_countries = models.JSONField(
        default=list,
        blank=True,
        help_text=_("ISO country codes of destinations; empty = all."),
        verbose_name=_("destination countries"),
    )
    language = models.CharField(
        max_length=10,
        choices=language_choices,
        default="en",
        help_text=_("The language alert emails to this address are written in."),
        verbose_name=_("language"),
    )
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("alert subscription")
        verbose_name_plural = _("alert subscriptions")
        ordering = ["email", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["email", "partner"],
                name="alertsub_unique_email_partner",
                condition=Q(partner__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["email"],
                name="alertsub_unique_email_all_partners",
                condition=Q(partner__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.partner or 'all partners'})"


class DigestItem(models.Model):
    """An alert waiting for the recipient's next digest email (then linked to that message)."""

    recipient_email = models.EmailField(verbose_name=_("recipient email"))
    language = models.CharField(
        max_length=10, default="en", verbose_name=_("language"), help_text=_("Of the recipient.")
    )
    source_key = models.CharField(max_length=200, verbose_name=_("source key"))
    alert = models.JSONField(
        help_text=_("The alert view rendered in the digest."), verbose_name=_("alert")
    )
    dedup_key = models.CharField(max_length=300, unique=True, verbose_name=_("dedup key"))
    message = models.ForeignKey(
        OutboundMessage,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="digest_items",
        verbose_name=_("message"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("digest item")
        verbose_name_plural = _("digest items")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["recipient_email", "created_at"],
                name="digestitem_waiting",
                condition=Q(message__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.recipient_email}: {self.source_key}"
