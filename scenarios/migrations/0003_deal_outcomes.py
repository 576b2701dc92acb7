"""Issue 14 item 5: the ``dealOutcomes`` parameters. The built-in presets are reset to scenarios/builtin.py;
staff-made presets get the group of the built-in they resemble (``b2c-*`` slugs: B2C, others: B2B), values and
guardrails, so every stored preset stays valid under the schema."""

import copy

from django.db import migrations

from scenarios.builtin import B2B, B2C, install_builtin_presets


def add_deal_outcomes(apps, schema_editor):
    ScenarioPreset = apps.get_model("scenarios", "ScenarioPreset")
    install_builtin_presets(ScenarioPreset)
    for preset in ScenarioPreset.objects.filter(is_builtin=False):
        source = B2C if preset.slug.lower().startswith("b2c") else B2B
        parameters = dict(preset.parameters or {})
        guardrails = dict(preset.guardrails or {})
        parameters.setdefault("dealOutcomes", copy.deepcopy(source["parameters"]["dealOutcomes"]))
        for path, bounds in source["guardrails"].items():
            if path.startswith("dealOutcomes."):
                guardrails.setdefault(path, list(bounds))
        preset.parameters, preset.guardrails = parameters, guardrails
        preset.save(update_fields=["parameters", "guardrails"])


class Migration(migrations.Migration):
    dependencies = [("scenarios", "0002_builtin_presets")]

    operations = [migrations.RunPython(add_deal_outcomes, migrations.RunPython.noop)]
