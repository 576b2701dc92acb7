// The record browser's filter form (its state is the URL: applying navigates) and the API query it maps to.

import { h, uid } from "../dom.js";

const PAGE_SIZES = [25, 50, 100];
const DEFAULT_PAGE_SIZE = 50;

/** The form for `spec.filters` with the hash's current values, plus rows per page; submit navigates. */
export function filterForm(spec, sim, type, params, ctx) {
  const controls = spec.filters.map((filter) => {
    const id = uid(`filter-${filter.name}`);
    const value = params.get(filter.name) || "";
    let input;
    if (filter.type === "select") {
      input = h(
        "select",
        { id, name: filter.name },
        h("option", { value: "" }, "Any"),
        filter.options.map(([v, label]) => h("option", { value: v, selected: v === value }, label)),
      );
    } else {
      input = h("input", {
        id,
        name: filter.name,
        type: filter.type === "date" ? "date" : "number",
        min: filter.type === "number" ? "0" : null,
        step: filter.type === "number" ? "1" : null,
        value: filter.type === "date" ? value.slice(0, 10) : value,
      });
    }
    return h(
      "div",
      { class: "field", dataset: { filter: filter.name } },
      h("label", { for: id }, filter.label),
      input,
      h("p", { class: "field-error", id: `${id}-error`, hidden: true }),
    );
  });
  const sizeId = uid("page-size");
  const size = params.get("pageSize") || String(DEFAULT_PAGE_SIZE);
  return h(
    "form",
    {
      class: "filters card",
      role: "search",
      "aria-label": `Filter ${spec.label.toLowerCase()}`,
      onsubmit: (event) => {
        event.preventDefault();
        const data = new FormData(event.currentTarget);
        const next = new URLSearchParams();
        for (const [key, value] of data.entries()) if (value !== "") next.set(key, value);
        ctx.navigate(`#/simulations/${sim}/${type}${next.toString() ? `?${next}` : ""}`);
      },
    },
    controls,
    h(
      "div",
      { class: "field" },
      h("label", { for: sizeId }, "Rows per page"),
      h("select", { id: sizeId, name: "pageSize" }, PAGE_SIZES.map((n) => h("option", { value: String(n), selected: String(n) === size }, String(n)))),
    ),
    h(
      "div",
      { class: "field actions" },
      h("button", { type: "submit", class: "button primary" }, "Apply filters"),
      h("a", { class: "button", href: `#/simulations/${sim}/${type}` }, "Clear"),
    ),
  );
}

/** The hash's query as the API's: filters as they are (dates are ISO days, midnight UTC), 50 rows by default. */
export function apiParams(params) {
  const out = { pageSize: String(DEFAULT_PAGE_SIZE) };
  for (const [key, value] of params.entries()) {
    if (value !== "") out[key] = value;
  }
  return out;
}

/** Show the API's 400 messages ({filter name: [message]}) under their fields and focus the first one; returns the
 * messages of names the form has no field for (e.g. a bad cursor). */
export function markFilterErrors(form, errors) {
  const unplaced = [];
  let first = null;
  for (const [name, messages] of Object.entries(errors)) {
    const wrapper = form.querySelector(`[data-filter="${CSS.escape(name)}"]`);
    const input = wrapper?.querySelector("input, select");
    const error = wrapper?.querySelector(".field-error");
    if (!input || !error) {
      unplaced.push(`${name}: ${messages.join(" ")}`);
      continue;
    }
    wrapper.classList.add("invalid");
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", error.id);
    error.textContent = messages.join(" ");
    error.hidden = false;
    first = first || input;
  }
  if (first) first.focus();
  return unplaced;
}
