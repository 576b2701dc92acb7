// A simulation's dashboard: status, planned vs processed per record type (polled every second while it runs),
// lag, controls, and once completed the calibration table and the export links.

import { ApiError, api, getWhenReady } from "./api.js";
import { scenarioChip } from "./accent.js";
import { distributionLabel, loadCatalog, scenarioName } from "./catalog.js";
import { confirmCancel } from "./dashboard/cancel.js";
import { dashboardCharts } from "./dashboard/charts.js";
import { deliveriesCard } from "./dashboard/deliveries.js";
import { exportList, reportCard } from "./dashboard/report.js";
import { announce, crumbs, errorPanel, focusHeading, h, heading, mount } from "./dom.js";
import { fmtDateTime, fmtInt, fmtMs, fmtNumber, fmtPercent } from "./format.js";
import { LIVE, browsableTypes, paceLabel, recordTypes } from "./vocabulary.js";
import { TERMINAL, planningNote, progressBar, statusBadge } from "./widgets/status.js";

const POLL_MS = 1000;

function describe(simulation) {
  const params = Object.entries(simulation.distributionParams || {});
  return [
    `${scenarioName(simulation.scenario)} · ${distributionLabel(simulation.distribution)}`,
    params.length ? ` (${params.map(([k, v]) => `${k} ${Array.isArray(v) ? v.join("/") : v}`).join(", ")})` : "",
    ` · ${fmtInt(simulation.records)} records · seed ${String(simulation.seed)} · `,
    simulation.pace === LIVE ? `${paceLabel(simulation.pace)} at ${fmtNumber(simulation.timeScale)}×` : paceLabel(simulation.pace),
    ` · ${simulation.start.slice(0, 10)} → ${simulation.end.slice(0, 10)} UTC`,
  ].join("");
}

export async function renderDashboard(root, ctx, id) {
  let simulation;
  try {
    [simulation] = await Promise.all([api.get(`/api/simulations/${id}/`), loadCatalog()]);
  } catch (error) {
    const message = error instanceof ApiError && error.status === 404 ? `Simulation ${id} does not exist or is not yours.` : error.message;
    mount(root, heading(`Simulation ${id}`), errorPanel(message, () => renderDashboard(root, ctx, id)), h("p", {}, h("a", { href: "#/simulations" }, "All simulations")));
    focusHeading(root);
    return;
  }

  const statusBox = h("span", { id: "sim-status" }, statusBadge(simulation.status));
  const overall = h("div", { class: "overall" });
  const rows = new Map();
  const tbody = h(
    "tbody",
    {},
    recordTypes().map(({ key, label }) => {
      const planned = h("td", { class: "num", dataset: { planned: key } });
      const processed = h("td", { class: "num", dataset: { processed: key } });
      const bar = h("td", { class: "bar-cell" });
      rows.set(key, { planned, processed, bar, label });
      return h("tr", { dataset: { type: key } }, h("th", { scope: "row" }, label), bar, processed, planned);
    }),
  );
  const facts = h("dl", { class: "stats", id: "sim-facts" });
  const progressCard = h("section", { class: "card", "aria-labelledby": "progress-title" });
  const controls = h("div", { class: "controls", role: "group", "aria-label": "Simulation controls" });
  const message = h("div", { class: "control-message", role: "status", "aria-live": "polite" });
  const report = h("section", { class: "card", "aria-labelledby": "report-title", id: "report", hidden: true });
  const exports = h("section", { class: "card", "aria-labelledby": "export-title", id: "exports", hidden: true });
  const charts = dashboardCharts(id, simulation);
  const deliveries = deliveriesCard(id);
  let timer = null;
  let reportLoaded = false;
  let lastStatus = simulation.status;
  // The controls are drawn again only when the status changes: buttons replaced by every poll would swallow a
  // click whose press and release straddle a redraw.
  let controlsFor = null;

  const control = (action, label, enabled) =>
    h(
      "button",
      {
        type: "button",
        class: `button${action === "cancel" ? " danger" : ""}`,
        id: `sim-${action}`,
        disabled: !enabled,
        onclick: async (event) => {
          const button = event.currentTarget;
          if (action === "cancel" && !(await confirmCancel(id, lastStatus))) return button.focus();
          button.disabled = true;
          try {
            await api.post(`/api/simulations/${id}/${action}/`);
            message.textContent = `${label} requested.`;
          } catch (error) {
            message.textContent = error.message;
          }
          controlsFor = null; // drawn again whatever the status: this button is disabled
          await poll();
        },
      },
      label,
    );

  const renderControls = (status) => {
    if (status === controlsFor) return;
    controlsFor = status;
    mount(
      controls,
      status === "scheduled" ? control("start", "Start", true) : null,
      control("pause", "Pause", status === "running"),
      control("resume", "Resume", status === "paused"),
      control("cancel", "Cancel", ["planning", "scheduled", "running", "paused"].includes(status)),
    );
  };

  const update = (progress) => {
    mount(statusBox, statusBadge(progress.status));
    // Planning: no counts exist yet; empty bars (max 0 reads as full) would pretend the run is done.
    const planning = progress.status === "planning";
    let total = 0;
    let done = 0;
    for (const [key, row] of rows) {
      const planned = progress.planned[key];
      const processed = progress.processed[key];
      total += planned;
      done += processed;
      row.planned.textContent = planning ? "…" : fmtInt(planned);
      row.processed.textContent = fmtInt(processed);
      mount(row.bar, planning ? null : progressBar(processed, planned, `${row.label} processed`));
    }
    mount(
      overall,
      h("div", { class: "overall-head" }, h("strong", {}, "Overall"), h("span", { id: "sim-percent" }, planning ? "" : fmtPercent(progress.percent, 2))),
      planning ? planningNote("Planning the run: counting what it will make") : progressBar(done, total, "Overall progress", { id: "overall-progress" }),
    );
    progressCard.classList.toggle("is-completed", progress.status === "completed");
    const fact = (label, value, key) => h("div", {}, h("dt", {}, label), h("dd", { dataset: { fact: key } }, value));
    mount(
      facts,
      fact("Simulated time", fmtDateTime(progress.simulatedTime), "simulatedTime"),
      fact("Lag p50 / p99", progress.lag.samples ? `${fmtMs(progress.lag.p50Ms)} / ${fmtMs(progress.lag.p99Ms)}` : simulation.pace === LIVE ? "— (no writes in the last minute)" : "— (backfill)", "lag"),
      fact("Started", fmtDateTime(progress.startedAt), "startedAt"),
      fact(TERMINAL.has(progress.status) ? "Finished" : "ETA", fmtDateTime(TERMINAL.has(progress.status) ? progress.finishedAt : progress.eta), "finish"),
    );
    renderControls(progress.status);
    if (progress.sinks) deliveries.update(progress.sinks, TERMINAL.has(progress.status));
    if (progress.status !== lastStatus) {
      announce(`Simulation ${id} is ${progress.status}.`);
      lastStatus = progress.status;
    }
  };

  const loadReport = async () => {
    reportLoaded = true;
    report.hidden = false;
    mount(report, h("h2", { id: "report-title" }, "Calibration"), h("p", { role: "status" }, "Computing the calibration report…"));
    try {
      // 202 + Retry-After while the report is computed (once, right after completion): wait and ask again.
      const data = await getWhenReady(`/api/simulations/${id}/report/`, { active: () => root.isConnected });
      if (!data || !root.isConnected) return;
      mount(report, reportCard(data));
    } catch (error) {
      mount(report, h("h2", { id: "report-title" }, "Calibration"), errorPanel(error.message, loadReport));
    }
  };

  // A run that ended before writing anything (cancelled while planning, say) has nothing to export.
  const showExports = (progress) => {
    exports.hidden = false;
    const written = Object.values(progress.processed).reduce((a, b) => a + b, 0);
    mount(
      exports,
      h("h2", { id: "export-title" }, "Export"),
      written ? exportList(id) : h("p", { class: "muted", id: "exports-none" }, "Nothing was written, so there is nothing to export."),
    );
  };

  const poll = async () => {
    window.clearTimeout(timer);
    if (!root.isConnected) return;
    try {
      const progress = await api.get(`/api/simulations/${id}/progress/`);
      if (!root.isConnected) return;
      update(progress);
      if (progress.status === "completed" && !reportLoaded) loadReport();
      if (TERMINAL.has(progress.status) && exports.hidden) showExports(progress);
      if (!TERMINAL.has(progress.status)) timer = window.setTimeout(poll, POLL_MS);
    } catch (error) {
      message.textContent = `Could not refresh the progress (${error.message}); retrying.`;
      timer = window.setTimeout(poll, POLL_MS * 3);
    }
  };

  mount(
    root,
    crumbs(["Simulations", "#/simulations"], `#${id}`),
    h("div", { class: "title-row" }, h("div", { class: "row" }, heading(`Simulation ${id}`), scenarioChip(h, simulation.scenario, scenarioName(simulation.scenario))), statusBox),
    h("p", { class: "lead", id: "sim-description" }, describe(simulation)),
    simulation.error ? errorPanel(simulation.error) : null,
    h(
      "nav",
      { class: "tabs", "aria-label": "Records" },
      browsableTypes().map(({ value, label }) => h("a", { href: `#/simulations/${id}/${value}` }, label)),
    ),
    mount(
      progressCard,
      h("h2", { id: "progress-title" }, "Progress"),
      overall,
      h(
        "div",
        { class: "table-wrap" },
        h(
          "table",
          { class: "table progress-table", id: "progress-table" },
          h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Record type"), h("th", { scope: "col" }, "Progress"), h("th", { scope: "col", class: "num" }, "Processed"), h("th", { scope: "col", class: "num" }, "Planned"))),
          tbody,
        ),
      ),
      facts,
      controls,
      message,
    ),
    deliveries.card,
    charts.card,
    report,
    exports,
  );
  update({
    status: simulation.status,
    planned: simulation.planned,
    processed: simulation.processed,
    percent: simulation.percent,
    lag: { p50Ms: null, p99Ms: null, samples: 0 },
    simulatedTime: null,
    startedAt: simulation.startedAt,
    finishedAt: simulation.finishedAt,
    eta: null,
  });
  focusHeading(root);
  charts.start();
  await poll();
  return () => {
    window.clearTimeout(timer);
    charts.stop();
  };
}
