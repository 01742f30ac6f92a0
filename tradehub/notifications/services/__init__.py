"""Writes of the notifications app, one module per concern:

- `outbox`: enqueue emails and webhook events into the outbox in the caller's transaction;
- `digests`: what a new alert causes (immediate emails, digest entries, webhooks) and the digests;
- `delivery`: the claim protocol that delivers a message, retries and the dispatcher
  (docs/notifications.md);
- `subscriptions`: alert email and webhook subscriptions.

Every public name is re-exported here (`from tradehub.notifications.services import
publish_event`), so callers need not know the split.
"""

from .delivery import (
    backoff_seconds,
    deliver_message,
    dispatch_due_messages,
    due_message_ids,
    retry_messages,
)
from .digests import (
    DIGEST_BATCH,
    IMMEDIATE_SEVERITIES,
    AlertNotification,
    notify_alert,
    send_digests,
)
from .outbox import OutsideTransactionError, enqueue_email, publish_event
from .subscriptions import (
    create_webhook_subscription,
    delete_webhook_subscription,
    subscribe_alert_email,
    update_webhook_subscription,
)

__all__ = [
    "DIGEST_BATCH",
    "IMMEDIATE_SEVERITIES",
    "AlertNotification",
    "OutsideTransactionError",
    "backoff_seconds",
    "create_webhook_subscription",
    "delete_webhook_subscription",
    "deliver_message",
    "dispatch_due_messages",
    "due_message_ids",
    "enqueue_email",
    "notify_alert",
    "publish_event",
    "retry_messages",
    "send_digests",
    "subscribe_alert_email",
    "update_webhook_subscription",
]
