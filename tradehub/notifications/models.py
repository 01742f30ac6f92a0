"""Outbox messages and their delivery attempts, alert-email subscriptions, digest entries and
webhook subscriptions."""

from functools import partial

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from tradehub.ids import new_reference
from tradehub.partners.models import Partner

from .choices import Channel, MessageStatus, Severity


class WebhookSubscription(models.Model):
    """A partner's URL that receives signed Standard Webhooks deliveries for chosen event types."""

    reference = models.CharField(
        max_length=20, unique=True, editable=False, default=partial(new_reference, "WHK")
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="webhook_subscriptions"
    )
    url = models.URLField(max_length=2000)
    events = models.JSONField(default=list, help_text="Event types delivered to this URL.")
    # Kept in clear because it is needed to sign every delivery; shown to the partner only once.
    secret = models.CharField(max_length=100, editable=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["partner", "is_active"], name="webhooksub_partner_active")]

    def __str__(self) -> str:
        return f"{self.reference} -> {self.url}"


class OutboundMessage(models.Model):
    """One email or webhook call to deliver; written in the transaction that caused it."""

    reference = models.CharField(
        max_length=20, unique=True, editable=False, default=partial(new_reference, "MSG")
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    event_type = models.CharField(
        max_length=60, help_text="Webhook event type, or the email kind (alert, digest)."
    )
    partner = models.ForeignKey(
        Partner, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recipient_email = models.EmailField(blank=True)
    webhook = models.ForeignKey(
        WebhookSubscription,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
    )
    subject = models.CharField(max_length=300, blank=True)
    payload = models.JSONField(
        default=dict, help_text="Webhook body, or the rendered email (text and html)."
    )
    dedup_key = models.CharField(
        max_length=300,
        unique=True,
        help_text="Source and recipient: the same message is never enqueued twice.",
    )
    status = models.CharField(
        max_length=10, choices=MessageStatus.choices, default=MessageStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # A claim: who is sending now and until when; a dead claimer's lease runs out.
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(channel=Channel.EMAIL) | ~Q(recipient_email=""),
                name="outbound_email_has_recipient",
            ),
            models.CheckConstraint(
                condition=~Q(status=MessageStatus.DELIVERED) | Q(delivered_at__isnull=False),
                name="outbound_delivered_has_time",
            ),
        ]
        indexes = [
            # The dispatcher reads only due rows: pending by due time, sending by lease end.
            models.Index(
                fields=["next_attempt_at"],
                name="outbound_pending_due",
                condition=Q(status=MessageStatus.PENDING),
            ),
            models.Index(
                fields=["lease_expires_at"],
                name="outbound_sending_lease",
                condition=Q(status=MessageStatus.SENDING),
            ),
            models.Index(fields=["status", "channel"], name="outbound_status_channel"),
            # The control tower counts deliveries that failed or wait for a retry.
            models.Index(
                fields=["created_at"],
                name="outbound_failing",
                condition=Q(status=MessageStatus.FAILED)
                | Q(status=MessageStatus.PENDING, attempts__gt=0),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.channel} {self.event_type} ({self.status})"

    @property
    def recipient(self) -> str:
        """Email address or webhook URL, for display."""
        if self.channel == Channel.EMAIL:
            return self.recipient_email
        return self.webhook.url if self.webhook else "(deleted webhook)"


class DeliveryAttempt(models.Model):
    """One try at delivering an outbound message (SMTP conversation or HTTP call)."""

    message = models.ForeignKey(
        OutboundMessage, on_delete=models.CASCADE, related_name="delivery_attempts"
    )
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    succeeded = models.BooleanField(
        null=True, help_text="Empty while running, or when the worker died during the attempt."
    )
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["message", "-started_at"], name="attempt_message_started")]

    def __str__(self) -> str:
        return f"{self.message.reference} attempt {self.number}"


class AlertSubscription(models.Model):
    """Who gets alert emails: a staff user or a partner contact, with filters."""

    email = models.EmailField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alert_subscriptions",
    )
    partner = models.ForeignKey(
        Partner,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alert_subscriptions",
        help_text="Only this partner's alerts; empty = every partner (staff only).",
    )
    kinds = models.JSONField(default=list, blank=True, help_text="Alert kinds; empty = all.")
    min_severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.LOW)
    destination_countries = models.JSONField(
        default=list, blank=True, help_text="ISO country codes of destinations; empty = all."
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
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

    recipient_email = models.EmailField()
    source_key = models.CharField(max_length=200)
    alert = models.JSONField(help_text="The alert view rendered in the digest.")
    dedup_key = models.CharField(max_length=300, unique=True)
    message = models.ForeignKey(
        OutboundMessage,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="digest_items",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
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
