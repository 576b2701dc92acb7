"""Add the ``closeRush`` leaf (issue 14: the month-end close rush, a constant before) to every preset that
predates it: built-in presets are reset to scenarios/builtin.py; a staff preset gets its style's built-in value
(B2B 0.4 with guardrails [0, 0.8], B2C 0 with [0, 0.3]), which is what engine 3 and 4 used for it."""

from django.db import migrations

from scenarios.builtin import add_leaf_to_presets


def add_leaf(apps, schema_editor):
    add_leaf_to_presets(apps.get_model("scenarios", "ScenarioPreset"), "closeRush")


class Migration(migrations.Migration):
    dependencies = [("scenarios", "0005_seasonal_slowdown")]

    operations = [migrations.RunPython(add_leaf, migrations.RunPython.noop)]
