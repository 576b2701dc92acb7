"""ASGI entry point."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crmsim.settings")
application = get_asgi_application()

from crmsim.startup import run_web_startup_hooks  # noqa: E402 - needs the settings configured above

run_web_startup_hooks()
