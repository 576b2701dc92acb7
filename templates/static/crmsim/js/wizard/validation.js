// The wizard's inline checks: the same bounds the API enforces, so a value it would refuse is flagged before
// it is sent. Each returns {field: message}; an empty object means valid.

import { fmtInt, fmtNumber } from "../format.js";

const DAY_MS = 86_400_000;

function parseNumber(text) {
  const trimmed = String(text ?? "").trim();
  if (trimmed === "") return { error: "Enter a number." };
  const value = Number(trimmed);
  if (!Number.isFinite(value)) return { error: "Enter a number." };
  return { value };
}

/** {value} or {error}: a number (whole if `integer`) within [min, max]. */
export function checkNumber(text, { min, max, integer = false }) {
  const parsed = parseNumber(text);
  if (parsed.error) return parsed;
  if (integer && !Number.isInteger(parsed.value)) return { error: "Enter a whole number." };
  if (parsed.value < min || parsed.value > max) {
    return { error: `${fmtNumber(parsed.value)} is outside ${fmtNumber(min)} – ${fmtNumber(max)}.` };
  }
  return parsed;
}

/** Step 1: a method is chosen and its settings are within their bounds. */
export function distributionErrors(wizard) {
  const errors = {};
  const method = wizard.distributionOf(wizard.choices.distribution);
  if (!method) return { distribution: "Choose a distribution method." };
  const params = wizard.currentParams();
  for (const spec of method.params) {
    const value = params[spec.name];
    if (spec.type === "float_list") {
      const weights = Array.isArray(value) ? value : [];
      if (weights.length < 1 || weights.length > 1000) errors[spec.name] = "Give between 1 and 1,000 weights.";
      else if (weights.some((w) => !Number.isFinite(w) || w < 0 || w > 1e6)) {
        errors[spec.name] = "Every weight must be a number from 0 to 1,000,000.";
      } else if (!weights.some((w) => w > 0)) errors[spec.name] = "At least one weight must be above 0.";
    } else {
      const checked = checkNumber(value, { min: spec.min, max: spec.max, integer: spec.type === "int" });
      if (checked.error) errors[spec.name] = checked.error;
    }
  }
  if (method.name === "business_hours" && !errors.startHour && !errors.endHour) {
    if (Number(params.endHour) <= Number(params.startHour)) errors.endHour = "End hour must be after the start hour.";
  }
  return errors;
}

/** Step 3: window, records, seed and (live) time scale within the API's limits. */
export function windowErrors(wizard, limits) {
  const state = wizard.choices;
  const errors = {};
  const start = Date.parse(`${state.start}T00:00:00Z`);
  const end = Date.parse(`${state.end}T00:00:00Z`);
  if (!state.start || Number.isNaN(start)) errors.start = "Enter a start date.";
  if (!state.end || Number.isNaN(end)) errors.end = "Enter an end date.";
  if (!errors.start && !errors.end) {
    if (end <= start) errors.end = "The end must be after the start.";
    else if ((end - start) / DAY_MS > limits.maxWindowDays) {
      errors.end = `The window can be at most ${fmtInt(limits.maxWindowDays)} days.`;
    }
  }
  const records = checkNumber(state.records, { min: 1, max: limits.maxRecords, integer: true });
  if (records.error) errors.records = records.error;
  const seed = state.seed.trim();
  if (seed !== "" && (!/^\d+$/.test(seed) || BigInt(seed) > limits.maxSeed)) {
    errors.seed = `Leave empty for a random seed, or enter a whole number from 0 to ${fmtInt(limits.maxSeed)}.`;
  }
  if (wizard.isLive()) {
    const scale = parseNumber(state.timeScale);
    if (scale.error || scale.value < limits.minTimeScale || scale.value > limits.maxTimeScale) {
      errors.timeScale = `Enter a speed from ${limits.minTimeScale} to ${fmtInt(limits.maxTimeScale)}.`;
    }
  }
  return errors;
}

/** A tuning leaf's allowed range: its guardrails when the preset has them, else the parameter's hard limits. */
export function bounds(leaf) {
  const rail = Array.isArray(leaf.guardrail) && leaf.guardrail.length === 2 ? leaf.guardrail : null;
  return rail ? { min: rail[0], max: rail[1], source: "guardrails" } : { min: leaf.hardMin, max: leaf.hardMax, source: "limits" };
}

/** The value a tuning input holds now: the override if any, else the preset's. */
export function leafValue(wizard, leaf) {
  const overrides = wizard.choices.overrides;
  return Object.hasOwn(overrides, leaf.path) ? overrides[leaf.path] : leaf.value;
}

/** Step 4: every tuning input (drafts: text being edited, by path) -> {errors, values} (values: parsed). */
export function tuningErrors(wizard, detail, drafts) {
  const errors = {};
  const values = {};
  for (const leaf of detail.schema) {
    const { min, max } = bounds(leaf);
    const integer = leaf.kind === "int" || leaf.kind === "int_range";
    if (leaf.kind === "int_range") {
      const [loText, hiText] = drafts[leaf.path] ?? leafValue(wizard, leaf);
      const lo = checkNumber(loText, { min, max, integer });
      const hi = checkNumber(hiText, { min, max, integer });
      if (lo.error || hi.error) {
        errors[leaf.path] = [lo.error ? `From: ${lo.error}` : "", hi.error ? `To: ${hi.error}` : ""].join(" ").trim();
      } else if (lo.value > hi.value) errors[leaf.path] = "The first number must not exceed the second.";
      else values[leaf.path] = [lo.value, hi.value];
    } else {
      const checked = checkNumber(drafts[leaf.path] ?? leafValue(wizard, leaf), { min, max, integer });
      if (checked.error) errors[leaf.path] = checked.error;
      else values[leaf.path] = checked.value;
    }
  }
  for (const group of ["dealAmount", "contactToCompanyRatio"]) {
    const lo = values[`${group}.min`];
    const hi = values[`${group}.max`];
    if (lo !== undefined && hi !== undefined && lo > hi) errors[`${group}.max`] = `Must be at least ${group}.min (${fmtNumber(lo)}).`;
  }
  return { errors, values };
}
