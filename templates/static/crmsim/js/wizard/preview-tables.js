// Wizard step 4's result tables: planned records, deal outcomes and the resolved parameters (tuned ones marked).

import { h } from "../dom.js";
import { fmtAmount, fmtInt, fmtNumber, fmtPercent, fmtValue } from "../format.js";
import { paceLabel, recordTypes } from "../vocabulary.js";

/** The parameters tree as [dotted path, leaf] rows; the funnel's list of stages is keyed by stage name. */
function flatten(value, prefix = "", out = []) {
  if (Array.isArray(value) && value.length && typeof value[0] === "object") {
    for (const item of value) {
      const { stage, ...rest } = item;
      flatten(rest, `${prefix}${stage}.`, out);
    }
  } else if (value && typeof value === "object" && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) flatten(inner, `${prefix}${key}.`, out);
  } else {
    out.push([prefix.slice(0, -1), value]);
  }
  return out;
}

const row = (label, value, key) => h("tr", {}, h("th", { scope: "row" }, label), h("td", key ? { dataset: { key } } : {}, value));

// What an estimated preview (data.estimated) still counts exactly; every other figure is scaled from a smaller run.
const EXACT_TYPES = new Set(["owners", "companies", "contacts"]);

/** Why a preview plans no deals (a short window against the scenario's sales cycle), or null when it plans some. */
function noDealsNote(wizard, data) {
  if (data.planned.deals > 0) return null;
  const state = wizard.choices;
  const days = Math.round((Date.parse(`${state.end}T00:00:00Z`) - Date.parse(`${state.start}T00:00:00Z`)) / 86_400_000);
  return h(
    "p",
    { class: "alert", id: "preview-no-deals" },
    `No deals: a deal opens only when a lead reaches Opportunity, several funnel steps after it arrives. With this ` +
      `scenario's average sales cycle of ${fmtNumber(data.parameters.avgSalesCycleDays)} days, leads rarely get there ` +
      `within a ${fmtInt(days)}-day window. `,
    h("a", { href: "#/wizard/3" }, "Choose a longer window"),
    " to see deals.",
  );
}

function plannedCard(wizard, data) {
  const deals = data.deals;
  // "≈ " marks a figure scaled up from a run of data.sampledLeads leads (only when data.estimated).
  const approx = (text) => (data.estimated ? `≈ ${text}` : text);
  const realized = deals.realizedWinRate === null ? "—" : approx(fmtPercent(100 * deals.realizedWinRate));
  return h(
    "section",
    { class: "card", "aria-labelledby": "planned-title" },
    h("h2", { id: "planned-title" }, "Planned records"),
    data.estimated
      ? h(
          "p",
          { class: "hint", id: "preview-estimated" },
          `Estimated: figures marked ≈ are scaled up from the same simulation run at ${fmtInt(data.sampledLeads)} leads instead of ${fmtInt(data.leads)}; leads, owners, companies, contacts and arrivals are exact.`,
        )
      : null,
    h(
      "table",
      { class: "table numbers", id: "planned-table" },
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Record type"), h("th", { scope: "col" }, "Planned"))),
      h(
        "tbody",
        {},
        row("Leads", fmtInt(data.leads), "leads"),
        recordTypes().map(({ key, label }) => row(label, EXACT_TYPES.has(key) ? fmtInt(data.planned[key]) : approx(fmtInt(data.planned[key])), key)),
      ),
    ),
    noDealsNote(wizard, data),
    h("h3", {}, "Deal outcomes in the window"),
    h(
      "table",
      { class: "table numbers", id: "deals-table" },
      h(
        "tbody",
        {},
        row("Won", approx(fmtInt(deals.won)), "won"),
        row("Lost", approx(fmtInt(deals.lost)), "lost"),
        row("Still open", approx(fmtInt(deals.open)), "open"),
        row("Won amount", approx(fmtAmount(deals.wonAmount)), "wonAmount"),
        row("Open pipeline", approx(fmtAmount(deals.pipelineAmount)), "pipelineAmount"),
        row("Win rate (expected / realized)", `${fmtPercent(100 * deals.expectedWinRate)} / ${realized}`),
      ),
    ),
  );
}

function parameterCard(wizard, data) {
  const state = wizard.choices;
  const labels = new Map((wizard.details.get(state.scenario)?.schema || []).map((leaf) => [leaf.path, leaf.label]));
  const preset = wizard.scenarioOf(state.scenario);
  const overridden = new Set(Object.keys(state.overrides));
  const rows = flatten(data.parameters).filter(([path]) => path !== "id");
  const method = wizard.distributionOf(state.distribution);
  const params = wizard.currentParams();
  return h(
    "section",
    { class: "card", "aria-labelledby": "params-title" },
    h("h2", { id: "params-title" }, "Parameters (read-only)"),
    h(
      "table",
      { class: "table", id: "parameter-table" },
      h("caption", { class: "visually-hidden" }, "Resolved scenario parameters; tuned values are marked."),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Parameter"), h("th", { scope: "col" }, "Value"))),
      h(
        "tbody",
        {},
        row("Scenario", preset ? preset.name : state.scenario),
        row("Distribution", method ? method.label : state.distribution),
        Object.entries(params).map(([name, value]) =>
          row(`Distribution · ${name}`, Array.isArray(value) ? value.map(fmtNumber).join(", ") : fmtValue(value)),
        ),
        row("Window", `${state.start} → ${state.end} (UTC)`),
        row("Records", fmtInt(Number(state.records))),
        h("tr", {}, h("th", { scope: "row" }, "Seed"), h("td", { id: "preview-seed" }, `${String(data.seed)}${wizard.seedIsDrawn() ? " (drawn at random for this visit)" : ""}`)),
        row("Pace", wizard.isLive() ? `${paceLabel(state.pace)}, ${fmtNumber(Number(state.timeScale))}×` : paceLabel(state.pace)),
        rows.map(([path, value]) =>
          h(
            "tr",
            { class: overridden.has(path) ? "tuned" : "" },
            h("th", { scope: "row", title: path }, labels.get(path) || path),
            h("td", {}, fmtValue(value), overridden.has(path) ? h("span", { class: "badge" }, "tuned") : null),
          ),
        ),
      ),
    ),
  );
}

/** The preview's tables for the API's answer `data` and the wizard's current choices. */
export function previewTables(wizard, data) {
  return h("div", { class: "preview-grid" }, plannedCard(wizard, data), parameterCard(wizard, data));
}
