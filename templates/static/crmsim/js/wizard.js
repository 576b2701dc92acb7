// The onboarding wizard: (1) distribution, (2) scenario, (3) window, records, seed, pace, (4) preview and tuning,
// (5) confirm. Choices live in memory while moving back and forth, in sessionStorage across reloads mid-way,
// and in the user's profile (PUT /api/profile/) once confirmed; a fresh visit starts from the profile.

import { ApiError, api, seedValue } from "./api.js";
import { arrivalsChart, thumbnail } from "./curves.js";
import { announce, errorPanel, focusHeading, h, heading, mount, uid } from "./dom.js";
import { RECORD_TYPES, fmtAmount, fmtInt, fmtNumber, fmtPercent } from "./format.js";
import { pluck } from "./sound.js";

const DRAFT_KEY = "crmsim.wizard.draft";
const STEPS = ["Distribution", "Scenario", "Window & pace", "Preview & tuning", "Confirm"];
const MAX_SEED = 2n ** 63n - 1n;
const DAY_MS = 86_400_000;
const DEFAULT_WEIGHTS = [1, 2, 4, 6, 4, 2, 1, 1];
const TIME_SCALES = [
  [1, "Real time (1×)"],
  [60, "An hour a minute (60×)"],
  [1440, "A day a minute (1,440×)"],
  [10080, "A week a minute (10,080×)"],
];

// --- state -----------------------------------------------------------------------------------------------------

let state = null; // the wizard's selections
let catalog = null; // {distributions, scenarios}
const details = new Map(); // scenario slug -> GET /api/scenarios/{slug}/
let lastPreview = null; // {key, data}

function defaultWindow() {
  const now = new Date();
  const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const start = new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth() - 3, 1));
  return [start.toISOString().slice(0, 10), end.toISOString().slice(0, 10)];
}

function fromProfile(profile) {
  const [start, end] = defaultWindow();
  const distribution = typeof profile.distribution === "string" ? profile.distribution : null;
  const paramsByDist = {};
  if (distribution && profile.distributionParams && typeof profile.distributionParams === "object") {
    paramsByDist[distribution] = { ...profile.distributionParams };
  }
  return {
    distribution,
    paramsByDist,
    scenario: typeof profile.scenario === "string" ? profile.scenario : null,
    overrides: profile.overrides && typeof profile.overrides === "object" ? { ...profile.overrides } : {},
    start: typeof profile.start === "string" ? profile.start.slice(0, 10) : start,
    end: typeof profile.end === "string" ? profile.end.slice(0, 10) : end,
    records: Number.isInteger(profile.records) ? String(profile.records) : "5000",
    seed: profile.seed === null || profile.seed === undefined ? "" : String(profile.seed),
    pace: profile.pace === "live" ? "live" : "backfill",
    timeScale: typeof profile.timeScale === "number" ? String(profile.timeScale) : "1440",
  };
}

function saveDraft() {
  try {
    sessionStorage.setItem(DRAFT_KEY, JSON.stringify(state));
  } catch {
    // Private mode or quota: the wizard still works, a reload just starts from the profile.
  }
}

function loadDraft() {
  try {
    const text = sessionStorage.getItem(DRAFT_KEY);
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

function clearDraft() {
  try {
    sessionStorage.removeItem(DRAFT_KEY);
  } catch {
    // ignore
  }
}

function distributionOf(name) {
  return catalog.distributions.find((d) => d.name === name) || null;
}

function defaultsFor(method) {
  const params = {};
  for (const spec of method.params) {
    if (spec.type === "float_list") params[spec.name] = spec.default ? [...spec.default] : [...DEFAULT_WEIGHTS];
    else params[spec.name] = spec.default;
  }
  return params;
}

function currentParams() {
  const method = distributionOf(state.distribution);
  if (!method) return {};
  if (!state.paramsByDist[method.name]) state.paramsByDist[method.name] = defaultsFor(method);
  return state.paramsByDist[method.name];
}

/** The selections as the API and the profile spell them. */
function selections(seedOverride) {
  const seed = state.seed.trim() === "" ? null : seedValue(state.seed.trim());
  return {
    scenario: state.scenario,
    distribution: state.distribution,
    distributionParams: { ...currentParams() },
    overrides: { ...state.overrides },
    start: state.start,
    end: state.end,
    records: Number(state.records),
    seed: seedOverride !== undefined && seed === null ? seedOverride : seed,
    pace: state.pace,
    timeScale: Number(state.timeScale) > 0 && Number(state.timeScale) <= 1e6 ? Number(state.timeScale) : 1,
  };
}

async function ensureLoaded(ctx) {
  if (!catalog) {
    const [distributions, scenarios] = await Promise.all([api.get("/api/distributions/"), api.get("/api/scenarios/")]);
    catalog = { distributions, scenarios };
  }
  if (!state) {
    const draft = loadDraft();
    state = draft && typeof draft === "object" ? { ...fromProfile({}), ...draft } : fromProfile(ctx.profile);
  }
}

async function scenarioDetail(slug) {
  if (!details.has(slug)) details.set(slug, await api.get(`/api/scenarios/${encodeURIComponent(slug)}/`));
  return details.get(slug);
}

// --- validation ------------------------------------------------------------------------------------------------

function parseNumber(text) {
  const trimmed = String(text ?? "").trim();
  if (trimmed === "") return { error: "Enter a number." };
  const value = Number(trimmed);
  if (!Number.isFinite(value)) return { error: "Enter a number." };
  return { value };
}

function checkNumber(text, { min, max, integer = false }) {
  const parsed = parseNumber(text);
  if (parsed.error) return parsed;
  if (integer && !Number.isInteger(parsed.value)) return { error: "Enter a whole number." };
  if (parsed.value < min || parsed.value > max) {
    return { error: `${fmtNumber(parsed.value)} is outside ${fmtNumber(min)} – ${fmtNumber(max)}.` };
  }
  return parsed;
}

function distributionErrors() {
  const errors = {};
  const method = distributionOf(state.distribution);
  if (!method) return { distribution: "Choose a distribution method." };
  const params = currentParams();
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

function windowErrors(limits) {
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
  if (seed !== "" && (!/^\d+$/.test(seed) || BigInt(seed) > MAX_SEED)) {
    errors.seed = "Leave empty for a random seed, or enter a whole number from 0 to 9,223,372,036,854,775,807.";
  }
  if (state.pace === "live") {
    const scale = parseNumber(state.timeScale);
    if (scale.error || scale.value <= 0 || scale.value > limits.maxTimeScale) {
      errors.timeScale = `Enter a speed above 0 and at most ${fmtInt(limits.maxTimeScale)}.`;
    }
  }
  return errors;
}

function bounds(leaf) {
  const rail = Array.isArray(leaf.guardrail) && leaf.guardrail.length === 2 ? leaf.guardrail : null;
  return rail ? { min: rail[0], max: rail[1], source: "guardrails" } : { min: leaf.hardMin, max: leaf.hardMax, source: "limits" };
}

/** The value a tuning input holds now: the override if any, else the preset's. */
function leafValue(leaf) {
  return Object.hasOwn(state.overrides, leaf.path) ? state.overrides[leaf.path] : leaf.value;
}

function tuningErrors(detail, drafts) {
  const errors = {};
  const values = {};
  for (const leaf of detail.schema) {
    const { min, max } = bounds(leaf);
    const integer = leaf.kind === "int" || leaf.kind === "int_range";
    if (leaf.kind === "int_range") {
      const [loText, hiText] = drafts[leaf.path] ?? leafValue(leaf);
      const lo = checkNumber(loText, { min, max, integer });
      const hi = checkNumber(hiText, { min, max, integer });
      if (lo.error || hi.error) {
        errors[leaf.path] = [lo.error ? `From: ${lo.error}` : "", hi.error ? `To: ${hi.error}` : ""].join(" ").trim();
      } else if (lo.value > hi.value) errors[leaf.path] = "The first number must not exceed the second.";
      else values[leaf.path] = [lo.value, hi.value];
    } else {
      const checked = checkNumber(drafts[leaf.path] ?? leafValue(leaf), { min, max, integer });
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

// --- shared pieces ---------------------------------------------------------------------------------------------

function stepper(current) {
  return h(
    "ol",
    { class: "stepper", "aria-label": "Wizard steps" },
    STEPS.map((name, i) => {
      const n = i + 1;
      const attrs = n === current ? { "aria-current": "step", class: "current" } : { class: n < current ? "done" : "" };
      const text = [h("span", { class: "step-num" }, `${n}.`), " ", h("span", { class: "step-name" }, name)];
      return h("li", attrs, n < current ? h("a", { href: `#/wizard/${n}`, "aria-label": `Step ${n}: ${name}` }, text) : h("span", {}, text));
    }),
  );
}

function wizardFooter(step, { canContinue, onContinue, continueLabel = "Continue", reason = "" }) {
  const hintId = uid("continue-hint");
  const button = h(
    "button",
    {
      type: "button",
      class: "button primary",
      id: "wizard-continue",
      "aria-disabled": canContinue ? "false" : "true",
      "aria-describedby": hintId,
      onclick: () => {
        if (button.getAttribute("aria-disabled") === "true") {
          const invalid = document.querySelector("#main [aria-invalid='true']");
          if (invalid) invalid.focus();
          announce(hint.textContent || "Fix the highlighted values to continue.");
          return;
        }
        onContinue();
      },
    },
    continueLabel,
  );
  const hint = h("p", { id: hintId, class: "continue-hint", "aria-live": "polite" }, canContinue ? "" : reason);
  const back = step > 1 ? h("a", { class: "button", href: `#/wizard/${step - 1}`, id: "wizard-back" }, "Back") : h("span");
  const footer = h("div", { class: "wizard-footer" }, back, h("div", { class: "continue" }, hint, button));
  footer.update = (ok, why = "Fix the highlighted values to continue.") => {
    button.setAttribute("aria-disabled", ok ? "false" : "true");
    hint.textContent = ok ? "" : why;
  };
  return footer;
}

/** A radiogroup of tiles: arrow keys move and select, Space/Enter select, a click selects; one tab stop. */
function radioTiles({ labelledBy, items, selected, onSelect, className = "" }) {
  const group = h("div", { role: "radiogroup", "aria-labelledby": labelledBy, class: `tiles ${className}` });
  const tiles = [];
  const choose = (index, focus) => {
    const item = items[index];
    const changed = item.value !== selected;
    selected = item.value;
    tiles.forEach((tile, i) => {
      tile.setAttribute("aria-checked", i === index ? "true" : "false");
      tile.tabIndex = i === index ? 0 : -1;
    });
    if (focus) tiles[index].focus();
    if (changed) {
      pluck();
      onSelect(item.value);
    }
  };
  items.forEach((item, index) => {
    const checked = item.value === selected;
    const tile = h(
      "div",
      {
        role: "radio",
        class: "tile",
        "aria-checked": checked ? "true" : "false",
        tabindex: checked || (selected === null && index === 0) ? "0" : "-1",
        "aria-labelledby": item.labelledBy,
        "aria-describedby": item.describedBy,
        dataset: { value: item.value },
        onclick: () => choose(index, true),
        onkeydown: (event) => {
          const last = items.length - 1;
          const moves = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
          if (event.key === " " || event.key === "Enter") {
            event.preventDefault();
            choose(index, true);
          } else if (event.key in moves) {
            event.preventDefault();
            choose((index + moves[event.key] + items.length) % items.length, true);
          } else if (event.key === "Home" || event.key === "End") {
            event.preventDefault();
            choose(event.key === "Home" ? 0 : last, true);
          }
        },
      },
      item.content,
    );
    tiles.push(tile);
    group.append(tile);
  });
  return group;
}

function field({ id, label, hint, error, input }) {
  const hintId = hint ? `${id}-hint` : null;
  const errorId = `${id}-error`;
  input.id = id;
  const described = [hintId, error ? errorId : null].filter(Boolean).join(" ");
  if (described) input.setAttribute("aria-describedby", described);
  input.setAttribute("aria-invalid", error ? "true" : "false");
  return h(
    "div",
    { class: `field${error ? " invalid" : ""}` },
    h("label", { for: id }, label),
    input,
    hint ? h("p", { class: "hint", id: hintId }, hint) : null,
    h("p", { class: "field-error", id: errorId, hidden: !error }, error || ""),
  );
}

function setFieldError(container, id, message) {
  const input = container.querySelector(`#${CSS.escape(id)}`);
  const error = container.querySelector(`#${CSS.escape(id)}-error`);
  if (!input || !error) return;
  const wrapper = input.closest(".field");
  input.setAttribute("aria-invalid", message ? "true" : "false");
  const hintId = `${id}-hint`;
  const describedBy = [container.querySelector(`#${CSS.escape(hintId)}`) ? hintId : null, message ? `${id}-error` : null];
  const text = describedBy.filter(Boolean).join(" ");
  if (text) input.setAttribute("aria-describedby", text);
  else input.removeAttribute("aria-describedby");
  error.textContent = message || "";
  error.hidden = !message;
  if (wrapper) wrapper.classList.toggle("invalid", Boolean(message));
}

// --- step 1: distribution --------------------------------------------------------------------------------------

function weightsEditor(spec, params, onChange) {
  const list = h("ol", { class: "weights", "aria-label": "Weights per slice of the window" });
  const chart = h("div", { class: "weights-chart" });
  const redraw = () => mount(chart, thumbnail("custom", params));
  const render = () => {
    const weights = params[spec.name];
    mount(
      list,
      weights.map((weight, i) =>
        h(
          "li",
          {},
          h("label", { for: `weight-${i}` }, `Slice ${i + 1}`),
          h("input", {
            type: "number",
            id: `weight-${i}`,
            min: "0",
            max: "1000000",
            step: "any",
            inputmode: "decimal",
            value: String(weight),
            oninput: (event) => {
              const value = event.target.value === "" ? Number.NaN : Number(event.target.value);
              weights[i] = value;
              redraw();
              onChange();
            },
          }),
        ),
      ),
    );
    redraw();
  };
  const add = () => {
    if (params[spec.name].length >= 1000) return;
    params[spec.name].push(1);
    render();
    onChange();
    list.querySelector("li:last-child input")?.focus();
  };
  const remove = () => {
    if (params[spec.name].length <= 1) return;
    params[spec.name].pop();
    render();
    onChange();
  };
  render();
  return h(
    "div",
    { class: "weights-editor" },
    h("p", { class: "hint" }, "The window is cut into equal slices; each slice gets arrivals in proportion to its weight."),
    chart,
    list,
    h(
      "div",
      { class: "row" },
      h("button", { type: "button", class: "button", onclick: add }, "Add slice"),
      h("button", { type: "button", class: "button", onclick: remove }, "Remove last slice"),
    ),
  );
}

function renderDistributionStep(root, ctx) {
  const titleId = uid("dist-title");
  const paramsBox = h("div", { class: "params-box" });
  const thumbs = new Map();
  let footer;

  const refresh = () => {
    const errors = distributionErrors();
    const method = distributionOf(state.distribution);
    if (method) {
      for (const spec of method.params) {
        if (spec.type !== "float_list") setFieldError(paramsBox, `param-${spec.name}`, errors[spec.name]);
      }
      const listError = paramsBox.querySelector("#weights-error");
      if (listError) {
        listError.textContent = errors.weights || "";
        listError.hidden = !errors.weights;
      }
      const thumb = thumbs.get(method.name);
      if (thumb) mount(thumb, thumbnail(method.name, currentParams()));
    }
    footer.update(Object.keys(errors).length === 0, method ? "Fix the highlighted values to continue." : "Choose a distribution method.");
    saveDraft();
  };

  const renderParams = () => {
    const method = distributionOf(state.distribution);
    if (!method) {
      mount(paramsBox);
      return;
    }
    const params = currentParams();
    const errors = distributionErrors();
    const fields = method.params.map((spec) => {
      if (spec.type === "float_list") {
        return h(
          "fieldset",
          { class: "fieldset" },
          h("legend", {}, "Custom weights"),
          weightsEditor(spec, params, refresh),
          h("p", { class: "field-error", id: "weights-error", role: "alert", hidden: !errors[spec.name] }, errors[spec.name] || ""),
        );
      }
      const input = h("input", {
        type: "number",
        min: String(spec.min),
        max: String(spec.max),
        step: spec.type === "int" ? "1" : "any",
        inputmode: spec.type === "int" ? "numeric" : "decimal",
        value: params[spec.name] === null || params[spec.name] === undefined ? "" : String(params[spec.name]),
        oninput: (event) => {
          params[spec.name] = event.target.value === "" ? "" : Number(event.target.value);
          refresh();
        },
      });
      return field({
        id: `param-${spec.name}`,
        label: spec.name,
        hint: `${spec.help} From ${fmtNumber(spec.min)} to ${fmtNumber(spec.max)}${spec.default !== null ? `; default ${fmtNumber(spec.default)}` : ""}.`,
        error: errors[spec.name],
        input,
      });
    });
    mount(
      paramsBox,
      h("h2", {}, `${method.label} settings`),
      method.params.length ? fields : h("p", { class: "muted" }, "This method has no settings."),
      method.shaped ? h("p", { class: "hint" }, "The scenario shapes these arrivals: B2B into office hours, B2C into evenings and weekends.") : null,
    );
  };

  const tiles = radioTiles({
    labelledBy: titleId,
    selected: state.distribution,
    items: catalog.distributions.map((method) => {
      const thumb = h("div", { class: "thumb-box" }, thumbnail(method.name, state.paramsByDist[method.name] || defaultsFor(method)));
      thumbs.set(method.name, thumb);
      const descId = uid("dist-desc");
      const nameId = uid("dist-name");
      return {
        value: method.name,
        labelledBy: nameId,
        describedBy: descId,
        content: [
          thumb,
          h("span", { class: "tile-title", id: nameId }, method.label),
          h("span", { class: "tile-text", id: descId }, method.description),
          method.shaped ? h("span", { class: "badge" }, "shaped by scenario") : null,
        ],
      };
    }),
    onSelect: (name) => {
      state.distribution = name;
      renderParams();
      refresh();
    },
  });

  footer = wizardFooter(1, {
    canContinue: Boolean(state.distribution) && Object.keys(distributionErrors()).length === 0,
    reason: state.distribution ? "Fix the highlighted values to continue." : "Choose a distribution method.",
    onContinue: () => ctx.navigate("#/wizard/2"),
  });
  renderParams();
  mount(
    root,
    stepper(1),
    heading("How should leads arrive?", 1, { id: titleId }),
    h("p", { class: "lead" }, "Pick the shape of lead arrivals over the simulation window."),
    tiles,
    paramsBox,
    footer,
  );
}

// --- step 2: scenario ------------------------------------------------------------------------------------------

function renderScenarioStep(root, ctx) {
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
    items: catalog.scenarios.map((preset) => {
      const p = preset.parameters;
      const descId = uid("scenario-desc");
      const nameId = uid("scenario-name");
      return {
        value: preset.slug,
        labelledBy: nameId,
        describedBy: descId,
        content: [
          h("span", { class: "tile-title" }, h("span", { id: nameId }, preset.name), preset.isBuiltin ? null : h("span", { class: "badge" }, "staff preset")),
          h("span", { class: "tile-text", id: descId }, preset.description),
          h(
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
          ),
        ],
      };
    }),
    onSelect: (slug) => {
      const hadOverrides = Object.keys(state.overrides).length > 0;
      state.scenario = slug;
      state.overrides = {};
      notice.textContent = hadOverrides ? "Tuning overrides were reset for the new scenario." : "";
      footer.update(true);
      saveDraft();
    },
  });
  mount(
    root,
    stepper(2),
    heading("Which go-to-market scenario?", 1, { id: titleId }),
    h("p", { class: "lead" }, "A scenario sets the funnel, deal sizes and sales cycle; you can tune it within its guardrails in step 4."),
    catalog.scenarios.length ? tiles : h("p", { class: "alert error", role: "alert" }, "No scenario presets exist. Ask staff to create one in the admin."),
    notice,
    footer,
  );
}

// --- step 3: window, records, seed, pace -----------------------------------------------------------------------

function renderWindowStep(root, ctx) {
  const limits = ctx.limits;
  let footer;
  const refresh = () => {
    const errors = windowErrors(limits);
    for (const name of ["start", "end", "records", "seed", "timeScale"]) setFieldError(root, `window-${name}`, errors[name]);
    footer.update(Object.keys(errors).length === 0);
    saveDraft();
  };
  const bind = (name) => (event) => {
    state[name] = event.target.value;
    refresh();
  };
  const errors = windowErrors(limits);
  const scaleBox = h("div", { class: "scale-box", hidden: state.pace !== "live" });
  const paceName = uid("pace");
  const paceOption = (value, label, text) => {
    const descId = uid("pace-desc");
    return h(
      "div",
      { class: "choice" },
      h("input", {
        type: "radio",
        id: `pace-${value}`,
        name: paceName,
        value,
        checked: state.pace === value,
        "aria-describedby": descId,
        onchange: () => {
          state.pace = value;
          scaleBox.hidden = value !== "live";
          refresh();
        },
      }),
      h("div", {}, h("label", { for: `pace-${value}` }, label), h("p", { class: "muted", id: descId }, text)),
    );
  };
  const scaleSelect = h(
    "select",
    {
      id: "window-scale-preset",
      onchange: (event) => {
        if (event.target.value !== "") {
          state.timeScale = event.target.value;
          scaleInput.value = event.target.value;
          refresh();
        }
      },
    },
    TIME_SCALES.map(([value, label]) => h("option", { value: String(value), selected: String(value) === state.timeScale }, label)),
    h("option", { value: "", selected: !TIME_SCALES.some(([v]) => String(v) === state.timeScale) }, "Other…"),
  );
  const scaleInput = h("input", {
    type: "number",
    min: "0",
    step: "any",
    inputmode: "decimal",
    value: state.timeScale,
    oninput: (event) => {
      state.timeScale = event.target.value;
      scaleSelect.value = TIME_SCALES.some(([v]) => String(v) === event.target.value) ? event.target.value : "";
      refresh();
    },
  });
  mount(
    scaleBox,
    h("div", { class: "field" }, h("label", { for: "window-scale-preset" }, "Speed"), scaleSelect),
    field({
      id: "window-timeScale",
      label: "Simulated seconds per wall-clock second",
      hint: "A window in the past is backfilled up to now, then the rest plays at this speed.",
      error: errors.timeScale,
      input: scaleInput,
    }),
  );
  footer = wizardFooter(3, {
    canContinue: Object.keys(errors).length === 0,
    reason: "Fix the highlighted values to continue.",
    onContinue: () => ctx.navigate("#/wizard/4"),
  });
  mount(
    root,
    stepper(3),
    heading("Window, size and pace"),
    h("p", { class: "lead" }, "Times are UTC. The same seed and inputs always give the same data."),
    h(
      "div",
      { class: "form-grid" },
      field({
        id: "window-start",
        label: "Start (UTC)",
        hint: "First day of the window.",
        error: errors.start,
        input: h("input", { type: "date", value: state.start, oninput: bind("start") }),
      }),
      field({
        id: "window-end",
        label: "End (UTC, exclusive)",
        hint: `At most ${fmtInt(limits.maxWindowDays)} days after the start.`,
        error: errors.end,
        input: h("input", { type: "date", value: state.end, oninput: bind("end") }),
      }),
      field({
        id: "window-records",
        label: "Records",
        hint: `Requested records, 1 to ${fmtInt(limits.maxRecords)}; the scenario's lead multiplier turns them into leads.`,
        error: errors.records,
        input: h("input", { type: "number", min: "1", max: String(limits.maxRecords), step: "1", inputmode: "numeric", value: state.records, oninput: bind("records") }),
      }),
      field({
        id: "window-seed",
        label: "Seed (optional)",
        hint: "Leave empty for a random seed; the preview shows the one drawn.",
        error: errors.seed,
        input: h("input", { type: "text", inputmode: "numeric", autocomplete: "off", spellcheck: "false", value: state.seed, oninput: bind("seed") }),
      }),
    ),
    h(
      "fieldset",
      { class: "fieldset" },
      h("legend", {}, "Pace"),
      h(
        "div",
        { class: "choices" },
        paceOption("backfill", "Backfill", "Write everything now, as fast as the database takes it."),
        paceOption("live", "Live", "Records appear as their simulated time comes, in real or compressed time."),
      ),
      scaleBox,
    ),
    footer,
  );
}

// --- step 4: preview and tuning --------------------------------------------------------------------------------

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

function showValue(value) {
  if (Array.isArray(value)) return `${fmtNumber(value[0])} – ${fmtNumber(value[1])}`;
  if (typeof value === "number") return fmtNumber(value);
  return String(value);
}

function previewTables(data) {
  const overridden = new Set(Object.keys(state.overrides));
  const rows = flatten(data.parameters).filter(([path]) => path !== "id");
  const method = distributionOf(state.distribution);
  const params = currentParams();
  return h(
    "div",
    { class: "preview-grid" },
    h(
      "section",
      { class: "card", "aria-labelledby": "planned-title" },
      h("h2", { id: "planned-title" }, "Planned records"),
      h(
        "table",
        { class: "table numbers", id: "planned-table" },
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Record type"), h("th", { scope: "col" }, "Planned"))),
        h(
          "tbody",
          {},
          h("tr", {}, h("th", { scope: "row" }, "Leads"), h("td", { dataset: { key: "leads" } }, fmtInt(data.leads))),
          RECORD_TYPES.map(([key, label]) => h("tr", {}, h("th", { scope: "row" }, label), h("td", { dataset: { key } }, fmtInt(data.planned[key])))),
        ),
      ),
      h("h3", {}, "Deal outcomes in the window"),
      h(
        "table",
        { class: "table numbers", id: "deals-table" },
        h(
          "tbody",
          {},
          h("tr", {}, h("th", { scope: "row" }, "Won"), h("td", { dataset: { key: "won" } }, fmtInt(data.deals.won))),
          h("tr", {}, h("th", { scope: "row" }, "Lost"), h("td", { dataset: { key: "lost" } }, fmtInt(data.deals.lost))),
          h("tr", {}, h("th", { scope: "row" }, "Still open"), h("td", { dataset: { key: "open" } }, fmtInt(data.deals.open))),
          h("tr", {}, h("th", { scope: "row" }, "Won amount"), h("td", { dataset: { key: "wonAmount" } }, fmtAmount(data.deals.wonAmount))),
          h("tr", {}, h("th", { scope: "row" }, "Open pipeline"), h("td", { dataset: { key: "pipelineAmount" } }, fmtAmount(data.deals.pipelineAmount))),
          h("tr", {}, h("th", { scope: "row" }, "Win rate (expected / realized)"), h("td", {}, `${fmtPercent(100 * data.deals.expectedWinRate)} / ${data.deals.realizedWinRate === null ? "—" : fmtPercent(100 * data.deals.realizedWinRate)}`)),
        ),
      ),
    ),
    h(
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
          h("tr", {}, h("th", { scope: "row" }, "scenario"), h("td", {}, state.scenario)),
          h("tr", {}, h("th", { scope: "row" }, "distribution"), h("td", {}, method ? method.label : state.distribution)),
          Object.entries(params).map(([name, value]) =>
            h("tr", {}, h("th", { scope: "row" }, `distribution.${name}`), h("td", {}, Array.isArray(value) ? value.map(fmtNumber).join(", ") : showValue(value))),
          ),
          h("tr", {}, h("th", { scope: "row" }, "window"), h("td", {}, `${state.start} → ${state.end} (UTC)`)),
          h("tr", {}, h("th", { scope: "row" }, "records"), h("td", {}, fmtInt(Number(state.records)))),
          h("tr", {}, h("th", { scope: "row" }, "seed"), h("td", { id: "preview-seed" }, `${String(data.seed)}${state.seed.trim() === "" ? " (drawn at random)" : ""}`)),
          h("tr", {}, h("th", { scope: "row" }, "pace"), h("td", {}, state.pace === "live" ? `live, ${fmtNumber(Number(state.timeScale))}×` : "backfill")),
          rows.map(([path, value]) =>
            h(
              "tr",
              { class: overridden.has(path) ? "tuned" : "" },
              h("th", { scope: "row" }, path),
              h("td", {}, showValue(value), overridden.has(path) ? h("span", { class: "badge" }, "tuned") : null),
            ),
          ),
        ),
      ),
    ),
  );
}

function tuningPanel(detail, drafts, onChange) {
  const rows = detail.schema.map((leaf) => {
    const { min, max, source } = bounds(leaf);
    const id = `tune-${leaf.path.replaceAll(".", "-")}`;
    const current = leafValue(leaf);
    const integer = leaf.kind === "int" || leaf.kind === "int_range";
    const boundsText = `${source === "guardrails" ? "Guardrails" : "Limits"}: ${fmtNumber(min)} – ${fmtNumber(max)}. Preset: ${showValue(leaf.value)}.`;
    const attrs = { type: "number", min: String(min), max: String(max), step: integer ? "1" : "any", inputmode: integer ? "numeric" : "decimal" };
    let inputs;
    if (leaf.kind === "int_range") {
      const pair = drafts[leaf.path] ?? current.map(String);
      const update = (i) => (event) => {
        const next = [...(drafts[leaf.path] ?? leafValue(leaf).map(String))];
        next[i] = event.target.value;
        drafts[leaf.path] = next;
        onChange(leaf);
      };
      inputs = h(
        "div",
        { class: "pair", role: "group", "aria-labelledby": `${id}-label` },
        h("input", { ...attrs, id, "aria-label": `${leaf.path} from`, value: String(pair[0]), oninput: update(0), "aria-describedby": `${id}-hint ${id}-error` }),
        h("span", { "aria-hidden": "true" }, "to"),
        h("input", { ...attrs, id: `${id}-hi`, "aria-label": `${leaf.path} to`, value: String(pair[1]), oninput: update(1), "aria-describedby": `${id}-hint ${id}-error` }),
      );
    } else {
      inputs = h("input", {
        ...attrs,
        id,
        value: String(drafts[leaf.path] ?? current),
        "aria-describedby": `${id}-hint ${id}-error`,
        oninput: (event) => {
          drafts[leaf.path] = event.target.value;
          onChange(leaf);
        },
      });
    }
    return h(
      "div",
      { class: "field tune", dataset: { path: leaf.path } },
      leaf.kind === "int_range" ? h("span", { class: "label", id: `${id}-label` }, leaf.path) : h("label", { for: id }, leaf.path),
      inputs,
      h("p", { class: "hint", id: `${id}-hint` }, `${leaf.help} ${boundsText}`),
      h("p", { class: "field-error", id: `${id}-error`, hidden: true }),
    );
  });
  const open = Object.keys(state.overrides).length > 0;
  return h(
    "details",
    { class: "tuning card", id: "tuning", open },
    h("summary", {}, h("span", { class: "summary-title" }, "Tuning"), h("span", { class: "muted" }, " — advanced: override parameters within the scenario's guardrails")),
    h(
      "div",
      { class: "tuning-body" },
      h(
        "p",
        { class: "row" },
        h(
          "button",
          {
            type: "button",
            class: "button",
            id: "tuning-reset",
            onclick: () => {
              state.overrides = {};
              for (const key of Object.keys(drafts)) delete drafts[key];
              onChange(null, true);
            },
          },
          "Reset all to the preset",
        ),
      ),
      h("div", { class: "tune-grid" }, rows),
    ),
  );
}

function markTuning(panel, detail, errors) {
  for (const leaf of detail.schema) {
    const id = `tune-${leaf.path.replaceAll(".", "-")}`;
    const message = errors[leaf.path] || "";
    const error = panel.querySelector(`#${CSS.escape(id)}-error`);
    const inputs = [panel.querySelector(`#${CSS.escape(id)}`), panel.querySelector(`#${CSS.escape(id)}-hi`)].filter(Boolean);
    inputs.forEach((input) => input.setAttribute("aria-invalid", message ? "true" : "false"));
    if (error) {
      error.textContent = message;
      error.hidden = !message;
    }
    const wrapper = panel.querySelector(`[data-path="${CSS.escape(leaf.path)}"]`);
    if (wrapper) wrapper.classList.toggle("invalid", Boolean(message));
  }
}

function previewKey() {
  return JSON.stringify({ ...selections(), seed: String(selections().seed) });
}

async function renderPreviewStep(root, ctx) {
  const detail = await scenarioDetail(state.scenario);
  const drafts = {}; // text being edited in tuning inputs, by path
  const status = h("p", { class: "preview-status", role: "status", "aria-live": "polite" });
  const results = h("div", { class: "preview-results", "aria-busy": "false" });
  const chartBox = h("section", { class: "card chart-card", "aria-labelledby": "chart-title" });
  const serverErrors = h("div", { class: "server-errors" });
  let footer;
  let tuningOk = true;
  let previewOk = false;
  let timer = null;
  let sequence = 0;

  const updateFooter = () => {
    const ok = tuningOk && previewOk;
    footer.update(ok, tuningOk ? "Waiting for a valid preview." : "Fix the highlighted tuning values to continue.");
  };

  const showPreview = (data) => {
    mount(
      chartBox,
      h("h2", { id: "chart-title" }, "Lead arrivals"),
      arrivalsChart(data.arrivals),
      h("p", { class: "hint" }, `${fmtInt(data.leads)} leads over ${fmtInt(data.arrivals.bins)} bins. Hover a bar for its count.`),
    );
    mount(results, previewTables(data));
  };

  const loadPreview = async () => {
    const key = previewKey();
    if (lastPreview && lastPreview.key === key) {
      previewOk = true;
      showPreview(lastPreview.data);
      status.textContent = "";
      updateFooter();
      return;
    }
    sequence += 1;
    const mine = sequence;
    previewOk = false;
    updateFooter();
    results.setAttribute("aria-busy", "true");
    status.textContent = "Computing the preview…";
    const body = selections();
    delete body.scenario;
    delete body.pace;
    delete body.timeScale;
    try {
      const data = await api.post(`/api/scenarios/${encodeURIComponent(state.scenario)}/preview/`, body);
      if (mine !== sequence) return;
      lastPreview = { key, data };
      mount(serverErrors);
      showPreview(data);
      previewOk = true;
      status.textContent = "Preview up to date.";
    } catch (error) {
      if (mine !== sequence) return;
      const fieldErrors = error instanceof ApiError ? error.fieldErrors() : {};
      const tuning = {};
      const other = [];
      for (const [path, messages] of Object.entries(fieldErrors)) {
        const leaf = path.startsWith("overrides.") ? path.slice("overrides.".length) : path;
        if (detail.schema.some((s) => s.path === leaf)) tuning[leaf] = messages.join(" ");
        else other.push(`${path}: ${messages.join(" ")}`);
      }
      markTuning(panel, detail, tuning);
      if (Object.keys(tuning).length) tuningOk = false;
      mount(
        serverErrors,
        errorPanel(other.length ? `The preview was refused. ${other.join(" ")}` : error.message),
        other.some((text) => /^(start|end|records|seed|distribution)/.test(text)) ? h("p", {}, h("a", { href: "#/wizard/3" }, "Change the window and size")) : null,
      );
      status.textContent = "";
    } finally {
      if (mine === sequence) results.setAttribute("aria-busy", "false");
      updateFooter();
    }
  };

  const onChange = (leaf, reset = false) => {
    const { errors, values } = tuningErrors(detail, drafts);
    markTuning(panel, detail, errors);
    tuningOk = Object.keys(errors).length === 0;
    if (reset) {
      const fresh = tuningPanel(detail, drafts, onChange);
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
      state.overrides = overrides;
      saveDraft();
      window.clearTimeout(timer);
      timer = window.setTimeout(loadPreview, 350);
      status.textContent = "Updating the preview…";
    } else {
      window.clearTimeout(timer);
      status.textContent = "The preview shows the last valid values.";
    }
    updateFooter();
  };

  let panel = tuningPanel(detail, drafts, onChange);
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

// --- step 5: confirm -------------------------------------------------------------------------------------------

function renderConfirmStep(root, ctx) {
  const method = distributionOf(state.distribution);
  const preset = catalog.scenarios.find((s) => s.slug === state.scenario);
  const seed = lastPreview && previewKey() === lastPreview.key ? lastPreview.data.seed : null;
  const errorBox = h("div", { class: "confirm-errors" });
  const overrides = Object.entries(state.overrides);
  const start = async (event) => {
    const button = event.currentTarget;
    if (button.getAttribute("aria-busy") === "true") return;
    button.setAttribute("aria-busy", "true");
    button.textContent = "Starting…";
    mount(errorBox);
    try {
      const chosen = selections();
      await api.put("/api/profile/", { ...chosen, muted: ctx.muted() });
      const body = { ...selections(seed === null ? undefined : seed), autoStart: true };
      const simulation = await api.post("/api/simulations/", body);
      clearDraft();
      lastPreview = null;
      announce(`Simulation ${simulation.id} started.`);
      ctx.navigate(`#/simulations/${simulation.id}`);
    } catch (error) {
      button.removeAttribute("aria-busy");
      button.textContent = "Save and start";
      const messages = error instanceof ApiError ? Object.entries(error.fieldErrors()).map(([k, v]) => `${k}: ${v.join(" ")}`) : [];
      mount(errorBox, errorPanel(messages.length ? messages.join(" ") : error.message));
    }
  };
  const row = (label, value) => [h("dt", {}, label), h("dd", {}, value)];
  mount(
    root,
    stepper(5),
    heading("Confirm and start"),
    h("p", { class: "lead" }, "Your selections are saved to your profile and the simulation starts right away."),
    h(
      "dl",
      { class: "summary card", id: "confirm-summary" },
      row("Distribution", method ? method.label : state.distribution),
      method && method.params.length ? row("Distribution settings", Object.entries(currentParams()).map(([k, v]) => `${k} = ${Array.isArray(v) ? v.map(fmtNumber).join(", ") : fmtNumber(v)}`).join("; ")) : null,
      row("Scenario", preset ? preset.name : state.scenario),
      row("Tuning", overrides.length ? overrides.map(([k, v]) => `${k} = ${showValue(v)}`).join("; ") : "none (preset values)"),
      row("Window (UTC)", `${state.start} → ${state.end}`),
      row("Records", fmtInt(Number(state.records))),
      row("Seed", seed !== null ? `${String(seed)}${state.seed.trim() === "" ? " (drawn for the preview)" : ""}` : state.seed.trim() || "random"),
      row("Pace", state.pace === "live" ? `Live at ${fmtNumber(Number(state.timeScale))}×` : "Backfill"),
      lastPreview && previewKey() === lastPreview.key ? row("Planned", `${fmtInt(lastPreview.data.leads)} leads, ${fmtInt(lastPreview.data.planned.deals)} deals, ${fmtInt(lastPreview.data.planned.activities)} activities`) : null,
    ),
    errorBox,
    h(
      "div",
      { class: "wizard-footer" },
      h("a", { class: "button", href: "#/wizard/4", id: "wizard-back" }, "Back"),
      h("button", { type: "button", class: "button primary", id: "wizard-start", onclick: start }, "Save and start"),
    ),
  );
}

// --- entry -----------------------------------------------------------------------------------------------------

/** Render wizard step `step` (1-5) into root. Steps whose prerequisites are missing send you back. */
export async function renderWizard(root, ctx, step) {
  await ensureLoaded(ctx);
  if (step > 1 && (!state.distribution || Object.keys(distributionErrors()).length)) return ctx.navigate("#/wizard/1", true);
  if (step > 2 && !catalog.scenarios.some((s) => s.slug === state.scenario)) return ctx.navigate("#/wizard/2", true);
  if (step > 3 && Object.keys(windowErrors(ctx.limits)).length) return ctx.navigate("#/wizard/3", true);
  if (step === 5 && !(lastPreview && lastPreview.key === previewKey())) return ctx.navigate("#/wizard/4", true);
  const renderers = [renderDistributionStep, renderScenarioStep, renderWindowStep, renderPreviewStep, renderConfirmStep];
  await renderers[step - 1](root, ctx);
  focusHeading(root);
}

/** Forget the in-memory wizard (another user's profile must not leak through a cached state). */
export function resetWizard() {
  state = null;
  lastPreview = null;
  clearDraft();
}
