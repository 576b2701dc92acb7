"""Start-up of a web server process: run the hooks the settings name (CRMSIM_WEB_STARTUP_HOOKS).

Called from ``crmsim.wsgi`` and ``crmsim.asgi`` once the application is loaded, i.e. in gunicorn's workers and in
``runserver``, never in management commands or the test client. The hooks are named by dotted path so this bottom
layer imports no app (docs/architecture.md, layers).
"""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string


def run_web_startup_hooks() -> None:
    """Call every hook in CRMSIM_WEB_STARTUP_HOOKS, in order. A hook must not raise (it logs its own failures)."""
    for path in settings.CRMSIM_WEB_STARTUP_HOOKS:
        import_string(path)()
