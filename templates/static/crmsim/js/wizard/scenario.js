// Wizard step 2: which go-to-market scenario. A tile per preset with its key figures.

import { accentStyle, applyScenarioAccent } from "../accent.js";
import { h, heading, mount, uid } from "../dom.js";
import { fmtAmount, fmtNumber, fmtPercent } from "../format.js";
import { radioTiles } from "../widgets/tiles.js";
import { stepper, wizardFooter } from "./frame.js";

function facts(parameters) {
  const p = parameters;
  return h(
    "dl",
    { class: "facts" },
    h("dt", {}, "Sales cycle"),
    h("dd", {}, `${fmtNumber(p.avgSalesCycleDays)} days`),
    h("dt", {}, "Win rate"),
    h("dd", {}, fmtPercent(100 * p.dealWinRateBase, 0)),
    h("dt", {}, "Median deal"),
    h("dd", {}, fmtAmount(Math.exp(p.dealAmount.mu).toFixed(0))),
    h("dt", {}, "Leads per record"),
    h("dd", {}, fmtNumber(p.leadVolumeMultiplier)),
  );
}

export function renderScenarioStep(root, ctx, wizard) {
  const state = wizard.choices;
  const scenarios = wizard.catalog.scenarios;
  const titleId = uid("scenario-title");
  const notice = h("p", { class: "notice", role: "status" });
  const footer = wizardFooter(2, {
    canContinue: Boolean(state.scenario),
    reason: "Choose a scenario.",
    onContinue: () => ctx.navigate("#/wizard/3"),
  });
  const tiles = radioTiles({
    labelledBy: titleId,
    selected: state.scenario,
    className: "scenario-tiles",
    items: scenarios.map((preset) => ({
      value: preset.slug,
      title: preset.name,
      titleBadge: preset.isBuiltin ? null : "staff preset",
      description: preset.description,
      after: facts(preset.parameters),
    })),
    onSelect: (slug) => {
      applyScenarioAccent(slug);
      const hadOverrides = Object.keys(state.overrides).length > 0;
      state.scenario = slug;
      state.overrides = {};
      notice.textContent = hadOverrides ? "Tuning overrides were reset for the new scenario." : "";
      footer.update(true);
      wizard.saveDraft();
    },
  });
  for (const tile of tiles.querySelectorAll("[role=radio]")) tile.setAttribute("style", accentStyle(tile.dataset.value));
  mount(
    root,
    stepper(2),
    heading("Which go-to-market scenario?", 1, { id: titleId }),
    h("p", { class: "lead" }, "A scenario sets the funnel, deal sizes and sales cycle; you can tune it within its guardrails in step 4."),
    scenarios.length ? tiles : h("p", { class: "alert error", role: "alert" }, "No scenario presets exist. Ask staff to create one in the admin."),
    notice,
    footer,
  );
}
