// Scenario comparison: two presets (or one preset with two sets of overrides) on the same distribution, window,
// N and seed, previewed side by side, then run as a pair. Everything is in the URL, so a comparison is a link:
//
//   #/compare?a=b2b&b=b2c&dist=linear&start=2025-01-01&end=2026-01-01&records=2000&seed=7
//            [&ao={"dealWinRateBase":0.6}][&bo=...][&dp={"rate":3}][&runs=12,13]

import { api } from "./api.js";
import { comparePreviews } from "./compare/sides.js";
import { pairPanel } from "./compare/pair.js";
import { errorPanel, focusHeading, h, heading, mount } from "./dom.js";
import { field } from "./widgets/fields.js";

const DEFAULTS = { a: "b2b", b: "b2c", dist: "linear", start: "2025-01-01", end: "2026-01-01", records: "2000", seed: "7" };

function readJson(text) {
  if (!text) return {};
  try {
    const value = JSON.parse(text);
    return value && typeof value === "object" && !Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}

/** "path = value" lines <-> {path: value}; values are JSON (numbers, [lo, hi]) or else text. */
export function overridesText(overrides) {
  return Object.entries(overrides || {}).map(([path, value]) => `${path} = ${JSON.stringify(value)}`).join("\n");
}

export function parseOverrides(text) {
  const out = {};
  for (const line of text.split("\n").map((l) => l.trim()).filter(Boolean)) {
    const at = line.indexOf("=");
    if (at < 1) return { error: `"${line}" is not "parameter = value".` };
    const raw = line.slice(at + 1).trim();
    let value;
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
    out[line.slice(0, at).trim()] = value;
  }
  return { value: out };
}

/** The comparison's inputs from the URL: {a, b, body, overridesA, overridesB} or {error}. */
export function comparisonFromParams(params) {
  const get = (key) => params.get(key) ?? DEFAULTS[key] ?? "";
  const overridesA = readJson(params.get("ao"));
  const overridesB = readJson(params.get("bo"));
  const distributionParams = readJson(params.get("dp"));
  if (!overridesA || !overridesB || !distributionParams) return { error: "The link's overrides are not valid JSON objects." };
  const body = {
    distribution: get("dist"),
    distributionParams,
    start: get("start"),
    end: get("end"),
    records: Number(get("records")),
    seed: get("seed") === "" ? null : Number(get("seed")),
  };
  return { a: get("a"), b: get("b"), body, overridesA, overridesB };
}

function toHash(values, runs) {
  const search = new URLSearchParams();
  for (const key of ["a", "b", "dist", "start", "end", "records", "seed"]) search.set(key, values[key]);
  if (Object.keys(values.ao).length) search.set("ao", JSON.stringify(values.ao));
  if (Object.keys(values.bo).length) search.set("bo", JSON.stringify(values.bo));
  if (values.dp && Object.keys(values.dp).length) search.set("dp", JSON.stringify(values.dp));
  return `#/compare?${search.toString()}${runs ? `&runs=${runs.join(",")}` : ""}`;
}

function comparisonForm(ctx, catalog, chosen, params) {
  const select = (id, options, value) =>
    h("select", {}, options.map((o) => h("option", { value: o.value, selected: o.value === value }, o.label)));
  const scenarios = catalog.scenarios.map((s) => ({ value: s.slug, label: s.name }));
  const distributions = catalog.distributions.map((d) => ({ value: d.name, label: d.label }));
  const input = (type, value, attrs = {}) => h("input", { type, value, ...attrs });
  const inputs = {
    a: select("a", scenarios, chosen.a),
    b: select("b", scenarios, chosen.b),
    dist: select("dist", distributions, chosen.body.distribution),
    start: input("date", chosen.body.start, { required: true }),
    end: input("date", chosen.body.end, { required: true }),
    records: input("number", String(chosen.body.records), { min: "1", step: "1", inputmode: "numeric", required: true }),
    seed: input("number", chosen.body.seed === null ? "" : String(chosen.body.seed), { min: "0", step: "1", inputmode: "numeric", required: true }),
    ao: h("textarea", { rows: "3", spellcheck: "false" }, overridesText(chosen.overridesA)),
    bo: h("textarea", { rows: "3", spellcheck: "false" }, overridesText(chosen.overridesB)),
  };
  const problem = h("p", { class: "field-error", role: "alert", id: "compare-form-error", hidden: true });
  const onsubmit = (event) => {
    event.preventDefault();
    const ao = parseOverrides(inputs.ao.value);
    const bo = parseOverrides(inputs.bo.value);
    const bad = ao.error || bo.error || (inputs.seed.value === "" ? "A comparison needs a seed: the same one for both." : null);
    problem.hidden = !bad;
    problem.textContent = bad || "";
    if (bad) return;
    const values = Object.fromEntries(["a", "b", "dist", "start", "end", "records", "seed"].map((k) => [k, inputs[k].value]));
    const sameDistribution = inputs.dist.value === chosen.body.distribution;
    ctx.navigate(toHash({ ...values, ao: ao.value, bo: bo.value, dp: sameDistribution ? params.dp : {} }));
  };
  return h(
    "form",
    { class: "card compare-form", id: "compare-form", onsubmit, novalidate: true },
    h("h2", {}, "What to compare"),
    h(
      "div",
      { class: "compare-fields" },
      field({ id: "compare-a", label: "Scenario A", input: inputs.a }),
      field({ id: "compare-b", label: "Scenario B", input: inputs.b }),
      field({ id: "compare-dist", label: "Distribution (both)", input: inputs.dist }),
      field({ id: "compare-start", label: "Start (UTC)", input: inputs.start }),
      field({ id: "compare-end", label: "End (UTC, exclusive)", input: inputs.end }),
      field({ id: "compare-records", label: "Records", input: inputs.records }),
      field({ id: "compare-seed", label: "Seed (both)", input: inputs.seed }),
      field({ id: "compare-ao", label: "Overrides A", hint: "One per line: dealWinRateBase = 0.6", input: inputs.ao }),
      field({ id: "compare-bo", label: "Overrides B", hint: "Same preset twice? Give B other overrides.", input: inputs.bo }),
    ),
    problem,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "button primary", id: "compare-submit" }, "Compare")),
  );
}

export async function renderComparison(root, ctx, params) {
  const chosen = comparisonFromParams(params);
  if (chosen.error) {
    mount(root, heading("Compare scenarios"), errorPanel(chosen.error), h("p", {}, h("a", { href: "#/compare" }, "Start a new comparison")));
    focusHeading(root);
    return;
  }
  const [distributions, scenarios] = await Promise.all([api.get("/api/distributions/"), api.get("/api/scenarios/")]);
  const values = {
    ...Object.fromEntries(["a", "b", "dist", "start", "end", "records", "seed"].map((k) => [k, params.get(k) ?? DEFAULTS[k]])),
    ao: chosen.overridesA,
    bo: chosen.overridesB,
    dp: chosen.body.distributionParams,
  };
  const results = h("div", { id: "compare-results", "aria-live": "polite" });
  const runs = (params.get("runs") || "").split(",").filter((id) => /^\d+$/.test(id));
  mount(
    root,
    heading("Compare scenarios"),
    h("p", { class: "lead" }, "Two scenarios on the same distribution, window, records and seed: the differences are the scenarios'."),
    comparisonForm(ctx, { distributions, scenarios }, chosen, { dp: chosen.body.distributionParams }),
    runs.length === 2 ? pairPanel(runs, chosen) : null,
    results,
  );
  focusHeading(root);
  if (!params.has("a") || !params.has("b")) {
    mount(results, h("p", { class: "muted" }, "Choose two scenarios and press Compare."));
    return;
  }
  const names = Object.fromEntries(scenarios.map((s) => [s.slug, s.name]));
  const runPair = async (button, message) => {
    button.disabled = true;
    message.textContent = "Creating both simulations…";
    try {
      const create = (scenario, overrides) =>
        api.post("/api/simulations/", { scenario, ...chosen.body, overrides, pace: "backfill", autoStart: true });
      const first = await create(chosen.a, chosen.overridesA);
      const second = await create(chosen.b, chosen.overridesB);
      ctx.navigate(toHash(values, [first.id, second.id]));
    } catch (error) {
      message.textContent = `Could not start the pair: ${error.message}`;
      button.disabled = false;
    }
  };
  await comparePreviews(results, chosen, names, runs.length === 2 ? null : runPair);
}
