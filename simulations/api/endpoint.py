"""The base of every view that takes a simulation id: the URL's simulation is resolved and authorized once.

In the spirit of sentry's ``ProjectEndpoint.convert_args``: after authentication and permissions,
``SimulationEndpoint.initial`` looks the ``pk`` URL argument up among the simulations the user may see
(``reads.visibility``) and keeps it as ``self.simulation``. Another user's simulation is a 404, never a 403,
so ids do not leak; no view below decides visibility itself.
"""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from rest_framework.request import Request

from crmsim.api import ApiView
from simulations.models import Simulation, User
from simulations.reads.visibility import simulations_visible_to


def signed_in_user(request: Request) -> User:
    """The request's user, for views behind IsAuthenticated (the default permission)."""
    return cast(User, request.user)


class SimulationEndpoint(ApiView):
    """Resolves ``kwargs["pk"]`` to ``self.simulation`` before the handler runs (404 when not visible)."""

    simulation: Simulation

    def visible_simulations(self) -> QuerySet[Simulation]:
        """The queryset the URL's simulation is looked up in; views that show counts annotate it."""
        return simulations_visible_to(signed_in_user(self.request))

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if hasattr(self, (request.method or "").lower()):  # a method the view lacks stays a 405, whatever the id
            self.simulation = self.reload_simulation(kwargs["pk"])

    def reload_simulation(self, pk: int) -> Simulation:
        """The visible simulation ``pk``, read afresh (e.g. after a state transition)."""
        return get_object_or_404(self.visible_simulations(), pk=pk)
