// Wizard step 3: the window (UTC), the number of records, the seed, and the pace (backfill, or live at a speed).

import { announce, h, heading, mount, uid } from "../dom.js";
import { fmtInt } from "../format.js";
import { LIVE, paces } from "../vocabulary.js";
import { field, setFieldError } from "../widgets/fields.js";
import { stepper, wizardFooter } from "./frame.js";
import { drawSeed } from "./state.js";
import { windowErrors } from "./validation.js";

const TIME_SCALES = [
  [1, "Real time (1×)"],
  [60, "An hour a minute (60×)"],
  [1440, "A day a minute (1,440×)"],
  [10080, "A week a minute (10,080×)"],
];

// What each pace means, by the API's value; a pace the UI does not describe yet still shows with its label.
const PACE_HELP = {
  backfill: "Write everything now, as fast as the database takes it.",
  live: "Records appear as their simulated time comes, in real or compressed time.",
};

/** The live pace's speed: a preset select and the number it fills in (or any other number). */
function speedFields(wizard, errors, refresh) {
  const state = wizard.choices;
  const isPreset = (value) => TIME_SCALES.some(([v]) => String(v) === value);
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
    h("option", { value: "", selected: !isPreset(state.timeScale) }, "Other…"),
  );
  const scaleInput = h("input", {
    type: "number",
    min: "0",
    step: "any",
    inputmode: "decimal",
    value: state.timeScale,
    oninput: (event) => {
      state.timeScale = event.target.value;
      scaleSelect.value = isPreset(event.target.value) ? event.target.value : "";
      refresh();
    },
  });
  return [
    h("div", { class: "field" }, h("label", { for: "window-scale-preset" }, "Speed"), scaleSelect),
    field({
      id: "window-timeScale",
      label: "Simulated seconds per wall-clock second",
      hint: "A window in the past is backfilled up to now, then the rest plays at this speed.",
      error: errors.timeScale,
      input: scaleInput,
    }),
  ];
}

const drawnHint = (wizard) => `Leave empty to use the random seed drawn for this visit, ${wizard.choices.drawnSeed}; it stays until you draw another or type one.`;

/** The seed: typed, or (blank) the visit's drawn one, which "Draw another" replaces. */
function seedField(wizard, errors, bind) {
  const box = field({
    id: "window-seed",
    label: "Seed (optional)",
    hint: drawnHint(wizard),
    error: errors.seed,
    input: h("input", { type: "text", inputmode: "numeric", autocomplete: "off", spellcheck: "false", value: wizard.choices.seed, oninput: bind("seed") }),
  });
  const redraw = h(
    "button",
    {
      type: "button",
      class: "button small",
      id: "window-seed-redraw",
      onclick: () => {
        wizard.choices.drawnSeed = drawSeed();
        box.querySelector("#window-seed-hint").textContent = drawnHint(wizard);
        wizard.saveDraft();
        announce(`New random seed ${wizard.choices.drawnSeed}.`);
      },
    },
    "Draw another seed",
  );
  box.append(h("div", { class: "row" }, redraw));
  return box;
}

export function renderWindowStep(root, ctx, wizard) {
  const state = wizard.choices;
  const limits = ctx.limits;
  let footer;
  const refresh = () => {
    const errors = windowErrors(wizard, limits);
    for (const name of ["start", "end", "records", "seed", "timeScale"]) setFieldError(root, `window-${name}`, errors[name]);
    footer.update(Object.keys(errors).length === 0);
    wizard.saveDraft();
  };
  const bind = (name) => (event) => {
    state[name] = event.target.value;
    refresh();
  };
  const errors = windowErrors(wizard, limits);
  const scaleBox = h("div", { class: "scale-box", hidden: !wizard.isLive() }, speedFields(wizard, errors, refresh));
  const paceName = uid("pace");
  const paceOption = ({ value, label }) => {
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
          scaleBox.hidden = value !== LIVE;
          refresh();
        },
      }),
      h("div", {}, h("label", { for: `pace-${value}` }, label), h("p", { class: "muted", id: descId }, PACE_HELP[value] || "")),
    );
  };
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
      seedField(wizard, errors, bind),
    ),
    h("fieldset", { class: "fieldset" }, h("legend", {}, "Pace"), h("div", { class: "choices" }, paces().map(paceOption)), scaleBox),
    footer,
  );
}
