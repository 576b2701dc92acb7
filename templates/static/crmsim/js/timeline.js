// One contact's timeline: its facts, then lifecycle changes, deal stage changes and activities in time order.

import { ApiError, api } from "./api.js";
import { crumbs, emptyState, errorPanel, focusHeading, h, heading, mount } from "./dom.js";
import { fmtAmount, fmtDateTime, fmtInt } from "./format.js";
import { loadOwners } from "./records.js";
import { activityDetails } from "./records/types.js";
import { activityLabel, leadStatusLabel, roleLabel, sourceLabel, stageLabel } from "./vocabulary.js";

function fact(label, value, key) {
  return h("div", {}, h("dt", {}, label), h("dd", { dataset: { fact: key } }, value));
}

const dealLink = (sim, key, text) => h("a", { href: `#/simulations/${sim}/deals/${key}` }, text);

function timelineItem(item, sim, names) {
  let title;
  let detail = null;
  if (item.kind === "lifecycle") {
    title = item.fromStage ? `${stageLabel(item.fromStage)} → ${stageLabel(item.toStage)}` : `Arrived as ${stageLabel(item.toStage)}`;
  } else if (item.kind === "dealStage") {
    title = item.fromStage ? `Deal ${stageLabel(item.fromStage)} → ${stageLabel(item.toStage)}` : `Deal opened: ${stageLabel(item.toStage)}`;
    detail = [dealLink(sim, item.dealKey, item.dealName), ` · ${fmtAmount(item.amount)}${item.role ? ` · ${roleLabel(item.role)}` : ""}`];
  } else {
    title = `${activityLabel(item.type)}: ${item.subject}`;
    const fields = activityDetails(item);
    const parts = [fields === "—" ? null : fields, `owner ${names.ownerName(item.ownerKey)}`].filter(Boolean).join(" · ");
    detail = item.dealKey === null ? parts : [parts, " · on ", dealLink(sim, item.dealKey, `deal ${fmtInt(item.dealKey)}`)];
  }
  return h(
    "li",
    { class: `event event-${item.kind}`, dataset: { kind: item.kind } },
    h("time", { datetime: item.at }, fmtDateTime(item.at)),
    h("span", { class: "event-kind" }, item.kind === "dealStage" ? "deal" : item.kind === "activity" ? activityLabel(item.type) : "lifecycle"),
    h("span", { class: "event-title" }, title),
    detail ? h("span", { class: "event-detail muted" }, detail) : null,
    item.body ? h("p", { class: "event-body" }, item.body) : null,
  );
}

export async function renderTimeline(root, ctx, sim, key) {
  mount(root, heading(`Contact ${key}`), h("p", { role: "status" }, "Loading the timeline…"));
  let data;
  let names;
  try {
    [data, names] = await Promise.all([api.get(`/api/simulations/${sim}/contacts/${key}/timeline/`), loadOwners(sim)]);
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
    crumbs(
      ["Simulations", "#/simulations"],
      [`#${sim}`, `#/simulations/${sim}`],
      ["Contacts", `#/simulations/${sim}/contacts`],
      `${c.firstName} ${c.lastName}`,
    ),
    heading(`${c.firstName} ${c.lastName}`),
    h(
      "dl",
      { class: "stats card", id: "contact-facts" },
      fact("Stage", stageLabel(c.lifecycleStage), "stage"),
      fact("Email", c.email, "email"),
      fact("Lead status", leadStatusLabel(c.leadStatus), "leadStatus"),
      fact("Source", sourceLabel(c.source), "source"),
      fact("Phone", c.phone || "—", "phone"),
      fact("Job title", c.jobTitle || "—", "jobTitle"),
      fact("Country", [c.country, c.timezone].filter(Boolean).join(" · ") || "—", "country"),
      fact("Owner", names.ownerName(c.ownerKey), "owner"),
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
      ? h("ol", { class: "timeline", "aria-labelledby": "timeline-title", id: "timeline" }, data.items.map((item) => timelineItem(item, sim, names)))
      : emptyState("No events yet."),
  );
  focusHeading(root);
}
