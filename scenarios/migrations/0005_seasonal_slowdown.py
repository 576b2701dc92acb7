"""Add the ``seasonalSlowdown`` leaf (issue 14) to every preset that predates it.

Built-in presets are reset to scenarios/builtin.py; a staff preset gets the built-in value of its style (1 with
guardrails [0, 2] for B2B-style presets, 0 with [0, 0] for B2C-style ones, whose people keep no holiday seasons).
"""

from django.db import migrations

from scenarios.builtin import install_builtin_presets


def add_leaf(apps, schema_editor):
    ScenarioPreset = apps.get_model("scenarios", "ScenarioPreset")
    install_builtin_presets(ScenarioPreset)
    for preset in ScenarioPreset.objects.filter(is_builtin=False):
        if "seasonalSlowdown" in preset.parameters:
            continue
        scenario = str(preset.parameters.get("id", preset.slug)).lower()
        b2c = scenario == "b2c" or scenario.startswith("b2c-")
        preset.parameters["seasonalSlowdown"] = 0.0 if b2c else 1.0
        preset.guardrails["seasonalSlowdown"] = [0.0, 0.0] if b2c else [0.0, 2.0]
        preset.save(update_fields=["parameters", "guardrails"])


class Migration(migrations.Migration):
    dependencies = [("scenarios", "0004_builtin_path_parameters")]

    operations = [migrations.RunPython(add_leaf, migrations.RunPython.noop)]
