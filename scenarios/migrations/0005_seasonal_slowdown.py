"""Add the ``seasonalSlowdown`` leaf (issue 14) to every preset that predates it.

Built-in presets are reset to scenarios/builtin.py; a staff preset gets the built-in value of its style (1 with
guardrails [0, 2] for B2B-style presets, 0 with [0, 0] for B2C-style ones, whose people keep no holiday seasons).
"""

from django.db import migrations

from scenarios.builtin import add_leaf_to_presets


def add_leaf(apps, schema_editor):
    add_leaf_to_presets(apps.get_model("scenarios", "ScenarioPreset"), "seasonalSlowdown")


class Migration(migrations.Migration):
    dependencies = [("scenarios", "0004_builtin_path_parameters")]

    operations = [migrations.RunPython(add_leaf, migrations.RunPython.noop)]
