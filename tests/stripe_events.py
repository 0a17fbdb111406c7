"""Stripe events built and signed in the tests the way Stripe builds and signs them."""

import hashlib
import hmac
import json
import time


def signed(payload: dict, secret: str, timestamp: int | None = None) -> tuple[dict, bytes]:
    """(headers, body) as Stripe sends them: t=<ts>,v1=<hmac_sha256(secret, "<ts>.<body>")>."""
    body = json.dumps(payload)
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = hmac.new(
        secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256
    ).hexdigest()
    return {"Stripe-Signature": f"t={timestamp},v1={signature}"}, body.encode()


def event(type_: str, obj: dict, event_id: str = "evt_1") -> dict:
    return {
        "id": event_id,
        "object": "event",
        "type": type_,
        "api_version": "2025-01-27.acacia",
        "created": 1735689600,
        "livemode": False,
        "data": {"object": obj},
    }
