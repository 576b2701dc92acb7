"""Which simulations a user may see: the one rule every view, command and admin page applies."""

from __future__ import annotations

from django.db.models import QuerySet, Sum

from crmsim.vocabulary import RECORD_TYPES
from simulations.models import Simulation, User


def simulations_visible_to(user: User) -> QuerySet[Simulation]:
    """A user sees their own simulations; staff see all."""
    queryset = Simulation.objects.select_related("owner")
    return queryset if user.is_staff else queryset.filter(owner=user)


def simulations_with_counts_visible_to(user: User) -> QuerySet[Simulation]:
    """simulations_visible_to, with the slots' processed counters summed in the same query
    (``processed_sum_<record type>``), for views that show many simulations' progress."""
    return simulations_visible_to(user).annotate(
        **{f"processed_sum_{t}": Sum(f"slots__processed_{t}") for t in RECORD_TYPES}
    )
