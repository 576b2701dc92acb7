"""Scenario presets: the parameter trees users start from, with the guardrails their overrides must respect."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from scenarios.parameters import ScenarioParameters
from scenarios.validation import check_preset, validate_guardrails, validate_parameters


class ScenarioPreset(models.Model):
    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    parameters = models.JSONField(help_text="The scenario's parameter tree (see docs/scenarios.md).")
    guardrails = models.JSONField(help_text="{parameter path: [min, max]} bounds for user overrides.")
    is_builtin = models.BooleanField(default=False, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-is_builtin", "slug")

    def __str__(self) -> str:
        return f"{self.name} ({self.slug})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            self.version += 1
        if isinstance(self.parameters, dict):
            self.parameters["id"] = self.slug
        super().save(*args, **kwargs)

    def clean(self) -> None:
        """Validate guardrails, then the parameters against them; errors name each parameter path."""
        problems = check_preset(self.parameters, self.guardrails)
        errors = {
            column: [f"{path}: {' '.join(msgs)}" for path, msgs in sorted(by_path.items())]
            for column, by_path in (("guardrails", problems.guardrails), ("parameters", problems.parameters))
            if by_path
        }
        if errors:
            raise ValidationError(errors)

    def resolved(self) -> ScenarioParameters:
        """The preset's own parameters, validated and frozen (no overrides)."""
        return validate_parameters(self.parameters, validate_guardrails(self.guardrails))
