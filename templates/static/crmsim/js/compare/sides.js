// The comparison's previews side by side: planned counts, funnel by stage, deal outcomes and pipeline value,
// amount distributions and the arrival curves overlaid. Every number is the preview API's, for each side.

import { api } from "../api.js";
import { errorPanel, h, mount } from "../dom.js";
import { fmtAmount, fmtInt, fmtPercent } from "../format.js";
import { recordTypes, stageLabel } from "../vocabulary.js";
import { PALETTE, axes, binLabels, chartFigure } from "../widgets/chart.js";

const SIDES = ["a", "b"];

function diff(a, b) {
  const d = b - a;
  return d === 0 ? "=" : `${d > 0 ? "+" : "−"}${fmtInt(Math.abs(d))}`;
}

function sideTable({ id, caption, head, rows }) {
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "table numbers", id },
      h("caption", {}, caption),
      h("thead", {}, h("tr", {}, head.map((cell, i) => h("th", { scope: "col", class: i ? "num" : null }, cell)))),
      h(
        "tbody",
        {},
        rows.map(({ label, key, cells }) =>
          h("tr", { dataset: { key } }, h("th", { scope: "row" }, label), cells.map(([side, text]) => h("td", { class: "num", dataset: side ? { side } : {} }, text))),
        ),
      ),
    ),
  );
}

function plannedTable(previews, head) {
  const rows = [
    { label: "Leads", key: "leads", cells: [["a", fmtInt(previews.a.leads)], ["b", fmtInt(previews.b.leads)], [null, diff(previews.a.leads, previews.b.leads)]] },
    ...recordTypes().map(({ key, label }) => ({
      label,
      key,
      cells: [["a", fmtInt(previews.a.planned[key])], ["b", fmtInt(previews.b.planned[key])], [null, diff(previews.a.planned[key], previews.b.planned[key])]],
    })),
  ];
  return sideTable({ id: "compare-planned", caption: "Planned records", head: [...head, "B − A"], rows });
}

function funnelTable(previews, head) {
  const rows = previews.a.funnel.map((row, i) => ({
    label: stageLabel(row.stage),
    key: row.stage,
    cells: [["a", fmtInt(row.contacts)], ["b", fmtInt(previews.b.funnel[i].contacts)], [null, diff(row.contacts, previews.b.funnel[i].contacts)]],
  }));
  return sideTable({ id: "compare-funnel", caption: "Contacts per lifecycle stage at the window's end", head: [...head, "B − A"], rows });
}

function dealsTable(previews, head) {
  const line = (label, key, format) => ({ label, key, cells: SIDES.map((side) => [side, format(previews[side].deals[key])]) });
  const rate = (value) => (value === null ? "—" : fmtPercent(100 * value, 1));
  return sideTable({
    id: "compare-deals",
    caption: "Expected deal outcomes inside the window",
    head,
    rows: [
      line("Won", "won", fmtInt),
      line("Lost", "lost", fmtInt),
      line("Still open", "open", fmtInt),
      line("Won value", "wonAmount", fmtAmount),
      line("Pipeline value (open)", "pipelineAmount", fmtAmount),
      line("Win rate, expected", "expectedWinRate", rate),
      line("Win rate, realized", "realizedWinRate", rate),
    ],
  });
}

function arrivalsChart(previews, names) {
  const chart = chartFigure({ name: "compare-arrivals", title: "Arrival curves, overlaid" });
  const labels = binLabels(previews.a.arrivals.edges);
  chart.draw(
    {
      type: "line",
      data: {
        labels,
        datasets: SIDES.map((side, i) => ({ label: names[side], data: previews[side].arrivals.counts, borderColor: PALETTE[i], backgroundColor: PALETTE[i], pointRadius: 0, borderWidth: 2, tension: 0.2 })),
      },
      options: { scales: axes(), plugins: { legend: { position: "bottom" } } },
    },
    {
      summary: SIDES.map((side) => `${names[side]}: ${fmtInt(previews[side].leads)} leads`).join("; ") + ".",
      head: ["Bin from", names.a, names.b],
      rows: labels.map((label, i) => [label, fmtInt(previews.a.arrivals.counts[i]), fmtInt(previews.b.arrivals.counts[i])]),
    },
  );
  return chart.figure;
}

function funnelChart(previews, names) {
  const chart = chartFigure({ name: "compare-funnel", title: "Funnel by stage" });
  const labels = previews.a.funnel.map((row) => stageLabel(row.stage));
  chart.draw(
    {
      type: "bar",
      data: { labels, datasets: SIDES.map((side, i) => ({ label: names[side], data: previews[side].funnel.map((row) => row.contacts), backgroundColor: PALETTE[i] })) },
      options: { indexAxis: "y", scales: axes({ horizontal: true }), plugins: { legend: { position: "bottom" } } },
    },
    {
      summary: labels.map((label, i) => `${label} ${fmtInt(previews.a.funnel[i].contacts)} vs ${fmtInt(previews.b.funnel[i].contacts)}`).join(", ") + ".",
      head: ["Stage", names.a, names.b],
      rows: labels.map((label, i) => [label, fmtInt(previews.a.funnel[i].contacts), fmtInt(previews.b.funnel[i].contacts)]),
    },
  );
  return chart.figure;
}

function amountsChart(previews, names) {
  const chart = chartFigure({ name: "compare-amounts", title: "Deal amounts (won, lost and open deals)" });
  const totals = Object.fromEntries(SIDES.map((side) => [side, previews[side].amounts.won.map((w, i) => w + previews[side].amounts.lost[i] + previews[side].amounts.open[i])]));
  const used = totals.a.map((v, i) => v + totals.b[i]);
  const first = Math.max(0, used.findIndex((v) => v > 0));
  const last = Math.max(first, used.length - 1 - [...used].reverse().findIndex((v) => v > 0));
  const edges = previews.a.amounts.edges;
  const labels = [];
  const compact = new Intl.NumberFormat("en-US", { notation: "compact", maximumSignificantDigits: 2 });
  for (let i = first; i <= last; i += 1) labels.push(`${compact.format(Number(edges[i]))}+`);
  chart.draw(
    {
      type: "bar",
      data: { labels, datasets: SIDES.map((side, i) => ({ label: names[side], data: totals[side].slice(first, last + 1), backgroundColor: PALETTE[i] })) },
      options: { scales: axes(), plugins: { legend: { position: "bottom" } } },
    },
    {
      summary: `Deals per amount bin (log scale bins) from ${labels[0]} to ${labels.at(-1)}.`,
      head: ["Amount from", names.a, names.b],
      rows: labels.map((label, i) => [label, fmtInt(totals.a[first + i]), fmtInt(totals.b[first + i])]),
    },
  );
  return chart.figure;
}

/** Fetch both previews and show them; `onRun(button, message)` runs the pair (null once a pair exists). */
export async function comparePreviews(root, chosen, scenarioNames, onRun) {
  mount(root, h("p", { role: "status" }, "Computing both previews…"));
  const names = { a: `A · ${scenarioNames[chosen.a] || chosen.a}`, b: `B · ${scenarioNames[chosen.b] || chosen.b}` };
  const preview = (scenario, overrides) => api.post(`/api/scenarios/${encodeURIComponent(scenario)}/preview/`, { ...chosen.body, overrides });
  // One after the other: each is a full preview run, and the server has other work.
  const answers = [];
  for (const [scenario, overrides] of [[chosen.a, chosen.overridesA], [chosen.b, chosen.overridesB]]) {
    answers.push(await preview(scenario, overrides).then((value) => ({ status: "fulfilled", value }), (reason) => ({ status: "rejected", reason })));
  }
  if (!root.isConnected) return;
  const failed = answers.map((answer, i) => (answer.status === "rejected" ? `${names[SIDES[i]]}: ${answer.reason.message}` : null)).filter(Boolean);
  if (failed.length) {
    mount(root, errorPanel(`The preview was refused. ${failed.join(" ")}`));
    return;
  }
  const previews = { a: answers[0].value, b: answers[1].value };
  const head = ["", names.a, names.b];
  const message = h("p", { class: "control-message", role: "status" });
  const run = onRun ? h("button", { type: "button", class: "button primary", id: "compare-run", onclick: (event) => onRun(event.currentTarget, message) }, "Run both (backfill)") : null;
  const estimated = previews.a.estimated || previews.b.estimated;
  mount(
    root,
    h(
      "section",
      { class: "card", "aria-labelledby": "compare-preview-title" },
      h("h2", { id: "compare-preview-title" }, "Side by side, before running"),
      h("p", { class: "muted" }, `Seed ${String(previews.a.seed)} for both.${estimated ? " Past 50,000 leads, deals, funnel and amounts are estimated from the same simulation run smaller." : ""}`),
      h("div", { class: "compare-tables" }, plannedTable(previews, head), funnelTable(previews, head), dealsTable(previews, head)),
      h("div", { class: "chart-grid" }, arrivalsChart(previews, names), funnelChart(previews, names), amountsChart(previews, names)),
      run ? h("div", { class: "controls" }, run) : null,
      message,
    ),
  );
}
