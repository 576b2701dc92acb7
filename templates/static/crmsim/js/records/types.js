// What the record browser shows per record type: its filters (as the API names them) and its table columns.

import { h } from "../dom.js";
import { fmtAmount, fmtDateTime, fmtInt } from "../format.js";
import {
  activityLabel,
  activityTypes,
  browsableTypes,
  dealStages,
  dealTypeLabel,
  dealTypes,
  leadStatusLabel,
  leadStatuses,
  lifecycleStages,
  pipelineLabel,
  companyKindLabel,
  pipelines,
  sourceLabel,
  sources,
  stageLabel,
} from "../vocabulary.js";

const choices = (items) => items.map(({ value, label }) => [value, label]);
const blank = (value) => (value === null || value === "" ? "—" : value);
// The sales team as filter choices ("Ada Lovelace · EMEA"), or a key field when the team could not be loaded.
const ownerFilter = (names) =>
  names.owners.length
    ? { name: "ownerKey", label: "Owner", type: "select", options: names.owners.map((o) => [String(o.key), `${o.firstName} ${o.lastName} · ${o.team}`]) }
    : { name: "ownerKey", label: "Owner key", type: "number" };
const owner = (names) => ["Owner", (r) => names.ownerName(r.ownerKey)];
const OUTCOMES = [["true", "Won"], ["false", "Lost"], ["open", "Open"]];
export const outcomeLabel = (isWon) => OUTCOMES.find(([value]) => value === (isWon === null ? "open" : String(isWon)))[1];
const dealLink = (sim, key, text) => h("a", { href: `#/simulations/${sim}/deals/${key}`, "aria-label": text === undefined ? `Deal ${key}` : null }, text ?? fmtInt(key));

// Per type: its filters (as the API names them) and its columns.
const columnsAndFilters = (names) => ({
  companies: {
    filters: [
      ownerFilter(names),
      { name: "createdAfter", label: "Created on or after", type: "date" },
      { name: "createdBefore", label: "Created before", type: "date" },
    ],
    columns: [
      ["Key", (r, sim) => h("a", { href: `#/simulations/${sim}/contacts?companyKey=${r.key}`, "aria-label": `Company ${r.key}: show its contacts` }, fmtInt(r.key)), "num"],
      ["Name", (r) => r.name],
      ["Kind", (r) => companyKindLabel(r.kind)],
      ["Domain", (r) => blank(r.domain)],
      ["Industry", (r) => blank(r.industry)],
      ["Employees", (r) => (r.employees === null ? "—" : fmtInt(r.employees)), "num"],
      ["Revenue", (r) => (r.annualRevenue === null ? "—" : fmtInt(r.annualRevenue)), "num"],
      ["Location", (r) => [r.city, r.country].filter(Boolean).join(", ") || "—"],
      owner(names),
      ["Created (UTC)", (r) => fmtDateTime(r.createdAt), "nowrap"],
    ],
  },
  contacts: {
    filters: [
      { name: "lifecycleStage", label: "Lifecycle stage", type: "select", options: choices(lifecycleStages()) },
      { name: "leadStatus", label: "Lead status", type: "select", options: choices(leadStatuses()) },
      { name: "source", label: "Original source", type: "select", options: choices(sources()) },
      ownerFilter(names),
      { name: "companyKey", label: "Company key", type: "number" },
      { name: "createdAfter", label: "Created on or after", type: "date" },
      { name: "createdBefore", label: "Created before", type: "date" },
    ],
    columns: [
      ["Key", (r) => fmtInt(r.key), "num"],
      ["Name", (r, sim) => h("a", { href: `#/simulations/${sim}/contacts/${r.key}/timeline` }, `${r.firstName} ${r.lastName}`), "nowrap"],
      ["Email", (r) => r.email],
      ["Phone", (r) => blank(r.phone), "nowrap"],
      ["Job title", (r) => blank(r.jobTitle)],
      ["Country", (r) => blank(r.country)],
      ["Stage", (r) => stageLabel(r.lifecycleStage)],
      ["Lead status", (r) => leadStatusLabel(r.leadStatus)],
      ["Source", (r) => sourceLabel(r.source)],
      owner(names),
      ["Company", (r, sim) => h("a", { href: `#/simulations/${sim}/contacts?companyKey=${r.companyKey}`, "aria-label": `Contacts of company ${r.companyKey}` }, fmtInt(r.companyKey)), "num"],
      ["Created (UTC)", (r) => fmtDateTime(r.createdAt), "nowrap"],
    ],
  },
  deals: {
    filters: [
      { name: "pipeline", label: "Pipeline", type: "select", options: choices(pipelines()) },
      { name: "dealstage", label: "Deal stage", type: "select", options: choices(dealStages()) },
      { name: "dealType", label: "Deal type", type: "select", options: choices(dealTypes()) },
      ownerFilter(names),
      { name: "isWon", label: "Outcome", type: "select", options: OUTCOMES },
      { name: "companyKey", label: "Company key", type: "number" },
      { name: "createdAfter", label: "Created on or after", type: "date" },
      { name: "createdBefore", label: "Created before", type: "date" },
    ],
    columns: [
      ["Key", (r) => fmtInt(r.key), "num"],
      ["Name", (r, sim) => dealLink(sim, r.key, r.name)],
      ["Amount", (r) => fmtAmount(r.amount), "num"],
      ["Pipeline", (r) => pipelineLabel(r.pipeline)],
      ["Stage", (r) => stageLabel(r.dealstage)],
      ["Probability", (r) => `${Math.round(r.probability * 100)}%`, "num"],
      ["Type", (r) => dealTypeLabel(r.dealType)],
      ["Outcome", (r) => outcomeLabel(r.isWon)],
      ["Close date", (r) => fmtDateTime(r.closeDate), "nowrap"],
      ["Lost reason", (r) => blank(r.lostReason)],
      owner(names),
      ["Contact", (r, sim) => h("a", { href: `#/simulations/${sim}/contacts/${r.contactKey}/timeline`, "aria-label": `Timeline of contact ${r.contactKey}` }, fmtInt(r.contactKey)), "num"],
      ["Created (UTC)", (r) => fmtDateTime(r.createdAt), "nowrap"],
      ["Closed (UTC)", (r) => fmtDateTime(r.closedAt), "nowrap"],
    ],
  },
  activities: {
    filters: [
      { name: "type", label: "Type", type: "select", options: choices(activityTypes()) },
      ownerFilter(names),
      { name: "contactKey", label: "Contact key", type: "number" },
      { name: "occurredAfter", label: "On or after", type: "date" },
      { name: "occurredBefore", label: "Before", type: "date" },
    ],
    columns: [
      ["Key", (r) => fmtInt(r.key), "num"],
      ["Type", (r) => activityLabel(r.type)],
      ["Subject", (r) => r.subject],
      ["Details", (r) => activityDetails(r)],
      ["Body", (r) => blank(r.body)],
      owner(names),
      ["Contact", (r, sim) => h("a", { href: `#/simulations/${sim}/contacts/${r.contactKey}/timeline`, "aria-label": `Timeline of contact ${r.contactKey}` }, fmtInt(r.contactKey)), "num"],
      ["Deal", (r, sim) => (r.dealKey === null ? "—" : dealLink(sim, r.dealKey)), "num"],
      ["When (UTC)", (r) => fmtDateTime(r.occurredAt), "nowrap"],
    ],
  },
});

/** The type's own fields in one line: direction, status, duration, due date, priority (those it has). */
export function activityDetails(r) {
  const parts = [r.direction, r.status, r.priority];
  if (r.durationSeconds !== null && r.durationSeconds !== undefined) parts.push(`${Math.round(r.durationSeconds / 60)} min`);
  if (r.dueAt) parts.push(`due ${fmtDateTime(r.dueAt)}`);
  return parts.filter(Boolean).join(" · ") || "—";
}

/** The sales team by key, for owner columns and the owner filter: names.ownerName(key) -> "Ada Lovelace". */
export function ownerNames(owners) {
  const byKey = new Map(owners.map((o) => [o.key, `${o.firstName} ${o.lastName}`]));
  return { owners, ownerName: (key) => byKey.get(key) || (key === null || key === undefined ? "—" : `Owner ${fmtInt(key)}`) };
}

/** {type: {label, filters, columns}} for every browsable record type, labels from the vocabulary. */
export function recordSpecs(names = ownerNames([])) {
  const specs = columnsAndFilters(names);
  return Object.fromEntries(browsableTypes().map(({ value, label }) => [value, { label, ...specs[value] }]));
}
