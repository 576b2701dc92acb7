// The wizard's confirm step: choose which of your sinks the new simulation streams to (POST body `sinks`).

import { api } from "../api.js";
import { h, mount } from "../dom.js";

/** A fieldset of checkboxes, one per enabled sink; `selected()` gives the chosen ids. */
export function sinkChooser() {
  const box = h("fieldset", { class: "card sink-chooser", id: "sink-chooser" }, h("legend", {}, "Stream to sinks (optional)"), h("p", { class: "muted" }, "Loading your sinks…"));
  const chosen = new Set();
  api.get("/api/sinks/").then(
    (sinks) => {
      const usable = sinks.filter((sink) => sink.enabled);
      mount(
        box,
        h("legend", {}, "Stream to sinks (optional)"),
        usable.length
          ? usable.map((sink) =>
              h(
                "label",
                { class: "check" },
                h("input", { type: "checkbox", value: String(sink.id), dataset: { sink: String(sink.id) }, onchange: (event) => (event.currentTarget.checked ? chosen.add(sink.id) : chosen.delete(sink.id)) }),
                ` ${sink.name} (${sink.kind}, ${sink.url})`,
              ),
            )
          : h("p", { class: "muted" }, "No sinks. ", h("a", { href: "#/sinks" }, "Add one"), " to stream the rows as they are written."),
      );
    },
    () => mount(box, h("legend", {}, "Stream to sinks (optional)"), h("p", { class: "muted" }, "Your sinks could not be loaded; the simulation can start without them.")),
  );
  return { element: box, selected: () => [...chosen] };
}
