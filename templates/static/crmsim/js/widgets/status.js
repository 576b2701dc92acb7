// A simulation's status badge and progress bars: the simulations list and the dashboard show both.

import { h } from "../dom.js";
import { fmtInt } from "../format.js";

/** Statuses a simulation never leaves: polling stops there. */
export const TERMINAL = new Set(["completed", "cancelled", "failed"]);

/** Statuses shown with a label of their own (the rest read as the status itself). */
const LABELS = { planning: "Planning…" };

export function statusBadge(status) {
  return h("span", { class: `status status-${status}`, dataset: { status } }, LABELS[status] || status);
}

/** Planning: the server is still counting what the run will make, so there is nothing to show progress of. */
export function planningNote(label) {
  return h("span", { class: "muted planning-note", role: "status", "aria-label": label }, "Planning…");
}

/** A role=progressbar with its numbers. Max 0 (none planned) shows an empty, hatched track that says so: a full
 * bar would read as "finished" during a live run that simply plans none of this type. */
export function progressBar(value, max, label, attrs = {}) {
  const none = !(max > 0);
  const percent = none ? 0 : Math.min(100, (100 * value) / max);
  return h(
    "div",
    {
      class: `bar-track${none ? " is-none" : ""}`,
      role: "progressbar",
      "aria-label": label,
      "aria-valuemin": "0",
      "aria-valuemax": String(max),
      "aria-valuenow": String(value),
      "aria-valuetext": none ? "none planned" : `${fmtInt(value)} of ${fmtInt(max)}`,
      title: none ? "None planned" : null,
      ...attrs,
    },
    h("div", { class: "bar-fill", style: `width: ${percent.toFixed(2)}%` }),
  );
}
