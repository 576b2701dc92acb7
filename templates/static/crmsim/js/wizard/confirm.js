// Wizard step 5: the summary, then "Save and start": PUT /api/profile/ and POST /api/simulations/ (autoStart).

import { ApiError, api } from "../api.js";
import { announce, errorPanel, h, heading, mount } from "../dom.js";
import { fmtInt, fmtNumber, fmtValue } from "../format.js";
import { sinkChooser } from "../sinks/attach.js";
import { paceLabel } from "../vocabulary.js";
import { stepper } from "./frame.js";

function summary(wizard, preview) {
  const state = wizard.choices;
  const method = wizard.distributionOf(state.distribution);
  const preset = wizard.scenarioOf(state.scenario);
  const overrides = Object.entries(state.overrides);
  const settings = Object.entries(wizard.currentParams()).map(([k, v]) => `${k} = ${Array.isArray(v) ? v.map(fmtNumber).join(", ") : fmtNumber(v)}`);
  const row = (label, value, id) => [h("dt", {}, label), h("dd", id ? { id } : {}, value)];
  const labels = new Map((wizard.details.get(state.scenario)?.schema || []).map((leaf) => [leaf.path, leaf.label]));
  // Records are what was asked for; the scenario's lead multiplier turns them into the leads the run makes.
  const records = preview
    ? `${fmtInt(Number(state.records))} requested × lead multiplier ${fmtNumber(preview.parameters.leadVolumeMultiplier)} = ${fmtInt(preview.leads)} leads`
    : fmtInt(Number(state.records));
  return h(
    "dl",
    { class: "summary card", id: "confirm-summary" },
    row("Distribution", method ? method.label : state.distribution),
    method && method.params.length ? row("Distribution settings", settings.join("; ")) : null,
    row("Scenario", preset ? preset.name : state.scenario),
    row("Tuning", overrides.length ? overrides.map(([k, v]) => `${labels.get(k) || k} = ${fmtValue(v)}`).join("; ") : "none (preset values)"),
    row("Window (UTC)", `${state.start} → ${state.end}`),
    row("Records", records, "confirm-records"),
    row("Seed", `${wizard.effectiveSeed()}${wizard.seedIsDrawn() ? " (drawn at random for this visit)" : ""}`, "confirm-seed"),
    row("Pace", wizard.isLive() ? `${paceLabel(state.pace)} at ${fmtNumber(Number(state.timeScale))}×` : paceLabel(state.pace)),
    preview ? row("Planned", `${fmtInt(preview.leads)} leads, ${fmtInt(preview.planned.deals)} deals, ${fmtInt(preview.planned.activities)} activities`) : null,
  );
}

export function renderConfirmStep(root, ctx, wizard) {
  const preview = wizard.currentPreview();
  const errorBox = h("div", { class: "confirm-errors" });
  const sinks = sinkChooser();
  const start = async (event) => {
    const button = event.currentTarget;
    if (button.getAttribute("aria-busy") === "true") return;
    button.setAttribute("aria-busy", "true");
    button.textContent = "Starting…";
    mount(errorBox);
    try {
      ctx.profile = await api.put("/api/profile/", { ...wizard.selections({ forProfile: true }), muted: ctx.muted() });
      // A blank seed runs with the visit's drawn seed, the one the preview used: what was seen is what runs.
      const body = { ...wizard.selections(), autoStart: true, sinks: sinks.selected() };
      const simulation = await api.post("/api/simulations/", body);
      wizard.clearDraft();
      wizard.lastPreview = null;
      announce(`Simulation ${simulation.id} started.`);
      ctx.navigate(`#/simulations/${simulation.id}`);
    } catch (error) {
      button.removeAttribute("aria-busy");
      button.textContent = "Save and start";
      const messages = error instanceof ApiError ? Object.entries(error.fieldErrors()).map(([k, v]) => `${k}: ${v.join(" ")}`) : [];
      mount(errorBox, errorPanel(messages.length ? messages.join(" ") : error.message));
    }
  };
  mount(
    root,
    stepper(5),
    heading("Confirm and start"),
    h("p", { class: "lead" }, "Your selections are saved to your profile and the simulation starts right away."),
    summary(wizard, preview),
    sinks.element,
    errorBox,
    h(
      "div",
      { class: "wizard-footer" },
      h("a", { class: "button", href: "#/wizard/4", id: "wizard-back" }, "Back"),
      h("button", { type: "button", class: "button primary", id: "wizard-start", onclick: start }, "Save and start"),
    ),
  );
}
