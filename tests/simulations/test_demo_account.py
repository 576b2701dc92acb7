"""The local demo account: `make run` creates it (DEBUG only) before the server starts, and never resets it."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from simulations.models import User

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def test_make_run_creates_the_demo_account_before_starting_the_server() -> None:
    commands = subprocess.run(["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    lines = [line for line in commands.splitlines() if "manage.py" in line]
    assert [line.split("manage.py ")[1].split()[0] for line in lines][-3:] == ["migrate", "demo_user", "runserver"]


def test_demo_user_creates_demo_demo_once_and_never_resets_its_password(settings: Any) -> None:
    settings.DEBUG = True
    call_command("demo_user")
    user = authenticate(username="demo", password="demo")
    assert user is not None and user.is_staff and user.is_superuser
    user.set_password("changed by its owner")
    user.save()
    call_command("demo_user")
    assert authenticate(username="demo", password="demo") is None
    assert User.objects.filter(username="demo").count() == 1


def test_demo_user_refuses_with_debug_off(settings: Any) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only created with DEBUG on"):
        call_command("demo_user")
    assert not User.objects.filter(username="demo").exists()
