"""Webhook sink, following the Standard Webhooks specification (https://www.standardwebhooks.com/).

A request carries 1..batch_size events as ``{"events": [...]}`` and the headers ``webhook-id`` (deterministic:
a hash of its event ids, so a re-sent batch has the same id), ``webhook-timestamp`` (wall time of sending, as
the spec requires for replay protection) and ``webhook-signature: v1,<base64 HMAC-SHA256>``, signed with the
``standardwebhooks`` package. The body is rendered and signed before the connection is opened: a receiver never
sees an unsigned or half-signed body. Redirects are not followed (a redirect could point at a private address).

Status mapping: 2xx delivered; 410 gone (the sink is disabled); 408, 429 (``Retry-After`` honoured) and 5xx,
timeouts and connection errors are retried; any other status is a rejection (dead-lettered at once).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import email.utils
import hashlib
import json
from collections.abc import Sequence

import requests
from django.conf import settings
from standardwebhooks.webhooks import Webhook

from simulations.delivery.events import Event, render
from simulations.delivery.models import Sink
from simulations.delivery.registry import Outcome
from simulations.delivery.targets import TargetRejected, TargetUnresolvable, check_target

SECRET_PREFIX = "whsec_"  # noqa: S105 - the format prefix, not a secret
RETRIED_STATUSES = {408, 425, 429}


def secret_error(secret: str) -> str | None:
    """A Standard Webhooks secret: ``whsec_`` + base64 of 24 to 64 random bytes."""
    if not isinstance(secret, str) or not secret.startswith(SECRET_PREFIX):
        return "Must start with whsec_ followed by base64 (Standard Webhooks format)."
    try:
        raw = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        return "The part after whsec_ must be valid base64."
    if not 24 <= len(raw) <= 64:
        return f"The secret must decode to 24..64 bytes, got {len(raw)}."
    return None


def message_id(events: Sequence[Event]) -> str:
    """Deterministic ``webhook-id``: the same events always travel under the same id."""
    digest = hashlib.sha256("\n".join(event.id for event in events).encode()).hexdigest()
    return f"msg_{digest[:32]}"


def retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` as seconds: delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (moment - dt.datetime.now(dt.UTC)).total_seconds())


def signed_headers(signer: Webhook, msg_id: str, body: str) -> dict[str, str]:
    now = dt.datetime.now(dt.UTC)
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signer.sign(msg_id, now, body),
        "user-agent": "crmsim-webhooks/1",
    }


class WebhookClient:
    """One sink's HTTP client: a keep-alive session, the signer, the target check before every request."""

    def __init__(self, sink: Sink, secret: str):
        self.url = sink.url
        self.max_events = max(1, sink.batch_size)
        self.signer = Webhook(secret)
        self.session = requests.Session()
        # No proxies from the environment: a proxy would reach the target on crmsim's behalf, past the address
        # check (and looking proxies up costs a tenth of each small request).
        self.session.trust_env = False
        self.timeout = settings.CRMSIM_DELIVERY_TIMEOUT_SECONDS

    def _post(self, msg_id: str, body: str) -> Outcome:
        try:
            check_target(self.url)
        except TargetUnresolvable as exc:
            return Outcome("retry", detail=str(exc))
        except TargetRejected as exc:
            return Outcome("gone", detail=str(exc))
        headers = signed_headers(self.signer, msg_id, body)
        try:
            response = self.session.post(
                self.url, data=body.encode(), headers=headers, timeout=self.timeout, allow_redirects=False
            )
        except requests.Timeout:
            return Outcome("retry", detail=f"timed out after {self.timeout:g} s")
        except requests.RequestException as exc:
            return Outcome("retry", detail=f"{type(exc).__name__}: {exc}"[:300])
        status = response.status_code
        detail = f"HTTP {status}: {response.text[:200]}".strip()
        if 200 <= status < 300:
            return Outcome("delivered", status)
        if status == 410:
            return Outcome("gone", status, detail)
        if status in RETRIED_STATUSES or status >= 500:
            return Outcome("retry", status, detail, retry_after_seconds(response.headers.get("retry-after")))
        return Outcome("rejected", status, detail)

    def send(self, events: Sequence[Event], simulation_id: int) -> Outcome:
        return self._post(message_id(events), render(events, simulation_id))

    def ping(self) -> Outcome:
        """One signed ``{"events": [{"type": "ping", ...}]}`` request."""
        now = dt.datetime.now(dt.UTC)
        event = {"id": "ping", "type": "ping", "simulation": None, "occurred_at": now.strftime("%Y-%m-%dT%H:%M:%SZ")}
        body = json.dumps({"events": [{**event, "data": {}}]}, separators=(",", ":"))
        return self._post(f"msg_ping_{int(now.timestamp())}", body)

    def close(self) -> None:
        self.session.close()
