"""A webhook receiver for the tests, run as its own process: ``python -m tests.simulations.delivery.receiver``.

It verifies every request with the ``standardwebhooks`` package (what a user's receiver would do), counts
unsigned or badly signed requests, and appends each accepted event to an NDJSON log in arrival order
(``{"msg": webhook-id, "id": event id, "type": ..., "data": ...}``), which the tests read.

Misbehaviour is switched over HTTP, ``POST /__control`` with any of: ``fail_rate`` (share of requests answered
500, drawn from a seeded generator), ``slow_seconds`` (delay before answering), ``status`` (answer every request
with it, e.g. 410 or 429; only the next ``status_count`` requests when that is set), ``retry_after`` (header sent
with it). ``GET /__state`` returns the counters and request times.
"""

from __future__ import annotations

import argparse
import json
import random
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


class State:
    def __init__(self, secret: str, log_path: str, seed: int):
        self.webhook = Webhook(secret)
        self.log = open(log_path, "a", encoding="utf-8")  # noqa: SIM115 - lives as long as the process
        self.lock = threading.Lock()
        self.random = random.Random(seed)
        self.control: dict[str, Any] = {
            "fail_rate": 0.0,
            "slow_seconds": 0.0,
            "status": None,
            "status_count": None,
            "retry_after": None,
        }
        self.counts = {"requests": 0, "accepted": 0, "events": 0, "failed": 0, "unsigned": 0, "bad_signature": 0}
        self.request_times: list[float] = []


class Handler(BaseHTTPRequestHandler):
    server: Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests read the state, not the access log."""

    def _reply(self, status: int, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body or {}).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        state = self.server.state
        with state.lock:
            self._reply(200, {**state.counts, "control": state.control, "request_times": state.request_times})

    def do_POST(self) -> None:
        state = self.server.state
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        if self.path == "/__control":
            with state.lock:
                state.control.update(json.loads(body))
            self._reply(200, state.control)
            return
        with state.lock:
            state.counts["requests"] += 1
            state.request_times.append(time.time())
            control = dict(state.control)
            fail = state.random.random() < control["fail_rate"]
            if state.control["status_count"] is not None:
                state.control["status_count"] -= 1
                if state.control["status_count"] <= 0:
                    state.control["status"] = state.control["status_count"] = None
        headers = {k.lower(): v for k, v in self.headers.items()}
        if not all(h in headers for h in ("webhook-id", "webhook-timestamp", "webhook-signature")):
            with state.lock:
                state.counts["unsigned"] += 1
            self._reply(400, {"error": "unsigned"})
            return
        try:
            payload = state.webhook.verify(body, headers)
        except WebhookVerificationError:
            with state.lock:
                state.counts["bad_signature"] += 1
            self._reply(400, {"error": "bad signature"})
            return
        if control["slow_seconds"]:
            time.sleep(control["slow_seconds"])
        extra = {"retry-after": str(control["retry_after"])} if control["retry_after"] is not None else {}
        if control["status"] is not None:
            with state.lock:
                state.counts["failed"] += 1
            self._reply(int(control["status"]), {"error": "told to"}, extra)
            return
        if fail:
            with state.lock:
                state.counts["failed"] += 1
            self._reply(500, {"error": "random failure"})
            return
        with state.lock:
            state.counts["accepted"] += 1
            for event in payload["events"]:
                state.counts["events"] += 1
                state.log.write(json.dumps({"msg": headers["webhook-id"], **event}) + "\n")
            state.log.flush()
        self._reply(200, {"ok": True})


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], state: State):
        super().__init__(address, Handler)
        self.state = state


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--fail-rate", type=float, default=0.0)
    args = parser.parse_args()
    state = State(args.secret, args.log, args.seed)
    state.control["fail_rate"] = args.fail_rate
    server = Server(("127.0.0.1", args.port), state)
    print(f"listening on {args.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
