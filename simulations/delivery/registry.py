"""The sink interface and the table of implementations: a new target (Salesforce, a message queue) is one module
that implements ``SinkClient`` plus one line in ``KINDS``.

A client receives events already ordered and batched by ``deliver.deliver_slot`` and answers with an
``Outcome``; it never touches the database. Delivery bookkeeping (watermarks, retries, dead letters) is the
same for every kind.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from simulations.delivery.events import Event
from simulations.delivery.models import Sink

OutcomeKind = Literal["delivered", "retry", "rejected", "gone"]


@dataclass(frozen=True)
class Outcome:
    """What one send did.

    - ``delivered``: every event reached the target (per-record errors, if any, listed in ``record_errors``);
    - ``retry``: a transient failure (timeout, connection error, 429, 5xx); ``retry_after`` seconds when the target
      said so;
    - ``rejected``: the target refused the request for good (e.g. 400); dead-lettered at once;
    - ``gone``: the target asked never to be called again (webhook 410) or may not be called (forbidden address):
      the sink is disabled.
    """

    kind: OutcomeKind
    status: int | None = None
    detail: str = ""
    retry_after: float | None = None
    requests: int = 1
    record_errors: list[str] = field(default_factory=list)


class SinkClient(Protocol):
    max_events: int
    """Most events per ``send``."""

    def send(self, events: Sequence[Event], simulation_id: int) -> Outcome: ...

    def ping(self) -> Outcome: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class SinkKind:
    """How to build a client for a stored sink, and how to validate a sink's configuration."""

    client: Callable[[Sink, str], SinkClient]
    """(sink, decrypted secret) -> client."""
    validate_secret: Callable[[str], str | None]
    """secret -> error message, or None when it is well formed."""
    default_url: str | None = None


def _kinds() -> Mapping[str, SinkKind]:
    from simulations.delivery import hubspot, webhook

    return {
        Sink.Kind.WEBHOOK: SinkKind(webhook.WebhookClient, webhook.secret_error),
        Sink.Kind.HUBSPOT: SinkKind(hubspot.HubSpotClient, hubspot.token_error, hubspot.DEFAULT_BASE_URL),
    }


def kind(name: str) -> SinkKind:
    return _kinds()[name]


def client_for(sink: Sink) -> SinkClient:
    from simulations.delivery.secrets import decrypt_secret

    return kind(sink.kind).client(sink, decrypt_secret(sink.secret_encrypted))


def describe(outcome: Outcome) -> dict[str, Any]:
    return {"outcome": outcome.kind, "status": outcome.status, "detail": outcome.detail}
