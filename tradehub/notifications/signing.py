"""Standard Webhooks signing (https://www.standardwebhooks.com/): secrets and headers."""

import base64
import secrets
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook

SECRET_PREFIX = "whsec_"  # noqa: S105 (a format prefix, not a secret)


def new_webhook_secret() -> str:
    """A fresh `whsec_<base64>` secret of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def signature_headers(
    secret: str, message_id: str, timestamp: datetime, body: str
) -> dict[str, str]:
    """The `webhook-id`, `webhook-timestamp` and `webhook-signature` headers for one delivery."""
    timestamp = timestamp.astimezone(UTC)  # the library treats the time as UTC whatever its zone
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, timestamp, body),
    }
