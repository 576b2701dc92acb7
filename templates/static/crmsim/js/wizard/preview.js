// Wizard step 4: the preview (POST /api/scenarios/{slug}/preview/) and tuning. The preview refreshes 350 ms after
// the last valid edit; an invalid tuning value is flagged inline and never sent.

import { ApiError, api } from "../api.js";
import { errorPanel, h, heading, mount } from "../dom.js";
import { fmtInt } from "../format.js";
import { arrivalsChart } from "../widgets/curves.js";
import { stepper, wizardFooter } from "./frame.js";
import { previewTables } from "./preview-tables.js";
import { markTuning, tuningPanel } from "./tuning.js";
import { tuningErrors } from "./validation.js";

const DEBOUNCE_MS = 350;
const WINDOW_FIELDS = /^(start|end|records|seed|distribution)/;

/** The API's 400 split into tuning paths ({leaf path: message}) and the rest ("path: message" lines). */
function splitErrors(error, detail) {
  const fieldErrors = error instanceof ApiError ? error.fieldErrors() : {};
  const tuning = {};
  const other = [];
  for (const [path, messages] of Object.entries(fieldErrors)) {
    const leaf = path.startsWith("overrides.") ? path.slice("overrides.".length) : path;
    if (detail.schema.some((s) => s.path === leaf)) tuning[leaf] = messages.join(" ");
    else other.push(`${path}: ${messages.join(" ")}`);
  }
  return { tuning, other };
}

export async function renderPreviewStep(root, ctx, wizard) {
  const detail = await wizard.scenarioDetail(wizard.choices.scenario);
  const drafts = {}; // text being edited in tuning inputs, by path
  const status = h("p", { class: "preview-status", role: "status", "aria-live": "polite" });
  const results = h("div", { class: "preview-results", "aria-busy": "false" });
  const chartBox = h("section", { class: "card chart-card", "aria-labelledby": "chart-title" });
  const serverErrors = h("div", { class: "server-errors" });
  let footer;
  let panel;
  let tuningOk = true;
  let previewOk = false;
  let timer = null;
  let sequence = 0; // only the latest request's answer is shown

  const updateFooter = () => {
    footer.update(tuningOk && previewOk, tuningOk ? "Waiting for a valid preview." : "Fix the highlighted tuning values to continue.");
  };

  const showPreview = (data) => {
    mount(
      chartBox,
      h("h2", { id: "chart-title" }, "Lead arrivals"),
      arrivalsChart(data.arrivals),
      h("p", { class: "hint" }, `${fmtInt(data.leads)} leads over ${fmtInt(data.arrivals.bins)} bins. Hover a bar for its count.`),
    );
    mount(results, previewTables(wizard, data));
  };

  const loadPreview = async () => {
    const cached = wizard.currentPreview();
    if (cached) {
      previewOk = true;
      showPreview(cached);
      status.textContent = "";
      updateFooter();
      return;
    }
    sequence += 1;
    const mine = sequence;
    const key = wizard.previewKey();
    previewOk = false;
    updateFooter();
    results.setAttribute("aria-busy", "true");
    status.textContent = "Computing the preview…";
    const { scenario, pace, timeScale, ...body } = wizard.selections();
    try {
      const data = await api.post(`/api/scenarios/${encodeURIComponent(scenario)}/preview/`, body);
      if (mine !== sequence) return;
      wizard.lastPreview = { key, data };
      mount(serverErrors);
      showPreview(data);
      previewOk = true;
      status.textContent = "Preview up to date.";
    } catch (error) {
      if (mine !== sequence) return;
      const { tuning, other } = splitErrors(error, detail);
      markTuning(panel, detail, tuning);
      if (Object.keys(tuning).length) tuningOk = false;
      mount(
        serverErrors,
        errorPanel(other.length ? `The preview was refused. ${other.join(" ")}` : error.message),
        other.some((text) => WINDOW_FIELDS.test(text)) ? h("p", {}, h("a", { href: "#/wizard/3" }, "Change the window and size")) : null,
      );
      status.textContent = "";
    } finally {
      if (mine === sequence) results.setAttribute("aria-busy", "false");
      updateFooter();
    }
  };

  const onChange = (leaf, reset = false) => {
    const { errors, values } = tuningErrors(wizard, detail, drafts);
    markTuning(panel, detail, errors);
    tuningOk = Object.keys(errors).length === 0;
    if (reset) {
      const fresh = tuningPanel(wizard, detail, drafts, onChange);
      panel.replaceWith(fresh);
      panel = fresh;
      panel.open = true;
    }
    if (tuningOk) {
      const overrides = {};
      for (const item of detail.schema) {
        const value = values[item.path];
        if (JSON.stringify(value) !== JSON.stringify(item.value)) overrides[item.path] = value;
      }
      wizard.choices.overrides = overrides;
      wizard.saveDraft();
      window.clearTimeout(timer);
      timer = window.setTimeout(loadPreview, DEBOUNCE_MS);
      status.textContent = "Updating the preview…";
    } else {
      window.clearTimeout(timer);
      status.textContent = "The preview shows the last valid values.";
    }
    updateFooter();
  };

  panel = tuningPanel(wizard, detail, drafts, onChange);
  footer = wizardFooter(4, {
    canContinue: false,
    reason: "Waiting for the preview.",
    onContinue: () => ctx.navigate("#/wizard/5"),
  });
  mount(
    root,
    stepper(4),
    heading("Preview"),
    h("p", { class: "lead" }, `What a ${detail.name} simulation with these inputs will produce. Nothing is stored yet.`),
    status,
    serverErrors,
    chartBox,
    results,
    panel,
    footer,
  );
  await loadPreview();
}
