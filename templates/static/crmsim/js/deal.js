// One deal's page: its facts, its buying committee (contacts with their roles, the primary first), its stage
// history and its engagements (the activities logged on it), each list with its total.

import { ApiError, api } from "./api.js";
import { crumbs, emptyState, errorPanel, focusHeading, h, heading, mount } from "./dom.js";
import { fmtAmount, fmtDateTime, fmtInt } from "./format.js";
import { loadOwners } from "./records.js";
import { activityDetails, outcomeLabel } from "./records/types.js";
import { activityLabel, dealTypeLabel, pipelineLabel, roleLabel, stageLabel } from "./vocabulary.js";

const fact = (label, value, key) => h("div", {}, h("dt", {}, label), h("dd", { dataset: { fact: key } }, value));
const th = (names) => h("thead", {}, h("tr", {}, names.map((name) => h("th", { scope: "col" }, name))));
const td = (label, value, attrs = {}) => h("td", { dataset: { label }, ...attrs }, value);
const contactLink = (sim, key, text) => h("a", { href: `#/simulations/${sim}/contacts/${key}/timeline` }, text);

function committeeTable(sim, committee) {
  return h(
    "table",
    { class: "table cards-narrow", id: "committee-table" },
    h("caption", { class: "visually-hidden" }, `Buying committee: ${fmtInt(committee.length)} contacts`),
    th(["Contact", "Role", "Job title", "Email", "Stage"]),
    h(
      "tbody",
      {},
      committee.map((m) =>
        h(
          "tr",
          { dataset: { contact: String(m.contactKey), role: m.role, primary: String(m.isPrimary) } },
          td("Contact", [contactLink(sim, m.contactKey, `${m.firstName} ${m.lastName}`), m.isPrimary ? h("span", { class: "badge primary-badge" }, "primary") : null], { class: "card-head" }),
          td("Role", roleLabel(m.role)),
          td("Job title", m.jobTitle || "—"),
          td("Email", m.email),
          td("Stage", stageLabel(m.lifecycleStage)),
        ),
      ),
    ),
  );
}

function engagementsTable(sim, engagements, names, committee) {
  const people = new Map(committee.map((m) => [m.contactKey, `${m.firstName} ${m.lastName}`]));
  return h(
    "table",
    { class: "table cards-narrow", id: "engagements-table" },
    h("caption", { class: "visually-hidden" }, `Engagements: ${fmtInt(engagements.length)}`),
    th(["When (UTC)", "Type", "Subject", "Details", "Contact", "Owner"]),
    h(
      "tbody",
      {},
      engagements.map((a) =>
        h(
          "tr",
          { dataset: { key: String(a.key) } },
          td("When (UTC)", fmtDateTime(a.occurredAt), { class: "nowrap card-head" }),
          td("Type", activityLabel(a.type)),
          td("Subject", a.subject),
          td("Details", activityDetails(a)),
          td("Contact", contactLink(sim, a.contactKey, people.get(a.contactKey) || `Contact ${fmtInt(a.contactKey)}`)),
          td("Owner", names.ownerName(a.ownerKey)),
        ),
      ),
    ),
  );
}

export async function renderDeal(root, ctx, sim, key) {
  mount(root, heading(`Deal ${key}`), h("p", { role: "status" }, "Loading the deal…"));
  let data;
  let names;
  try {
    [data, names] = await Promise.all([api.get(`/api/simulations/${sim}/deals/${key}/`), loadOwners(sim)]);
  } catch (error) {
    const message = error instanceof ApiError && error.status === 404 ? `Deal ${key} is not in simulation ${sim}.` : error.message;
    mount(root, heading(`Deal ${key}`), errorPanel(message, () => renderDeal(root, ctx, sim, key)), h("p", {}, h("a", { href: `#/simulations/${sim}/deals` }, "Back to deals")));
    focusHeading(root);
    return;
  }
  const { deal, committee, stages, engagements } = data;
  mount(
    root,
    crumbs(["Simulations", "#/simulations"], [`#${sim}`, `#/simulations/${sim}`], ["Deals", `#/simulations/${sim}/deals`], deal.name),
    heading(deal.name),
    h(
      "dl",
      { class: "stats card", id: "deal-facts" },
      fact("Amount", fmtAmount(deal.amount), "amount"),
      fact("Stage", stageLabel(deal.dealstage), "stage"),
      fact("Outcome", outcomeLabel(deal.isWon), "outcome"),
      fact("Pipeline", pipelineLabel(deal.pipeline), "pipeline"),
      fact("Type", dealTypeLabel(deal.dealType), "type"),
      fact("Probability", `${Math.round(deal.probability * 100)}%`, "probability"),
      fact("Owner", names.ownerName(deal.ownerKey), "owner"),
      fact("Company", h("a", { href: `#/simulations/${sim}/contacts?companyKey=${deal.companyKey}` }, `${fmtInt(deal.companyKey)} (its contacts)`), "company"),
      fact("Created", fmtDateTime(deal.createdAt), "created"),
      fact(deal.closedAt ? "Closed" : "Expected close", fmtDateTime(deal.closedAt || deal.closeDate), "close"),
      deal.lostReason ? fact("Lost reason", deal.lostReason, "lostReason") : null,
      fact("Key", fmtInt(deal.key), "key"),
    ),
    h("section", { class: "card", "aria-labelledby": "committee-title" }, h("h2", { id: "committee-title" }, `Buying committee (${fmtInt(committee.length)})`), committee.length ? h("div", { class: "table-wrap" }, committeeTable(sim, committee)) : emptyState("No contacts on this deal yet.")),
    h(
      "section",
      { class: "card", "aria-labelledby": "stages-title" },
      h("h2", { id: "stages-title" }, `Stage history (${fmtInt(stages.length)})`),
      h(
        "ol",
        { class: "timeline", id: "deal-stages" },
        stages.map((s) =>
          h("li", { class: "event event-dealStage" }, h("time", { datetime: s.at }, fmtDateTime(s.at)), h("span", { class: "event-kind" }, "deal"), h("span", { class: "event-title" }, s.fromStage ? `${stageLabel(s.fromStage)} → ${stageLabel(s.toStage)}` : `Opened: ${stageLabel(s.toStage)}`)),
        ),
      ),
    ),
    h("section", { class: "card", "aria-labelledby": "engagements-title" }, h("h2", { id: "engagements-title" }, `Engagements (${fmtInt(engagements.length)})`), engagements.length ? h("div", { class: "table-wrap" }, engagementsTable(sim, engagements, names, committee)) : emptyState("No activities logged on this deal.")),
  );
  focusHeading(root);
}
