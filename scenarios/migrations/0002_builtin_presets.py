"""Create the built-in B2B and B2C presets (values and reasons: scenarios/builtin.py, docs/scenarios.md)."""

from django.db import migrations

from scenarios.builtin import BUILTIN_PRESETS, install_builtin_presets


def create_builtins(apps, schema_editor):
    install_builtin_presets(apps.get_model("scenarios", "ScenarioPreset"))


def remove_builtins(apps, schema_editor):
    ScenarioPreset = apps.get_model("scenarios", "ScenarioPreset")
    ScenarioPreset.objects.filter(slug__in=[p["slug"] for p in BUILTIN_PRESETS], is_builtin=True).delete()


class Migration(migrations.Migration):
    dependencies = [("scenarios", "0001_initial")]

    operations = [migrations.RunPython(create_builtins, remove_builtins)]
