"""factory-boy factories shared by the suite."""

from __future__ import annotations

import copy

import factory
from django.contrib.auth import get_user_model

from scenarios.builtin import B2B
from scenarios.models import ScenarioPreset


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("correct horse battery staple")


class StaffFactory(UserFactory):
    is_staff = True
    is_superuser = True


class ScenarioPresetFactory(factory.django.DjangoModelFactory):
    """A staff-made preset: a copy of B2B under another slug."""

    class Meta:
        model = ScenarioPreset

    slug = factory.Sequence(lambda n: f"custom-{n}")
    name = factory.LazyAttribute(lambda p: p.slug.title())
    description = "A staff-made preset for tests."
    parameters = factory.LazyFunction(lambda: copy.deepcopy(B2B["parameters"]))
    guardrails = factory.LazyFunction(lambda: copy.deepcopy(B2B["guardrails"]))
