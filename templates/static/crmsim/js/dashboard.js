// A simulation's dashboard: status, planned vs processed per record type (polled every second while it runs),
// lag, controls, and once completed the calibration table and the export links.

import { ApiError, api } from "./api.js";
import { announce, errorPanel, focusHeading, h, heading, mount } from "./dom.js";
import { RECORD_TYPES, TERMINAL, fmtDateTime, fmtInt, fmtMs, fmtNumber, fmtPercent } from "./format.js";

const POLL_MS = 1000;
const EXPORT_TYPES = [
  ["companies", "Companies"],
  ["contacts", "Contacts"],
  ["deals", "Deals"],
  ["activities", "Activities"],
  ["lifecycle_events", "Lifecycle events"],
  ["deal_stage_events", "Deal stage events"],
];

export function statusBadge(status) {
  return h("span", { class: `status status-${status}`, dataset: { status } }, status);
}

export function progressBar(value, max, label, attrs = {}) {
  const percent = max > 0 ? Math.min(100, (100 * value) / max) : 100;
  return h(
    "div",
    {
      class: "bar-track",
      role: "progressbar",
      "aria-label": label,
      "aria-valuemin": "0",
      "aria-valuemax": String(max),
      "aria-valuenow": String(value),
      "aria-valuetext": `${fmtInt(value)} of ${fmtInt(max)}`,
      ...attrs,
    },
    h("div", { class: "bar-fill", style: `width: ${percent.toFixed(2)}%` }),
  );
}

function describe(simulation) {
  const params = Object.entries(simulation.distributionParams || {});
  return [
    `${simulation.scenario.toUpperCase()} · ${simulation.distribution}`,
    params.length ? ` (${params.map(([k, v]) => `${k} ${Array.isArray(v) ? v.join("/") : v}`).join(", ")})` : "",
    ` · ${fmtInt(simulation.records)} records · seed ${String(simulation.seed)} · `,
    simulation.pace === "live" ? `live at ${fmtNumber(simulation.timeScale)}×` : "backfill",
    ` · ${simulation.start.slice(0, 10)} → ${simulation.end.slice(0, 10)} UTC`,
  ].join("");
}

function calibrationTable(report) {
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "table calibration", id: "calibration-table" },
      h("caption", {}, report.allOk ? "Every parameter is realized within its tolerance." : "Some parameters are outside their tolerance (WARN)."),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["Parameter", "Configured", "Expected", "Realized", "Tolerance", "Verdict"].map((name) => h("th", { scope: "col" }, name)),
        ),
      ),
      h(
        "tbody",
        {},
        report.calibration.map((row) =>
          h(
            "tr",
            { dataset: { parameter: row.parameter } },
            h("th", { scope: "row" }, row.parameter, h("span", { class: "note" }, row.note)),
            h("td", { class: "num", dataset: { label: "Configured" } }, Array.isArray(row.configured) ? row.configured.map(fmtNumber).join(" – ") : fmtNumber(row.configured)),
            h("td", { class: "num", dataset: { label: "Expected" } }, fmtNumber(row.expected)),
            h("td", { class: "num", dataset: { label: "Realized" } }, fmtNumber(row.realized)),
            h("td", { class: "num", dataset: { label: "Tolerance" } }, row.tolerance === null ? "—" : `± ${fmtNumber(row.tolerance)}`),
            h("td", { dataset: { label: "Verdict" } }, h("span", { class: `verdict verdict-${row.verdict.toLowerCase()}` }, row.verdict)),
          ),
        ),
      ),
    ),
  );
}

export async function renderDashboard(root, ctx, id) {
  let simulation;
  try {
    simulation = await api.get(`/api/simulations/${id}/`);
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
    RECORD_TYPES.map(([key, label]) => {
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
  let timer = null;
  let reportLoaded = false;
  let lastStatus = simulation.status;

  const control = (action, label, enabled) =>
    h(
      "button",
      {
        type: "button",
        class: `button${action === "cancel" ? " danger" : ""}`,
        id: `sim-${action}`,
        disabled: !enabled,
        onclick: async (event) => {
          event.currentTarget.disabled = true;
          try {
            await api.post(`/api/simulations/${id}/${action}/`);
            message.textContent = `${label} requested.`;
          } catch (error) {
            message.textContent = error.message;
          }
          await poll();
        },
      },
      label,
    );

  const renderControls = (status) => {
    mount(
      controls,
      status === "scheduled" ? control("start", "Start", true) : null,
      control("pause", "Pause", status === "running"),
      control("resume", "Resume", status === "paused"),
      control("cancel", "Cancel", ["scheduled", "running", "paused"].includes(status)),
    );
  };

  const update = (progress) => {
    mount(statusBox, statusBadge(progress.status));
    let total = 0;
    let done = 0;
    for (const [key, row] of rows) {
      const planned = progress.planned[key];
      const processed = progress.processed[key];
      total += planned;
      done += processed;
      row.planned.textContent = fmtInt(planned);
      row.processed.textContent = fmtInt(processed);
      mount(row.bar, progressBar(processed, planned, `${row.label} processed`));
    }
    mount(
      overall,
      h("div", { class: "overall-head" }, h("strong", {}, "Overall"), h("span", { id: "sim-percent" }, fmtPercent(progress.percent, 2))),
      progressBar(done, total, "Overall progress", { id: "overall-progress" }),
    );
    progressCard.classList.toggle("is-completed", progress.status === "completed");
    const fact = (label, value, key) => h("div", {}, h("dt", {}, label), h("dd", { dataset: { fact: key } }, value));
    mount(
      facts,
      fact("Simulated time", fmtDateTime(progress.simulatedTime), "simulatedTime"),
      fact("Lag p50 / p99", progress.lag.samples ? `${fmtMs(progress.lag.p50Ms)} / ${fmtMs(progress.lag.p99Ms)}` : simulation.pace === "live" ? "— (no writes in the last minute)" : "— (backfill)", "lag"),
      fact("Started", fmtDateTime(progress.startedAt), "startedAt"),
      fact(TERMINAL.has(progress.status) ? "Finished" : "ETA", fmtDateTime(TERMINAL.has(progress.status) ? progress.finishedAt : progress.eta), "finish"),
    );
    renderControls(progress.status);
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
      const data = await api.get(`/api/simulations/${id}/report/`);
      mount(
        report,
        h("h2", { id: "report-title" }, "Calibration"),
        h("p", {}, "Every parameter against the value realized in the data. Digest: ", h("code", { class: "digest", id: "sim-digest" }, data.digest)),
        calibrationTable(data),
      );
    } catch (error) {
      mount(report, h("h2", { id: "report-title" }, "Calibration"), errorPanel(error.message, loadReport));
    }
  };

  const showExports = () => {
    exports.hidden = false;
    mount(
      exports,
      h("h2", { id: "export-title" }, "Export"),
      h(
        "ul",
        { class: "exports" },
        EXPORT_TYPES.map(([type, label]) =>
          h(
            "li",
            {},
            h("span", {}, label),
            h("a", { href: `/api/simulations/${id}/export/?type=${type}&format=csv`, download: "", class: "button small" }, "CSV", h("span", { class: "visually-hidden" }, ` of ${label.toLowerCase()}`)),
            h("a", { href: `/api/simulations/${id}/export/?type=${type}&format=ndjson`, download: "", class: "button small" }, "NDJSON", h("span", { class: "visually-hidden" }, ` of ${label.toLowerCase()}`)),
          ),
        ),
      ),
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
      if (TERMINAL.has(progress.status) && exports.hidden) showExports();
      if (!TERMINAL.has(progress.status)) timer = window.setTimeout(poll, POLL_MS);
    } catch (error) {
      message.textContent = `Could not refresh the progress (${error.message}); retrying.`;
      timer = window.setTimeout(poll, POLL_MS * 3);
    }
  };

  mount(
    root,
    h("p", { class: "crumbs" }, h("a", { href: "#/simulations" }, "Simulations"), " / ", `#${id}`),
    h("div", { class: "title-row" }, heading(`Simulation ${id}`), statusBox),
    h("p", { class: "lead", id: "sim-description" }, describe(simulation)),
    simulation.error ? errorPanel(simulation.error) : null,
    h(
      "nav",
      { class: "tabs", "aria-label": "Records" },
      ["companies", "contacts", "deals", "activities"].map((type) => h("a", { href: `#/simulations/${id}/${type}` }, type[0].toUpperCase() + type.slice(1))),
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
  await poll();
  return () => window.clearTimeout(timer);
}
