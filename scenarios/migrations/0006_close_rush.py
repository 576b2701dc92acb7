"""Add the ``closeRush`` leaf (issue 14: the month-end close rush, a constant before) to every preset that
predates it: built-in presets are reset to scenarios/builtin.py; a staff preset gets its style's built-in value
(B2B 0.4 with guardrails [0, 0.8], B2C 0 with [0, 0.3]), which is what engine 3 and 4 used for it."""

from django.db import migrations

from scenarios.builtin import install_builtin_presets


def add_leaf(apps, schema_editor):
    ScenarioPreset = apps.get_model("scenarios", "ScenarioPreset")
    install_builtin_presets(ScenarioPreset)
    for preset in ScenarioPreset.objects.filter(is_builtin=False):
        if "closeRush" in preset.parameters:
            continue
        scenario = str(preset.parameters.get("id", preset.slug)).lower()
        b2c = scenario == "b2c" or scenario.startswith("b2c-")
        preset.parameters["closeRush"] = 0.0 if b2c else 0.4
        preset.guardrails["closeRush"] = [0.0, 0.3] if b2c else [0.0, 0.8]
        preset.save(update_fields=["parameters", "guardrails"])


class Migration(migrations.Migration):
    dependencies = [("scenarios", "0005_seasonal_slowdown")]

    operations = [migrations.RunPython(add_leaf, migrations.RunPython.noop)]
