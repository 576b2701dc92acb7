"""Sink delivery benchmarks (child of the suite; needs DATABASE_URL on a migrated database it may fill).

``python -m benchmarks.sinks --leads N [--batch-size 100]`` prints one ``BENCH_RESULT`` line with:

- webhook: crmsim's delivery (regenerate events from the engine, render, sign (Standard Webhooks), POST,
  record each outcome in the database) of every event of an N-lead backfill to a local receiver that acknowledges
  at once, as events/s; and plain clients POSTing the same pre-rendered batches (no generation, no signing, no
  bookkeeping) to the same receiver: ``urllib3`` (crmsim's own transport: ``ratio``, crmsim's share of the
  transport's speed) and ``requests`` (``ratio_vs_requests``). ``--rounds`` interleaved rounds (the delivery
  watermarks reset and the event caches dropped before each); the ratios are of the best of each side. CPU
  seconds too (``cpu_seconds``, ``cpu_ratio``: the plain urllib3 client's over crmsim's, crmsim's helper process
  that regenerates ranges ahead included), which a loaded host distorts less than wall time;
- hubspot: requests per record of the HubSpot sink against the local HubSpot-compatible server (the tests' one).

``python -m benchmarks.sinks --serve PORT`` is the acknowledging receiver (its own process).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import socket
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECRET = "whsec_" + "QkVOQ0hNQVJLLXNlY3JldC1rZXktMzItYnl0ZXMhIQ=="
TOKEN = "pat-na1-00000000-bench-0000-0000-000000000000"  # noqa: S105 - the local test server's token


class Ack(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()


def serve(port: int) -> None:
    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer(("127.0.0.1", port), Ack).serve_forever()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _spawn(args: list[str], port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen([sys.executable, "-m", *args], cwd=ROOT)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return process
        time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"{args[0]} did not listen on {port}")


def _children_cpu() -> float:
    """CPU seconds of this process's reaped children (the receiver runs until the end, so: crmsim's helper)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _post_urllib3(url: str, bodies: list[bytes]) -> float:
    """Seconds for a plain urllib3 client (crmsim's transport, same settings) to POST the bodies in turn."""
    import urllib3

    pool = urllib3.connection_from_url(url, maxsize=1, retries=False, timeout=urllib3.Timeout(10))
    path = urllib3.util.parse_url(url).request_uri
    headers = {"content-type": "application/json"}
    began = time.perf_counter()
    for body in bodies:
        status = pool.urlopen("POST", path, body=body, headers=headers, redirect=False, retries=False).status
        if status != 200:
            raise RuntimeError(f"the receiver answered {status}")
    seconds = time.perf_counter() - began
    pool.close()
    return seconds


def _post_requests(url: str, bodies: list[bytes]) -> float:
    """Seconds for a plain ``requests`` session (no proxies from the environment) to POST the bodies in turn."""
    import requests

    session = requests.Session()
    session.trust_env = False
    began = time.perf_counter()
    for body in bodies:
        session.post(url, data=body, headers={"content-type": "application/json"}, timeout=10).raise_for_status()
    seconds = time.perf_counter() - began
    session.close()
    return seconds


def measure(leads: int, batch_size: int, rounds: int = 3) -> dict[str, Any]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crmsim.settings")
    os.environ.setdefault("CRMSIM_ALLOW_PRIVATE_SINKS", "true")
    django.setup()
    import requests
    from django.conf import settings

    from scenarios.builtin import install_builtin_presets
    from scenarios.models import ScenarioPreset
    from simulations.delivery.drivers import drain_deliveries
    from simulations.delivery.events import clear_caches, events_for, request_body
    from simulations.delivery.models import Sink, SlotDelivery
    from simulations.delivery.services import create_sink
    from simulations.drivers.in_process import run_in_process
    from simulations.lifecycle.control import create_simulation
    from simulations.lifecycle.requests import SimulationRequest, engine_inputs
    from simulations.models import Simulation, User

    settings.CRMSIM_ALLOW_PRIVATE_SINKS = True
    settings.CRMSIM_HUBSPOT_BURST_LIMIT = 1_000_000
    install_builtin_presets(ScenarioPreset)
    owner, _ = User.objects.get_or_create(username="bench-sinks")
    start, end = dt.datetime(2026, 1, 1, tzinfo=dt.UTC), dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
    records = round(leads / 0.75)  # b2b's leadVolumeMultiplier

    def generated(sink: Sink) -> Simulation:
        """A backfilled simulation with the sink attached but held off, so generation is not timed."""
        request = SimulationRequest(scenario="b2b", records=records, seed=5, start=start, end=end)
        simulation = create_simulation(owner=owner, request=request, sink_ids=[sink.pk], start=True)
        Sink.objects.filter(pk=sink.pk).update(enabled=False)
        run_in_process(simulation)
        Sink.objects.filter(pk=sink.pk).update(enabled=True)
        simulation.refresh_from_db()
        return simulation

    port = _free_port()
    receiver = _spawn(["benchmarks.sinks", "--serve", str(port)], port)
    try:
        url = f"http://127.0.0.1:{port}/hooks"
        hook = create_sink(owner=owner, kind="webhook", name="bench", url=url, secret=SECRET, batch_size=batch_size)
        simulation = generated(hook)
        inputs = engine_inputs(simulation)
        bodies = []
        for slot in simulation.slots.order_by("index"):
            slot_events = events_for(inputs, simulation.pk, slot.index, inputs.start, inputs.end)
            for i in range(0, len(slot_events), batch_size):
                bodies.append(request_body(slot_events[i : i + batch_size]))
        samples: dict[str, list[float]] = {"crmsim": [], "plain_urllib3": [], "plain_requests": []}
        cpu: dict[str, list[float]] = {"crmsim": [], "crmsim_helper": [], "plain_urllib3": []}
        for _ in range(rounds):  # interleaved, so a noisy neighbour hurts every side alike
            SlotDelivery.objects.filter(simulation=simulation).update(
                since=int(simulation.window_start.timestamp()), offset=0, delivered=0, claimed_at=None
            )
            clear_caches()  # every round regenerates the events from the engine
            began, own, helpers = time.perf_counter(), time.process_time(), _children_cpu()
            drain_deliveries(simulation)
            samples["crmsim"].append(time.perf_counter() - began)
            cpu["crmsim_helper"].append(_children_cpu() - helpers)
            cpu["crmsim"].append(time.process_time() - own + cpu["crmsim_helper"][-1])
            events = sum(SlotDelivery.objects.filter(simulation=simulation).values_list("delivered", flat=True))
            own = time.process_time()
            samples["plain_urllib3"].append(_post_urllib3(url, bodies))
            cpu["plain_urllib3"].append(time.process_time() - own)
            samples["plain_requests"].append(_post_requests(url, bodies))
    finally:
        receiver.kill()
        receiver.wait()

    hub_port = _free_port()
    hub = _spawn(["tests.simulations.delivery.hubspot_server", "--port", str(hub_port), "--token", TOKEN,
                  "--burst", "1000000"], hub_port)  # fmt: skip
    try:
        portal = create_sink(
            owner=owner, kind="hubspot", name="bench", url=f"http://127.0.0.1:{hub_port}", secret=TOKEN
        )
        hub_simulation = generated(portal)
        drain_deliveries(hub_simulation)
        state = requests.get(f"http://127.0.0.1:{hub_port}/__state", timeout=10).json()
        hub_records = sum(SlotDelivery.objects.filter(simulation=hub_simulation).values_list("delivered", flat=True))
    finally:
        hub.kill()
        hub.wait()
    best = {name: min(seconds) for name, seconds in samples.items()}
    return {
        "leads": leads,
        "events": events,
        "batch_size": batch_size,
        "requests": len(bodies),
        "rounds": rounds,
        "samples_seconds": {name: [round(s, 3) for s in seconds] for name, seconds in samples.items()},
        "round_ratios": [round(u / c, 3) for c, u in zip(samples["crmsim"], samples["plain_urllib3"], strict=True)],
        "crmsim_seconds": round(best["crmsim"], 3),
        "crmsim_events_per_second": round(events / best["crmsim"]),
        "plain_seconds": round(best["plain_urllib3"], 3),
        "plain_events_per_second": round(events / best["plain_urllib3"]),
        "ratio": round(best["plain_urllib3"] / best["crmsim"], 3),
        "plain_requests_events_per_second": round(events / best["plain_requests"]),
        "ratio_vs_requests": round(best["plain_requests"] / best["crmsim"], 3),
        "cpu_seconds": {name: [round(s, 3) for s in seconds] for name, seconds in cpu.items()},
        "cpu_ratio": round(min(cpu["plain_urllib3"]) / min(cpu["crmsim"]), 3),
        "hubspot_records": hub_records,
        "hubspot_requests": state["requests"],
        "hubspot_requests_per_record": round(state["requests"] / hub_records, 5),
        "hubspot_max_batch": state["max_batch"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leads", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds of crmsim and the plain clients")
    parser.add_argument("--serve", type=int, metavar="PORT", help="run the acknowledging receiver")
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    print("BENCH_RESULT " + json.dumps(measure(args.leads, args.batch_size, args.rounds)), flush=True)


if __name__ == "__main__":
    main()
