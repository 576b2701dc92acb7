// Wizard step 4's Tuning panel: an input per scenario parameter with its guardrails; errors are shown in place.

import { h } from "../dom.js";
import { fmtNumber, fmtValue } from "../format.js";
import { bounds, leafValue } from "./validation.js";

const inputId = (leaf) => `tune-${leaf.path.replaceAll(".", "-")}`;

/** One parameter: a number input, or a from/to pair for an int_range. Edits go to drafts[path] as text. */
function tuningField(wizard, leaf, drafts, onChange) {
  const { min, max, source } = bounds(leaf);
  const id = inputId(leaf);
  const current = leafValue(wizard, leaf);
  const integer = leaf.kind === "int" || leaf.kind === "int_range";
  const boundsText = `${source === "guardrails" ? "Guardrails" : "Limits"}: ${fmtNumber(min)} – ${fmtNumber(max)}. Preset: ${fmtValue(leaf.value)}.`;
  const attrs = { type: "number", min: String(min), max: String(max), step: integer ? "1" : "any", inputmode: integer ? "numeric" : "decimal" };
  const describedBy = `${id}-hint ${id}-error`;
  let inputs;
  if (leaf.kind === "int_range") {
    const pair = drafts[leaf.path] ?? current.map(String);
    const update = (i) => (event) => {
      const next = [...(drafts[leaf.path] ?? leafValue(wizard, leaf).map(String))];
      next[i] = event.target.value;
      drafts[leaf.path] = next;
      onChange(leaf);
    };
    inputs = h(
      "div",
      { class: "pair", role: "group", "aria-labelledby": `${id}-label` },
      h("input", { ...attrs, id, "aria-label": `${leaf.label} from`, value: String(pair[0]), oninput: update(0), "aria-describedby": describedBy }),
      h("span", { "aria-hidden": "true" }, "to"),
      h("input", { ...attrs, id: `${id}-hi`, "aria-label": `${leaf.label} to`, value: String(pair[1]), oninput: update(1), "aria-describedby": describedBy }),
    );
  } else {
    inputs = h("input", {
      ...attrs,
      id,
      value: String(drafts[leaf.path] ?? current),
      "aria-describedby": describedBy,
      oninput: (event) => {
        drafts[leaf.path] = event.target.value;
        onChange(leaf);
      },
    });
  }
  return h(
    "div",
    { class: "field tune", dataset: { path: leaf.path } },
    leaf.kind === "int_range" ? h("span", { class: "label", id: `${id}-label` }, leaf.label) : h("label", { for: id }, leaf.label),
    inputs,
    h("p", { class: "hint", id: `${id}-hint` }, `${leaf.help} ${boundsText} API name: `, h("code", { class: "param-path" }, leaf.path), "."),
    h("p", { class: "field-error", id: `${id}-error`, hidden: true }),
  );
}

/**
 * The collapsible panel (open when overrides exist). onChange(leaf) after an edit; onChange(null, true) after
 * "Reset all", which has already cleared the overrides and the drafts.
 */
export function tuningPanel(wizard, detail, drafts, onChange) {
  const reset = () => {
    wizard.choices.overrides = {};
    for (const key of Object.keys(drafts)) delete drafts[key];
    onChange(null, true);
  };
  return h(
    "details",
    { class: "tuning card", id: "tuning", open: Object.keys(wizard.choices.overrides).length > 0 },
    h("summary", {}, h("span", { class: "summary-title" }, "Tuning"), h("span", { class: "muted" }, " — advanced: override parameters within the scenario's guardrails")),
    h(
      "div",
      { class: "tuning-body" },
      h("p", { class: "row" }, h("button", { type: "button", class: "button", id: "tuning-reset", onclick: reset }, "Reset all to the preset")),
      h("div", { class: "tune-grid" }, detail.schema.map((leaf) => tuningField(wizard, leaf, drafts, onChange))),
    ),
  );
}

/** Show errors ({path: message}) next to their inputs; paths without one are cleared. */
export function markTuning(panel, detail, errors) {
  for (const leaf of detail.schema) {
    const id = inputId(leaf);
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
