// The dashboard's charts: arrivals planned vs written, the funnel, the pipeline, the activity mix and (live runs)
// the lag. Polls GET .../charts/ while the run goes (every 2 s), once more when it has ended, then stops.

import { api } from "../api.js";
import { h, mount } from "../dom.js";
import { fmtAmount, fmtInt, fmtMs } from "../format.js";
import { LIVE, activityLabel, stageLabel } from "../vocabulary.js";
import { TERMINAL } from "../widgets/status.js";
import { LOST, PALETTE, SOFT, WON, axes, binLabels, chartFigure } from "../widgets/chart.js";

const POLL_MS = 2000;

const sum = (values) => values.reduce((a, b) => a + b, 0);

function drawArrivals(chart, arrivals) {
  const labels = binLabels(arrivals.edges);
  const planned = sum(arrivals.planned);
  const written = sum(arrivals.written);
  return chart.draw(
    {
      type: "bar",
      data: {
        labels,
        datasets: [
          { label: "Written", data: arrivals.written, backgroundColor: PALETTE[0], grouped: false, order: 1 },
          { label: "Planned", data: arrivals.planned, backgroundColor: SOFT, grouped: false, order: 2 },
        ],
      },
      options: { scales: axes(), plugins: { legend: { position: "bottom" } } },
    },
    {
      summary: `${fmtInt(written)} of ${fmtInt(planned)} planned leads written, in ${labels.length} bins from ${labels[0]}.`,
      head: ["Bin from", "Planned", "Written"],
      rows: labels.map((label, i) => [label, fmtInt(arrivals.planned[i]), fmtInt(arrivals.written[i])]),
      dataset: { planned: String(planned), written: String(written) },
    },
  );
}

function drawFunnel(chart, funnel) {
  const labels = funnel.map((row) => stageLabel(row.stage));
  const counts = funnel.map((row) => row.contacts);
  return chart.draw(
    {
      type: "bar",
      data: { labels, datasets: [{ label: "Contacts", data: counts, backgroundColor: PALETTE[0] }] },
      options: { indexAxis: "y", scales: axes({ horizontal: true }), plugins: { legend: { display: false } } },
    },
    {
      summary: funnel.map((row, i) => `${labels[i]} ${fmtInt(row.contacts)}`).join(", ") + ".",
      head: ["Lifecycle stage", "Contacts"],
      rows: funnel.map((row, i) => [labels[i], fmtInt(row.contacts)]),
      dataset: { total: String(sum(counts)) },
    },
  );
}

function drawPipeline(chart, pipeline) {
  const labels = pipeline.map((row) => stageLabel(row.stage));
  const colour = (row) => (row.stage === "closedwon" ? WON : row.stage === "closedlost" ? LOST : PALETTE[0]);
  const won = pipeline.find((row) => row.stage === "closedwon");
  const lost = pipeline.find((row) => row.stage === "closedlost");
  return chart.draw(
    {
      type: "bar",
      data: {
        labels,
        datasets: [
          { label: "Deals", data: pipeline.map((row) => row.deals), backgroundColor: pipeline.map(colour), xAxisID: "x" },
          { label: "Value", data: pipeline.map((row) => Number(row.amount)), backgroundColor: pipeline.map(colour).map((c) => `${c}66`), xAxisID: "value" },
        ],
      },
      options: {
        indexAxis: "y",
        scales: {
          ...axes({ horizontal: true }),
          value: { position: "top", beginAtZero: true, ticks: { maxTicksLimit: 4 }, grid: { display: false } },
        },
        plugins: { legend: { position: "bottom" } },
      },
    },
    {
      summary: pipeline.length
        ? `${fmtInt(sum(pipeline.map((r) => r.deals)))} deals; won ${fmtInt(won?.deals || 0)} (${fmtAmount(won?.amount || "0")}), lost ${fmtInt(lost?.deals || 0)}.`
        : "No deals yet.",
      head: ["Deal stage", "Deals", "Value"],
      rows: pipeline.map((row, i) => [labels[i], fmtInt(row.deals), fmtAmount(row.amount)]),
      dataset: { total: String(sum(pipeline.map((r) => r.deals))) },
      note: pipeline.length ? "Dark bars: deals (bottom axis); light bars: their value (top axis)." : "No deals yet.",
    },
  );
}

function drawActivities(chart, activities) {
  const labels = binLabels(activities.edges);
  const totals = activities.series.map((s) => sum(s.counts));
  return chart.draw(
    {
      type: "bar",
      data: {
        labels,
        datasets: activities.series.map((s, i) => ({ label: activityLabel(s.type), data: s.counts, backgroundColor: PALETTE[i % PALETTE.length] })),
      },
      options: { scales: axes({ stacked: true }), plugins: { legend: { position: "bottom" } } },
    },
    {
      summary: activities.series.map((s, i) => `${activityLabel(s.type)} ${fmtInt(totals[i])}`).join(", ") + ".",
      head: ["Bin from", ...activities.series.map((s) => activityLabel(s.type))],
      rows: labels.map((label, bin) => [label, ...activities.series.map((s) => fmtInt(s.counts[bin]))]),
      dataset: { total: String(sum(totals)) },
    },
  );
}

function drawLag(chart, lag) {
  const labels = lag.map((point) => point.at.slice(11, 19));
  return chart.draw(
    {
      type: "line",
      data: {
        labels,
        datasets: [
          { label: "Mean lag (ms)", data: lag.map((p) => p.meanMs), borderColor: PALETTE[0], backgroundColor: PALETTE[0], pointRadius: 2 },
          { label: "Worst row (ms)", data: lag.map((p) => p.maxMs), borderColor: PALETTE[3], backgroundColor: PALETTE[3], pointRadius: 2 },
        ],
      },
      options: { scales: axes(), plugins: { legend: { position: "bottom" } } },
    },
    {
      summary: lag.length ? `Latest 10 s: mean ${fmtMs(lag.at(-1).meanMs)}, worst ${fmtMs(lag.at(-1).maxMs)}.` : "No writes in the last 10 minutes.",
      head: ["Wall time (UTC)", "Mean", "Worst"],
      rows: lag.map((p, i) => [labels[i], fmtMs(p.meanMs), fmtMs(p.maxMs)]),
      dataset: { points: String(lag.length) },
    },
  );
}

/** The charts card for simulation `id`; `start()` begins polling, `stop()` ends it. */
export function dashboardCharts(id, simulation) {
  const arrivals = chartFigure({ name: "arrivals", title: "Arrivals: planned vs written (simulated time)" });
  const funnel = chartFigure({ name: "funnel", title: "Funnel: contacts per lifecycle stage" });
  const pipeline = chartFigure({ name: "pipeline", title: "Pipeline: deals and value per stage" });
  const activities = chartFigure({ name: "activities", title: "Activity mix over simulated time" });
  const lag = chartFigure({ name: "lag", title: "Live lag over the last 10 minutes (wall time)" });
  const live = simulation.pace === LIVE;
  const status = h("p", { class: "muted", id: "charts-status" }, "Loading the charts…");
  const card = h(
    "section",
    { class: "card", id: "charts", "aria-labelledby": "charts-title" },
    h("h2", { id: "charts-title" }, "Charts"),
    status,
    h("div", { class: "chart-grid" }, arrivals.figure, funnel.figure, pipeline.figure, activities.figure, live ? lag.figure : null),
  );
  let timer = null;

  const poll = async () => {
    window.clearTimeout(timer);
    if (!card.isConnected) return;
    let data;
    try {
      data = await api.get(`/api/simulations/${id}/charts/`);
    } catch (error) {
      status.textContent = `Could not refresh the charts (${error.message}); retrying.`;
      timer = window.setTimeout(poll, POLL_MS * 3);
      return;
    }
    if (!card.isConnected) return;
    if (!data.arrivals) {
      status.textContent = "The charts appear once the run is planned.";
    } else {
      const counted = data.computedAt ? ` Funnel, pipeline and activities counted at ${data.computedAt.slice(11, 19)} UTC.` : "";
      mount(status, TERMINAL.has(data.status) ? `Final figures.${counted}` : `Updating while the run goes.${counted}`);
      await Promise.all([
        drawArrivals(arrivals, data.arrivals),
        drawFunnel(funnel, data.funnel),
        drawPipeline(pipeline, data.pipeline),
        drawActivities(activities, data.activities),
        live ? drawLag(lag, data.lag) : null,
      ]);
    }
    if (!TERMINAL.has(data.status)) timer = window.setTimeout(poll, POLL_MS);
  };

  const stop = () => {
    window.clearTimeout(timer);
    for (const chart of [arrivals, funnel, pipeline, activities, lag]) chart.destroy();
  };
  return { card, start: poll, stop };
}
