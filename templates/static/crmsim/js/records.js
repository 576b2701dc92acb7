// The record browser: a simulation's companies, contacts, deals and activities with filters, cursor paging and the
// list's total ("50 shown of 1,234").

import { ApiError, api, cursorOf, query } from "./api.js";
import { crumbs, emptyState, errorPanel, focusHeading, h, heading, mount } from "./dom.js";
import { fmtInt } from "./format.js";
import { apiParams, filterForm, markFilterErrors } from "./records/filters.js";
import { ownerNames, recordSpecs } from "./records/types.js";

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

/** The simulation's sales team (one small page), for owner names and the owner filter; none if it fails. */
export async function loadOwners(sim) {
  try {
    return ownerNames(await api.get(`/api/simulations/${sim}/owners/`));
  } catch {
    return ownerNames([]);
  }
}

/** A refused query (400): its messages sit under the filters they concern, and the way out is to change them;
 * "Try again" would only send the same query again. Other errors can be retried. */
function failure(error, { sim, type, form, retry }) {
  if (error instanceof ApiError && error.status === 400) {
    const unplaced = markFilterErrors(form, error.fieldErrors());
    return h(
      "div",
      { class: "alert error", role: "alert", id: "records-refused" },
      h("p", {}, "These filters were not accepted: change the highlighted ones, or start over.", unplaced.length ? ` ${unplaced.join(" ")}` : ""),
      h("p", {}, h("a", { class: "button", href: `#/simulations/${sim}/${type}` }, "Clear the filters")),
    );
  }
  const message = error instanceof ApiError && error.status === 404 ? `Simulation ${sim} does not exist or is not yours.` : error.message;
  return errorPanel(message, retry);
}

export async function renderRecords(root, ctx, sim, type, params) {
  const names = await loadOwners(sim);
  const specs = recordSpecs(names);
  const spec = specs[type];
  const table = h("div", { class: "table-wrap", "aria-live": "polite", "aria-busy": "true" }, h("p", { role: "status" }, `Loading ${spec.label.toLowerCase()}…`));
  const pager = h("nav", { class: "pager", "aria-label": "Pages" });
  const form = filterForm(spec, sim, type, params, ctx);
  mount(
    root,
    crumbs(["Simulations", "#/simulations"], [`#${sim}`, `#/simulations/${sim}`], spec.label),
    heading(`${spec.label} of simulation ${sim}`),
    tabs(specs, sim, type),
    form,
    table,
    pager,
  );
  focusHeading(root);
  let page;
  try {
    page = await api.get(`/api/simulations/${sim}/${type}/${query(apiParams(params))}`);
  } catch (error) {
    mount(table, failure(error, { sim, type, form, retry: () => renderRecords(root, ctx, sim, type, params) }));
    table.setAttribute("aria-busy", "false");
    return;
  }
  table.setAttribute("aria-busy", "false");
  const filtered = [...params.keys()].some((k) => k !== "cursor" && k !== "pageSize");
  const what = spec.label.toLowerCase();
  if (!page.results.length) {
    mount(
      table,
      emptyState(
        filtered ? `No ${what} match these filters.` : `This simulation has no ${what} yet.`,
        filtered ? h("a", { href: `#/simulations/${sim}/${type}` }, "Clear the filters") : null,
      ),
    );
  } else {
    mount(
      table,
      h(
        "table",
        { class: "table records cards-narrow", id: "records-table", dataset: { type } },
        h("caption", { class: "visually-hidden" }, `${spec.label}: ${fmtInt(page.results.length)} on this page of ${fmtInt(page.count)}`),
        h("thead", {}, h("tr", {}, spec.columns.map(([name, , cls]) => h("th", { scope: "col", class: cls || null }, name)))),
        h(
          "tbody",
          {},
          page.results.map((row) =>
            h(
              "tr",
              { dataset: { key: String(row.key) } },
              spec.columns.map(([name, cell, cls], i) => h("td", { class: [cls, i === 0 ? "card-head" : null].filter(Boolean).join(" ") || null, dataset: { label: name } }, cell(row, sim))),
            ),
          ),
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
  const total = `${fmtInt(page.results.length)} shown of ${fmtInt(page.count)} ${filtered ? `matching ${what}` : what}`;
  mount(pager, link("prev", "← Previous", page.previous), h("span", { class: "muted", id: "records-total" }, total), link("next", "Next →", page.next));
}
