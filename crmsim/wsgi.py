"""WSGI entry point (gunicorn crmsim.wsgi; runserver loads it too)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crmsim.settings")
application = get_wsgi_application()

from crmsim.startup import run_web_startup_hooks  # noqa: E402 - needs the settings configured above

run_web_startup_hooks()
