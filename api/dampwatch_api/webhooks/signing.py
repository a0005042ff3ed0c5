"""Subscriber secrets and signatures, as the Standard Webhooks specification defines them.

Each delivery carries `webhook-id` (the event's id, the same on every retry: the idempotency
key), `webhook-timestamp` (Unix seconds of this attempt) and `webhook-signature`:
`v1,<base64 HMAC-SHA256 over "{id}.{timestamp}.{body}">` with the subscriber's secret. The
timestamp is inside the signature, so a captured request cannot be replayed later with a new
one; a receiver refuses timestamps more than five minutes away from its clock and remembers the
ids it has processed (the standardwebhooks package does the first; see README, "Webhooks").

A subscriber's secret is never stored: it is HMAC-SHA256 of the server's secret key over a
random nonce kept with the subscription, shown once when it is made or rotated.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import datetime
from typing import Final

from standardwebhooks import Webhook

SECRET_PREFIX: Final = "whsec_"  # noqa: S105 - the format's prefix, not a secret
DERIVATION_LABEL: Final = b"dampwatch webhook secret\x00"


def new_nonce() -> str:
    """A fresh nonce for a subscription's secret."""
    return secrets.token_hex(16)


def subscriber_secret(server_key: str, nonce: str) -> str:
    """The subscriber's secret (`whsec_...`) for `nonce` under the server's secret key."""
    raw = hmac.new(server_key.encode(), DERIVATION_LABEL + nonce.encode(), hashlib.sha256)
    return SECRET_PREFIX + base64.b64encode(raw.digest()).decode()


def signature_headers(
    event_id: str, body: bytes, subscriber_secrets: Iterable[str], at: datetime
) -> dict[str, str]:
    """The Standard Webhooks headers of one attempt, signed with every current secret."""
    signatures = [Webhook(secret).sign(event_id, at, body) for secret in subscriber_secrets]
    if not signatures:
        raise ValueError("a delivery needs at least one secret to sign with")
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": " ".join(signatures),
    }
