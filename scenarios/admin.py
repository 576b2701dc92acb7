"""Admin for scenario presets: one form field per schema leaf (value + guardrail bounds), errors on the field."""

from __future__ import annotations

import copy
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from scenarios.models import ScenarioPreset
from scenarios.parameters import SCHEMA, SPECS, InvalidParameters, ParameterSpec, get_leaf, set_leaf
from scenarios.validation import check_preset


def _value_name(spec: ParameterSpec) -> str:
    return "p__" + spec.path.replace(".", "__")


def _bound_name(spec: ParameterSpec, end: str) -> str:
    return f"g__{spec.path.replace('.', '__')}__{end}"


class RangeField(forms.Field):
    """A ``lo, hi`` pair of whole numbers, shown as text."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            return ", ".join(str(v) for v in value)
        return value

    def to_python(self, value: Any) -> list[int] | None:
        text = "" if value is None else str(value).strip()
        if not text:
            return None
        parts = [p.strip() for p in str(text).strip("[]").split(",")]
        try:
            pair = [int(p) for p in parts]
        except ValueError:
            raise forms.ValidationError("Enter two whole numbers: lo, hi.") from None
        if len(pair) != 2:
            raise forms.ValidationError("Enter two whole numbers: lo, hi.")
        return pair


def _value_field(spec: ParameterSpec) -> forms.Field:
    # The label in words (the schema's), the API's path in the help: long camelCase paths broke mid-word.
    label = f"{spec.label} ({spec.unit})"
    help_text = f"{spec.help} Path: {spec.path}."
    if spec.kind == "int_range":
        return RangeField(label=label, help_text=help_text)
    if spec.kind == "int":
        return forms.IntegerField(label=label, help_text=help_text)
    return forms.FloatField(label=label, help_text=help_text)


def _schema_fields() -> dict[str, forms.Field]:
    fields: dict[str, forms.Field] = {}
    for spec in SCHEMA:
        fields[_value_name(spec)] = _value_field(spec)
        for end in ("min", "max"):
            fields[_bound_name(spec, end)] = forms.FloatField(
                label=f"{spec.label}: guardrail {end}",
                help_text=f"Hard limit {spec.hard_min:g}..{spec.hard_max:g}.",
            )
    return fields


def _faulty_bound(spec: ParameterSpec, low: float | None, high: float | None) -> str:
    """Which guardrail field a problem belongs under: the bound outside the hard limits, else min."""
    if high is not None and high > spec.hard_max and not (low is not None and low < spec.hard_min):
        return "max"
    return "min"


class _PresetFormBase(forms.ModelForm):
    """Edits ``parameters`` and ``guardrails`` leaf by leaf; the JSON columns are rebuilt from the fields."""

    class Meta:
        model = ScenarioPreset
        fields = ("slug", "name", "description")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instance = self.instance
        for spec in SCHEMA:
            if instance.pk is not None:
                try:
                    self.initial[_value_name(spec)] = get_leaf(instance.parameters, spec.path)
                    low, high = instance.guardrails[spec.path]
                    self.initial[_bound_name(spec, "min")] = low
                    self.initial[_bound_name(spec, "max")] = high
                except (KeyError, TypeError, ValueError):
                    pass
        if instance.pk is not None and instance.is_builtin:
            self.fields["slug"].disabled = True

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        parameters: dict[str, Any] = copy.deepcopy(self.instance.parameters or {}) if self.instance.pk else {}
        parameters.setdefault("dealAmount", {})["distribution"] = "lognormal"
        guardrails: dict[str, list[float]] = {}
        for spec in SCHEMA:
            value = cleaned.get(_value_name(spec))
            if value is not None:
                set_leaf(parameters, spec.path, value)
            low, high = cleaned.get(_bound_name(spec, "min")), cleaned.get(_bound_name(spec, "max"))
            if low is not None and high is not None:
                guardrails[spec.path] = [low, high]
        if self.errors:
            return cleaned
        problems = check_preset(parameters, guardrails)
        # Every problem at once, each under its own field: a guardrail's under the bound that is wrong, a value's
        # under the value (judged against its own guardrail where that one is sound, else the hard limits).
        for path, messages in problems.guardrails.items():
            leaf = SPECS.get(path)
            field = None
            if leaf is not None:
                low, high = cleaned.get(_bound_name(leaf, "min")), cleaned.get(_bound_name(leaf, "max"))
                field = _bound_name(leaf, _faulty_bound(leaf, low, high))
            self.add_error(field, messages)
        for path, messages in problems.parameters.items():
            self.add_error(_value_name(SPECS[path]) if path in SPECS else None, [f"{path}: {m}" for m in messages])
        self.instance.parameters = parameters
        self.instance.guardrails = guardrails
        return cleaned

    def _post_clean(self) -> None:
        # The model's clean() repeats the schema checks on the JSON columns, which this form has no fields for;
        # when the per-leaf checks above already failed, their errors (on the right fields) are the whole story.
        if not self._errors:  # type: ignore[attr-defined]
            super()._post_clean()  # type: ignore[misc]


# The schema's fields are declared on the class (the admin only accepts declared form fields).
ScenarioPresetForm = type("ScenarioPresetForm", (_PresetFormBase,), _schema_fields())


@admin.register(ScenarioPreset)
class ScenarioPresetAdmin(admin.ModelAdmin):
    form = ScenarioPresetForm
    list_display = ("slug", "name", "is_builtin", "version", "updated_at")
    search_fields = ("slug", "name")
    readonly_fields = ("is_builtin", "version", "created_at", "updated_at", "resolved_preview")

    class Media:
        css = {"all": ["scenarios/admin/preset.css"]}  # value, min and max in even columns

    def get_fieldsets(self, request: HttpRequest, obj: ScenarioPreset | None = None) -> Any:
        rows = [(_value_name(spec), _bound_name(spec, "min"), _bound_name(spec, "max")) for spec in SCHEMA]
        return (
            (None, {"fields": ("slug", "name", "description")}),
            (
                "Parameters and guardrails (value, min, max)",
                {"fields": rows, "classes": ["preset-leaves"]},
            ),
            ("Resolved preview", {"fields": ("resolved_preview",)}),
            ("Record", {"fields": ("is_builtin", "version", "created_at", "updated_at")}),
        )

    @admin.display(description="Resolved parameters")
    def resolved_preview(self, obj: ScenarioPreset) -> str:
        if obj.pk is None:
            return "Shown after the first save."
        try:
            leaves = obj.resolved().leaves()
        except InvalidParameters as exc:
            return exc.summary()
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{} .. {}</td></tr>",
            ((path, value, *obj.guardrails[path]) for path, value in leaves.items()),
        )
        return format_html(
            "<table><thead><tr><th>parameter</th><th>value</th><th>guardrails</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            rows,
        )

    def has_delete_permission(self, request: HttpRequest, obj: ScenarioPreset | None = None) -> bool:
        if obj is not None and obj.is_builtin:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request: HttpRequest) -> Any:
        # The bulk delete action would bypass the per-object protection of built-ins.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions
