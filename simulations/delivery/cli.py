"""Shell helpers for sinks: the quick ``--webhook URL --webhook-secret whsec_...`` sink, and the sink table."""

from __future__ import annotations

from typing import Any

from simulations.cli import table
from simulations.delivery.models import Sink
from simulations.delivery.services import create_sink, update_sink


def cli_webhook_sink(*, owner: Any, url: str, secret: str) -> Sink:
    """The owner's webhook sink for ``url`` (created, or its secret replaced); raises SinkInputError."""
    existing = Sink.objects.filter(owner=owner, kind=Sink.Kind.WEBHOOK, url=url).first()
    if existing is not None:
        return update_sink(sink=existing, secret=secret, enabled=True)
    return create_sink(owner=owner, kind=Sink.Kind.WEBHOOK, name=f"webhook {url}"[:100], url=url, secret=secret)


def sink_table(sinks: list[dict[str, Any]]) -> str:
    def ms(value: float | None) -> str:
        return "-" if value is None else f"{value:,.0f}"

    rows = [
        [s["name"], s["delivered"], s["failed"], s["deadLettered"], s["pending"], ms(s["lag"]["p50Ms"]),
         ms(s["lag"]["p99Ms"]), "on" if s["enabled"] else f"off: {s['disabledReason']}"]
        for s in sinks
    ]  # fmt: skip
    headers = ["sink", "delivered", "failed req", "dead-lettered", "pending", "lag p50 ms", "lag p99 ms", "state"]
    return table(headers, rows)
