"""The custom user model and its simulation profile."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models

from simulations.wizard_profile import profile_errors
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

VALID_PROFILE = {
    "scenario": "b2b",
    "distribution": "business_hours",
    "distributionParams": {},
    "overrides": {"dealWinRateBase": 0.6, "touchpointDensity.callsPerLead": [1, 3]},
    "start": "2026-01-01",
    "end": "2026-04-01T00:00:00Z",
    "records": 1000,
    "seed": 42,
    "pace": "backfill",
    "timeScale": 1440,
    "muted": False,
}


def test_the_user_model_has_a_json_profile_defaulting_to_an_empty_object() -> None:
    field = get_user_model()._meta.get_field("simulation_profile")
    assert isinstance(field, models.JSONField)
    assert UserFactory().simulation_profile == {}


def test_a_valid_profile_is_saved_and_read_back() -> None:
    user = UserFactory()
    user.simulation_profile = VALID_PROFILE
    user.save()
    user.refresh_from_db()
    assert user.simulation_profile == VALID_PROFILE


@pytest.mark.parametrize(
    ("profile", "path"),
    [
        ({"records": 0}, "records"),
        ({"records": "many"}, "records"),
        ({"seed": -1}, "seed"),
        ({"pace": "ludicrous"}, "pace"),
        ({"start": "yesterday"}, "start"),
        ({"timeScale": 0}, "timeScale"),
        ({"overrides": {"dealWinRateBase": 1.5}}, "overrides.dealWinRateBase"),
        ({"overrides": {"noSuchThing": 1}}, "overrides.noSuchThing"),
        ({"overrides": []}, "overrides"),
        ({"favouriteColour": "blue"}, "favouriteColour"),
    ],
)
def test_an_invalid_profile_is_a_clear_error_naming_the_path(profile: dict[str, Any], path: str) -> None:
    assert path in profile_errors(profile)
    user = UserFactory()
    user.simulation_profile = profile
    with pytest.raises(ValidationError) as info:
        user.save()
    assert any(message.startswith(f"{path}:") for message in info.value.messages)
    user.refresh_from_db()
    assert user.simulation_profile == {}


def test_a_profile_that_is_not_an_object_is_rejected() -> None:
    assert profile_errors(["b2b"]) == {"simulation_profile": ["Must be an object."]}
