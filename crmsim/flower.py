"""The Procfile's ``flower`` role: Celery's dashboard, never open to anyone by accident.

``python -m crmsim.flower`` starts ``celery -A crmsim flower`` bound to ``FLOWER_ADDRESS`` (default 127.0.0.1)
on ``FLOWER_PORT`` (default 5555) and refuses to start unless ``FLOWER_BASIC_AUTH`` holds
``user:password[,user:password...]`` (Flower reads that variable itself, so the password never appears on a
command line) or ``CRMSIM_FLOWER_NO_AUTH=1`` says an authenticating proxy stands in front. docs/operations.md
says how to reach it (ssh tunnel or reverse proxy).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping


class FlowerConfigError(Exception):
    """The role's environment would expose Flower, or is malformed; the message says what to set."""


def flower_command(environ: Mapping[str, str]) -> list[str]:
    """The ``celery flower`` command line for ``environ``; FlowerConfigError when it must not start."""
    credentials = environ.get("FLOWER_BASIC_AUTH", "").strip()
    if credentials:
        for entry in credentials.split(","):
            user, _, password = entry.partition(":")
            if not user.strip() or not password:
                raise FlowerConfigError("FLOWER_BASIC_AUTH must be user:password[,user:password...].")
    elif environ.get("CRMSIM_FLOWER_NO_AUTH", "").strip().lower() not in ("1", "true", "yes", "on"):
        raise FlowerConfigError(
            "Flower refuses to start without authentication: set FLOWER_BASIC_AUTH=user:password, or "
            "CRMSIM_FLOWER_NO_AUTH=1 if an authenticating reverse proxy stands in front (docs/operations.md)."
        )
    address = environ.get("FLOWER_ADDRESS", "127.0.0.1")
    port = environ.get("FLOWER_PORT", "5555")
    if not port.isdigit():
        raise FlowerConfigError(f"FLOWER_PORT must be a port number, got {port!r}.")
    return ["celery", "-A", "crmsim", "flower", f"--address={address}", f"--port={port}"]


def main() -> None:
    try:
        command = flower_command(os.environ)
    except FlowerConfigError as exc:
        sys.exit(f"flower: {exc}")
    os.execvp(command[0], command)  # noqa: S606 - a fixed program name; arguments come from the checks above


if __name__ == "__main__":
    main()
