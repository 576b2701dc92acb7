"""Create the built-in B2B and B2C presets (values and reasons: scenarios/builtin.py, docs/scenarios.md)."""

import copy

from django.db import migrations

from scenarios.builtin import BUILTIN_PRESETS


def create_builtins(apps, schema_editor):
    ScenarioPreset = apps.get_model("scenarios", "ScenarioPreset")
    for preset in BUILTIN_PRESETS:
        ScenarioPreset.objects.update_or_create(
            slug=preset["slug"],
            defaults={
                "name": preset["name"],
                "description": preset["description"],
                "parameters": copy.deepcopy(preset["parameters"]),
                "guardrails": copy.deepcopy(preset["guardrails"]),
                "is_builtin": True,
            },
        )


def remove_builtins(apps, schema_editor):
    ScenarioPreset = apps.get_model("scenarios", "ScenarioPreset")
    ScenarioPreset.objects.filter(slug__in=[p["slug"] for p in BUILTIN_PRESETS], is_builtin=True).delete()


class Migration(migrations.Migration):
    dependencies = [("scenarios", "0001_initial")]

    operations = [migrations.RunPython(create_builtins, remove_builtins)]
