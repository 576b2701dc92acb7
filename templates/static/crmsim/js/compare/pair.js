// A comparison's pair of runs: both simulations' status, progress, funnel and outcomes side by side, polled
// until both have ended, with links to their dashboards.

import { api } from "../api.js";
import { h, mount } from "../dom.js";
import { fmtAmount, fmtInt, fmtPercent } from "../format.js";
import { stageLabel } from "../vocabulary.js";
import { TERMINAL, statusBadge } from "../widgets/status.js";

const POLL_MS = 2000;

function table(runs, progress, charts) {
  const cell = (i, text) => h("td", { class: "num", dataset: { side: i ? "b" : "a" } }, text);
  const row = (label, key, values) => h("tr", { dataset: { key } }, h("th", { scope: "row" }, label), values.map((v, i) => cell(i, v)));
  const stage = (data, name) => data.pipeline.find((r) => r.stage === name) || { deals: 0, amount: "0" };
  const stages = charts[0].funnel.map((r) => r.stage);
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "table numbers", id: "compare-pair-table" },
      h("caption", {}, "The pair, as written so far"),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, ""), runs.map((id, i) => h("th", { scope: "col", class: "num" }, h("a", { href: `#/simulations/${id}` }, `${i ? "B" : "A"} · #${id}`))))),
      h(
        "tbody",
        {},
        h("tr", { dataset: { key: "status" } }, h("th", { scope: "row" }, "Status"), progress.map((p, i) => h("td", { class: "num", dataset: { side: i ? "b" : "a" } }, statusBadge(p.status)))),
        row("Progress", "percent", progress.map((p) => fmtPercent(p.percent, 1))),
        row("Contacts written", "contacts", progress.map((p) => fmtInt(p.processed.contacts))),
        row("Deals written", "deals", progress.map((p) => fmtInt(p.processed.deals))),
        stages.map((s, j) => row(stageLabel(s), `stage-${s}`, charts.map((c) => fmtInt(c.funnel[j]?.contacts ?? 0)))),
        row("Won deals", "won", charts.map((c) => fmtInt(stage(c, "closedwon").deals))),
        row("Won value", "wonAmount", charts.map((c) => fmtAmount(stage(c, "closedwon").amount))),
        row("Lost deals", "lost", charts.map((c) => fmtInt(stage(c, "closedlost").deals))),
      ),
    ),
  );
}

/** The pair panel for simulation ids [a, b]; polls until both have ended or the screen is left. */
export function pairPanel(runs) {
  const body = h("div", {}, h("p", { role: "status" }, "Loading the pair…"));
  const card = h(
    "section",
    { class: "card", id: "compare-pair", "aria-labelledby": "compare-pair-title" },
    h("h2", { id: "compare-pair-title" }, "The pair's runs"),
    body,
  );
  const poll = async () => {
    if (!card.isConnected && card.dataset.started) return;
    card.dataset.started = "true";
    try {
      const [progress, charts] = await Promise.all([
        Promise.all(runs.map((id) => api.get(`/api/simulations/${id}/progress/`))),
        Promise.all(runs.map((id) => api.get(`/api/simulations/${id}/charts/`))),
      ]);
      const ended = progress.every((p) => TERMINAL.has(p.status)) && charts.every((c) => TERMINAL.has(c.status));
      mount(body, charts.every((c) => c.funnel.length) ? table(runs, progress, charts) : h("p", { role: "status" }, "Planning both runs…"));
      card.dataset.ended = ended ? "true" : "false";
      if (!ended) window.setTimeout(poll, POLL_MS);
    } catch (error) {
      mount(body, h("p", { class: "field-error" }, `Could not load the pair (${error.message}); retrying.`));
      window.setTimeout(poll, POLL_MS * 3);
    }
  };
  window.setTimeout(poll, 0);
  return card;
}
