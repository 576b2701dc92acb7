// The record browser: a simulation's companies, contacts, deals and activities with filters and cursor paging,
// and one contact's timeline.

import { ApiError, api, cursorOf, query } from "./api.js";
import { emptyState, errorPanel, focusHeading, h, heading, mount, uid } from "./dom.js";
import { fmtAmount, fmtDateTime, fmtInt, stageLabel } from "./format.js";

const LIFECYCLE = ["subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer"];
const DEAL_STAGES = [
  "appointmentscheduled",
  "qualifiedtobuy",
  "presentationscheduled",
  "decisionmakerboughtin",
  "contractsent",
  "closedwon",
  "closedlost",
];
const PAGE_SIZES = [25, 50, 100];
const DEFAULT_PAGE_SIZE = 50;

const choice = (options) => options.map((value) => [value, stageLabel(value)]);

// Per type: its filters (as the API names them) and its columns.
const TYPES = {
  companies: {
    label: "Companies",
    filters: [
      { name: "createdAfter", label: "Created on or after", type: "date" },
      { name: "createdBefore", label: "Created before", type: "date" },
    ],
    columns: [
      ["Key", (r, sim) => h("a", { href: `#/simulations/${sim}/contacts?companyKey=${r.key}`, "aria-label": `Company ${r.key}: show its contacts` }, fmtInt(r.key)), "num"],
      ["Name", (r) => r.name],
      ["Domain", (r) => r.domain],
      ["Industry", (r) => r.industry],
      ["Employees", (r) => fmtInt(r.employees), "num"],
      ["Created (UTC)", (r) => fmtDateTime(r.createdAt), "nowrap"],
    ],
  },
  contacts: {
    label: "Contacts",
    filters: [
      { name: "lifecycleStage", label: "Lifecycle stage", type: "select", options: choice(LIFECYCLE) },
      { name: "companyKey", label: "Company key", type: "number" },
      { name: "createdAfter", label: "Created on or after", type: "date" },
      { name: "createdBefore", label: "Created before", type: "date" },
    ],
    columns: [
      ["Key", (r) => fmtInt(r.key), "num"],
      ["Name", (r, sim) => h("a", { href: `#/simulations/${sim}/contacts/${r.key}/timeline` }, `${r.firstName} ${r.lastName}`), "nowrap"],
      ["Email", (r) => r.email],
      ["Job title", (r) => r.jobTitle],
      ["Stage", (r) => stageLabel(r.lifecycleStage)],
      ["Company", (r, sim) => h("a", { href: `#/simulations/${sim}/contacts?companyKey=${r.companyKey}`, "aria-label": `Contacts of company ${r.companyKey}` }, fmtInt(r.companyKey)), "num"],
      ["Created (UTC)", (r) => fmtDateTime(r.createdAt), "nowrap"],
    ],
  },
  deals: {
    label: "Deals",
    filters: [
      { name: "dealstage", label: "Deal stage", type: "select", options: choice(DEAL_STAGES) },
      { name: "isWon", label: "Outcome", type: "select", options: [["true", "Won"], ["false", "Lost"], ["open", "Open"]] },
      { name: "companyKey", label: "Company key", type: "number" },
      { name: "createdAfter", label: "Created on or after", type: "date" },
      { name: "createdBefore", label: "Created before", type: "date" },
    ],
    columns: [
      ["Key", (r) => fmtInt(r.key), "num"],
      ["Name", (r) => r.name],
      ["Amount", (r) => fmtAmount(r.amount), "num"],
      ["Stage", (r) => stageLabel(r.dealstage)],
      ["Outcome", (r) => (r.isWon === null ? "open" : r.isWon ? "won" : "lost")],
      ["Contact", (r, sim) => h("a", { href: `#/simulations/${sim}/contacts/${r.contactKey}/timeline`, "aria-label": `Timeline of contact ${r.contactKey}` }, fmtInt(r.contactKey)), "num"],
      ["Created (UTC)", (r) => fmtDateTime(r.createdAt), "nowrap"],
      ["Closed (UTC)", (r) => fmtDateTime(r.closedAt), "nowrap"],
    ],
  },
  activities: {
    label: "Activities",
    filters: [
      { name: "type", label: "Type", type: "select", options: [["note", "Note"], ["task", "Task"], ["call", "Call"], ["email", "Email"], ["meeting", "Meeting"]] },
      { name: "contactKey", label: "Contact key", type: "number" },
      { name: "occurredAfter", label: "On or after", type: "date" },
      { name: "occurredBefore", label: "Before", type: "date" },
    ],
    columns: [
      ["Key", (r) => fmtInt(r.key), "num"],
      ["Type", (r) => r.type],
      ["Subject", (r) => r.subject],
      ["Contact", (r, sim) => h("a", { href: `#/simulations/${sim}/contacts/${r.contactKey}/timeline`, "aria-label": `Timeline of contact ${r.contactKey}` }, fmtInt(r.contactKey)), "num"],
      ["Deal", (r) => (r.dealKey === null ? "—" : fmtInt(r.dealKey)), "num"],
      ["When (UTC)", (r) => fmtDateTime(r.occurredAt), "nowrap"],
    ],
  },
};

function tabs(sim, current) {
  return h(
    "nav",
    { class: "tabs", "aria-label": "Record types" },
    h("a", { href: `#/simulations/${sim}` }, "Dashboard"),
    Object.entries(TYPES).map(([type, spec]) =>
      h("a", { href: `#/simulations/${sim}/${type}`, "aria-current": type === current ? "page" : null }, spec.label),
    ),
  );
}

function filterForm(sim, type, params, ctx) {
  const spec = TYPES[type];
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
    return h("div", { class: "field" }, h("label", { for: id }, filter.label), input);
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
function apiParams(params) {
  const out = { pageSize: String(DEFAULT_PAGE_SIZE) };
  for (const [key, value] of params.entries()) {
    if (value !== "") out[key] = value;
  }
  return out;
}

export async function renderRecords(root, ctx, sim, type, params) {
  const spec = TYPES[type];
  const table = h("div", { class: "table-wrap", "aria-live": "polite", "aria-busy": "true" }, h("p", { role: "status" }, `Loading ${spec.label.toLowerCase()}…`));
  const pager = h("nav", { class: "pager", "aria-label": "Pages" });
  mount(
    root,
    h("p", { class: "crumbs" }, h("a", { href: "#/simulations" }, "Simulations"), " / ", h("a", { href: `#/simulations/${sim}` }, `#${sim}`), " / ", spec.label),
    heading(`${spec.label} of simulation ${sim}`),
    tabs(sim, type),
    filterForm(sim, type, params, ctx),
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

function fact(label, value, key) {
  return h("div", {}, h("dt", {}, label), h("dd", { dataset: { fact: key } }, value));
}

function timelineItem(item) {
  let title;
  let detail = null;
  if (item.kind === "lifecycle") {
    title = item.fromStage ? `${stageLabel(item.fromStage)} → ${stageLabel(item.toStage)}` : `Arrived as ${stageLabel(item.toStage)}`;
  } else if (item.kind === "dealStage") {
    title = item.fromStage ? `Deal ${stageLabel(item.fromStage)} → ${stageLabel(item.toStage)}` : `Deal opened: ${stageLabel(item.toStage)}`;
    detail = `${item.dealName} · ${fmtAmount(item.amount)}`;
  } else {
    title = `${item.type[0].toUpperCase()}${item.type.slice(1)}: ${item.subject}`;
    detail = item.dealKey === null ? null : `on deal ${fmtInt(item.dealKey)}`;
  }
  return h(
    "li",
    { class: `event event-${item.kind}`, dataset: { kind: item.kind } },
    h("time", { datetime: item.at }, fmtDateTime(item.at)),
    h("span", { class: "event-kind" }, item.kind === "dealStage" ? "deal" : item.kind === "activity" ? item.type : "lifecycle"),
    h("span", { class: "event-title" }, title),
    detail ? h("span", { class: "event-detail muted" }, detail) : null,
  );
}

export async function renderTimeline(root, ctx, sim, key) {
  mount(root, heading(`Contact ${key}`), h("p", { role: "status" }, "Loading the timeline…"));
  let data;
  try {
    data = await api.get(`/api/simulations/${sim}/contacts/${key}/timeline/`);
  } catch (error) {
    const message = error instanceof ApiError && error.status === 404 ? `Contact ${key} is not in simulation ${sim}.` : error.message;
    mount(root, heading(`Contact ${key}`), errorPanel(message, () => renderTimeline(root, ctx, sim, key)), h("p", {}, h("a", { href: `#/simulations/${sim}/contacts` }, "Back to contacts")));
    focusHeading(root);
    return;
  }
  const c = data.contact;
  const counts = data.items.reduce((acc, item) => ({ ...acc, [item.kind]: (acc[item.kind] || 0) + 1 }), {});
  mount(
    root,
    h(
      "p",
      { class: "crumbs" },
      h("a", { href: "#/simulations" }, "Simulations"),
      " / ",
      h("a", { href: `#/simulations/${sim}` }, `#${sim}`),
      " / ",
      h("a", { href: `#/simulations/${sim}/contacts` }, "Contacts"),
      " / ",
      `${c.firstName} ${c.lastName}`,
    ),
    heading(`${c.firstName} ${c.lastName}`),
    h(
      "dl",
      { class: "stats card", id: "contact-facts" },
      fact("Stage", stageLabel(c.lifecycleStage), "stage"),
      fact("Email", c.email, "email"),
      fact("Phone", c.phone, "phone"),
      fact("Job title", c.jobTitle, "jobTitle"),
      fact("Company", h("a", { href: `#/simulations/${sim}/contacts?companyKey=${c.companyKey}` }, `${fmtInt(c.companyKey)} (its contacts)`), "company"),
      fact("Key", fmtInt(c.key), "key"),
      fact("Arrived", fmtDateTime(c.createdAt), "arrived"),
    ),
    h("h2", { id: "timeline-title" }, "Timeline"),
    h(
      "p",
      { class: "muted", id: "timeline-summary" },
      `${fmtInt(data.items.length)} events: ${fmtInt(counts.lifecycle || 0)} lifecycle, ${fmtInt(counts.dealStage || 0)} deal stage, ${fmtInt(counts.activity || 0)} activities.`,
    ),
    data.items.length
      ? h("ol", { class: "timeline", "aria-labelledby": "timeline-title", id: "timeline" }, data.items.map((item) => timelineItem(item)))
      : emptyState("No events yet."),
  );
  focusHeading(root);
}
