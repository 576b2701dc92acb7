"""Users and simulations."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models

from simulations.profile import validate_profile


class User(AbstractUser):
    """crmsim's user: Django's, plus the latest wizard selections in ``simulation_profile``."""

    simulation_profile = models.JSONField(
        default=dict,
        blank=True,
        validators=[validate_profile],
        help_text="Latest selections: scenario, distribution and its params, overrides, window, records, seed, pace.",
    )

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The profile is validated on every write, not only through forms.
        validate_profile(self.simulation_profile)
        super().save(*args, **kwargs)
