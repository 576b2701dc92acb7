"""Give the built-in presets the engine-4 path parameters (funnelPaths, dealPaths: scenarios/builtin.py).

Staff-made presets are left as they are: a preset without these leaves runs with their defaults."""

from django.db import migrations

from scenarios.builtin import install_builtin_presets


def update_builtins(apps, schema_editor):
    install_builtin_presets(apps.get_model("scenarios", "ScenarioPreset"))


class Migration(migrations.Migration):
    dependencies = [("scenarios", "0003_deal_outcomes")]

    operations = [migrations.RunPython(update_builtins, migrations.RunPython.noop)]
