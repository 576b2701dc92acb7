// The custom distribution's weights editor: one number per slice of the window, each with its own bar drawn right
// above its input (so the chart lines up with the inputs at any width, wrapping as they wrap).

import { h, mount } from "../dom.js";

const MAX_SLICES = 1000;

/** Edits params[spec.name] (an array) in place; onChange() after every edit (validation is the caller's). */
export function weightsEditor(spec, params, onChange) {
  const list = h("ol", { class: "weights", "aria-label": "Weights per slice of the window" });
  const bars = [];
  // Bar heights relative to the largest weight; decorative (each input says its number).
  const redraw = () => {
    const weights = params[spec.name];
    const peak = Math.max(...weights.filter((w) => Number.isFinite(w) && w > 0), 1e-9);
    bars.forEach((bar, i) => {
      const w = Number.isFinite(weights[i]) && weights[i] > 0 ? weights[i] : 0;
      bar.style.height = `${((100 * w) / peak).toFixed(1)}%`;
    });
  };
  const render = () => {
    const weights = params[spec.name];
    bars.length = 0;
    mount(
      list,
      weights.map((weight, i) =>
        h(
          "li",
          {},
          h("span", { class: "weight-plot", "aria-hidden": "true" }, (bars[i] = h("span", { class: "weight-bar", dataset: { slice: String(i) } }))),
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
    if (params[spec.name].length >= MAX_SLICES) return;
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
    list,
    h(
      "div",
      { class: "row" },
      h("button", { type: "button", class: "button", onclick: add }, "Add slice"),
      h("button", { type: "button", class: "button", onclick: remove }, "Remove last slice"),
    ),
  );
}
