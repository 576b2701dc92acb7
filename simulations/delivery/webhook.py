"""Webhook sink, following the Standard Webhooks specification (https://www.standardwebhooks.com/).

A request carries 1..batch_size events as ``{"events": [...]}`` and the headers ``webhook-id`` (deterministic:
a hash of its event ids, so a re-sent batch has the same id), ``webhook-timestamp`` (wall time of sending, as
the spec requires for replay protection) and ``webhook-signature: v1,<base64 HMAC-SHA256>``, the spec's signature
(``signature``: what the ``standardwebhooks`` package's ``sign`` gives, computed over the body's bytes; the tests
verify every request with the package). The body is rendered and signed before the connection is opened: a
receiver never sees an unsigned or half-signed body. Redirects are not followed (a redirect could point at a
private address).

Transport: ``urllib3`` (what ``requests`` runs on, and what HubSpot's client uses) with one keep-alive connection,
no retries of its own (``deliver_slot`` retries with backoff), no proxies (it reads none from the environment),
TLS verified against certifi's roots as ``requests`` did. It costs a third of ``requests``' CPU per request, which
at ~0.5 ms per small request on this machine was as much as the rest of a delivery step (docs/sinks.md).

Status mapping: 2xx delivered; 410 gone (the sink is disabled); 408, 429 (``Retry-After`` honoured) and 5xx,
timeouts and connection errors are retried; any other status is a rejection (dead-lettered at once).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import email.utils
import hashlib
import hmac
import json
import operator
import time
from collections.abc import Sequence

import certifi
import urllib3
from django.conf import settings

from simulations.delivery.events import Event, request_body
from simulations.delivery.models import Sink
from simulations.delivery.registry import Outcome
from simulations.delivery.targets import TargetRejected, TargetUnresolvable, check_target

SECRET_PREFIX = "whsec_"  # noqa: S105 - the format prefix, not a secret
RETRIED_STATUSES = {408, 425, 429}
_event_id = operator.itemgetter(0)


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
    digest = hashlib.sha256("\n".join(map(_event_id, events)).encode()).hexdigest()
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


def signature(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">``, what ``standardwebhooks.Webhook.sign`` gives,
    hashed over the body's bytes as they are (the package builds and encodes one more copy of the text: at ~40 KB
    per request, more than the HMAC itself)."""
    mac = hmac.new(key, f"{msg_id}.{timestamp}.".encode(), hashlib.sha256)
    mac.update(body)
    return "v1," + base64.b64encode(mac.digest()).decode()


def signed_headers(key: bytes, msg_id: str, body: bytes) -> dict[str, str]:
    timestamp = int(time.time())
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(key, msg_id, timestamp, body),
        "user-agent": "crmsim-webhooks/1",
    }


class WebhookClient:
    """One sink's HTTP client: a keep-alive connection, the signing key, the target check before every request."""

    def __init__(self, sink: Sink, secret: str):
        self.url = sink.url
        self.max_events = max(1, sink.batch_size)
        self.key = base64.b64decode(secret.removeprefix(SECRET_PREFIX) + "==")  # as standardwebhooks reads it
        self.timeout = settings.CRMSIM_DELIVERY_TIMEOUT_SECONDS
        self.pool: urllib3.HTTPConnectionPool | None = None
        self.path = "/"

    def _connection(self) -> urllib3.HTTPConnectionPool:
        """The keep-alive connection pool (one connection), opened once the URL passed ``check_target``."""
        if self.pool is None:
            target = urllib3.util.parse_url(self.url)
            tls = {"cert_reqs": "CERT_REQUIRED", "ca_certs": certifi.where()} if target.scheme == "https" else {}
            timeout = urllib3.Timeout(self.timeout)
            self.pool = urllib3.connection_from_url(self.url, maxsize=1, retries=False, timeout=timeout, **tls)
            self.path = target.request_uri
        return self.pool

    def _post(self, msg_id: str, body: bytes) -> Outcome:
        try:
            check_target(self.url)
        except TargetUnresolvable as exc:
            return Outcome("retry", detail=str(exc))
        except TargetRejected as exc:
            return Outcome("gone", detail=str(exc))
        headers = signed_headers(self.key, msg_id, body)
        try:
            response = self._connection().urlopen(
                "POST", self.path, body=body, headers=headers, redirect=False, retries=False
            )
        except urllib3.exceptions.NewConnectionError as exc:
            return Outcome("retry", detail=f"cannot connect: {exc}"[:300])
        except urllib3.exceptions.TimeoutError:
            return Outcome("retry", detail=f"timed out after {self.timeout:g} s")
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            return Outcome("retry", detail=f"{type(exc).__name__}: {exc}"[:300])
        status = response.status
        detail = f"HTTP {status}: {response.data[:200].decode('utf-8', 'replace')}".strip()
        if 200 <= status < 300:
            return Outcome("delivered", status)
        if status == 410:
            return Outcome("gone", status, detail)
        if status in RETRIED_STATUSES or status >= 500:
            return Outcome("retry", status, detail, retry_after_seconds(response.headers.get("retry-after")))
        return Outcome("rejected", status, detail)

    def send(self, events: Sequence[Event], simulation_id: int) -> Outcome:
        return self._post(message_id(events), request_body(events))

    def ping(self) -> Outcome:
        """One signed ``{"events": [{"type": "ping", ...}]}`` request."""
        now = dt.datetime.now(dt.UTC)
        event = {"id": "ping", "type": "ping", "simulation": None, "occurred_at": now.strftime("%Y-%m-%dT%H:%M:%SZ")}
        text = json.dumps({"events": [{**event, "data": {}}]}, separators=(",", ":"))
        return self._post(f"msg_ping_{int(now.timestamp())}", text.encode())

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
