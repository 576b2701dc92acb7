// What the record browser shows per record type: its filters (as the API names them) and its table columns.

import { h } from "../dom.js";
import { fmtAmount, fmtDateTime, fmtInt } from "../format.js";
import { activityTypes, browsableTypes, dealStages, lifecycleStages, stageLabel } from "../vocabulary.js";

const choices = (items) => items.map(({ value, label }) => [value, label]);

// Per type: its filters (as the API names them) and its columns.
const columnsAndFilters = () => ({
  companies: {
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
    filters: [
      { name: "lifecycleStage", label: "Lifecycle stage", type: "select", options: choices(lifecycleStages()) },
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
    filters: [
      { name: "dealstage", label: "Deal stage", type: "select", options: choices(dealStages()) },
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
    filters: [
      { name: "type", label: "Type", type: "select", options: choices(activityTypes()) },
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
});

/** {type: {label, filters, columns}} for every browsable record type, labels from the vocabulary. */
export function recordSpecs() {
  const specs = columnsAndFilters();
  return Object.fromEntries(browsableTypes().map(({ value, label }) => [value, { label, ...specs[value] }]));
}
