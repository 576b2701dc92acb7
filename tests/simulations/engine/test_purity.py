"""The engine is pure: importing it (and generating with it) needs no Django settings and no database layer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

PROBE = """
import json, sys
import simulations.engine as engine
from scenarios.builtin import B2B
from scenarios.parameters import ScenarioParameters
inputs = engine.SimulationInputs(
    parameters=ScenarioParameters.from_json(B2B["parameters"]), distribution="linear", distribution_params=(),
    start=1735689600, end=1743465600, records=50, seed=7,
)
engine.count_plan(inputs)
from django.conf import settings
print(json.dumps({
    "configured": settings.configured,
    "django_db": sorted(m for m in sys.modules if m == "django.db" or m.startswith("django.db.")),
    "apps_ready": sys.modules["django.apps"].apps.ready if "django.apps" in sys.modules else False,
}))
"""


def test_the_engine_imports_and_plans_without_django_settings() -> None:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    state = json.loads(result.stdout.strip().splitlines()[-1])
    assert state == {"configured": False, "django_db": [], "apps_ready": False}
