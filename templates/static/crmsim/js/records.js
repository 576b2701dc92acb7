// The record browser: a simulation's companies, contacts, deals and activities with filters and cursor paging.

import { ApiError, api, cursorOf, query } from "./api.js";
import { emptyState, errorPanel, focusHeading, h, heading, mount } from "./dom.js";
import { fmtInt } from "./format.js";
import { apiParams, filterForm } from "./records/filters.js";
import { recordSpecs } from "./records/types.js";

function tabs(specs, sim, current) {
  return h(
    "nav",
    { class: "tabs", "aria-label": "Record types" },
    h("a", { href: `#/simulations/${sim}` }, "Dashboard"),
    Object.entries(specs).map(([type, spec]) =>
      h("a", { href: `#/simulations/${sim}/${type}`, "aria-current": type === current ? "page" : null }, spec.label),
    ),
  );
}

export async function renderRecords(root, ctx, sim, type, params) {
  const specs = recordSpecs();
  const spec = specs[type];
  const table = h("div", { class: "table-wrap", "aria-live": "polite", "aria-busy": "true" }, h("p", { role: "status" }, `Loading ${spec.label.toLowerCase()}…`));
  const pager = h("nav", { class: "pager", "aria-label": "Pages" });
  mount(
    root,
    h("p", { class: "crumbs" }, h("a", { href: "#/simulations" }, "Simulations"), " / ", h("a", { href: `#/simulations/${sim}` }, `#${sim}`), " / ", spec.label),
    heading(`${spec.label} of simulation ${sim}`),
    tabs(specs, sim, type),
    filterForm(spec, sim, type, params, ctx),
    table,
    pager,
  );
  focusHeading(root);
  let page;
  try {
    page = await api.get(`/api/simulations/${sim}/${type}/${query(apiParams(params))}`);
  } catch (error) {
    const message =
      error instanceof ApiError && error.status === 400
        ? Object.entries(error.fieldErrors()).map(([k, v]) => `${k}: ${v.join(" ")}`).join(" ")
        : error instanceof ApiError && error.status === 404
          ? `Simulation ${sim} does not exist or is not yours.`
          : error.message;
    mount(table, errorPanel(message, () => renderRecords(root, ctx, sim, type, params)));
    table.setAttribute("aria-busy", "false");
    return;
  }
  table.setAttribute("aria-busy", "false");
  const filtered = [...params.keys()].some((k) => k !== "cursor" && k !== "pageSize");
  if (!page.results.length) {
    mount(
      table,
      emptyState(
        filtered ? `No ${spec.label.toLowerCase()} match these filters.` : `This simulation has no ${spec.label.toLowerCase()} yet.`,
        filtered ? h("a", { href: `#/simulations/${sim}/${type}` }, "Clear the filters") : null,
      ),
    );
  } else {
    mount(
      table,
      h(
        "table",
        { class: "table records", id: "records-table", dataset: { type } },
        h("caption", { class: "visually-hidden" }, `${spec.label}, ${page.results.length} on this page`),
        h("thead", {}, h("tr", {}, spec.columns.map(([name, , cls]) => h("th", { scope: "col", class: cls || null }, name)))),
        h(
          "tbody",
          {},
          page.results.map((row) => h("tr", { dataset: { key: String(row.key) } }, spec.columns.map(([, cell, cls]) => h("td", { class: cls || null }, cell(row, sim))))),
        ),
      ),
    );
  }
  const link = (direction, label, target) => {
    const cursor = cursorOf(target);
    if (!cursor) return h("span", { class: "button disabled", "aria-disabled": "true" }, label);
    const next = new URLSearchParams(params);
    next.set("cursor", cursor);
    return h("a", { class: "button", rel: direction, href: `#/simulations/${sim}/${type}?${next}` }, label);
  };
  mount(pager, link("prev", "← Previous", page.previous), h("span", { class: "muted" }, `${fmtInt(page.results.length)} rows`), link("next", "Next →", page.next));
}
