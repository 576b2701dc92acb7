// Charts drawn by Chart.js (vendor/chartjs, v4.6.1, MIT; loaded only by the screens that draw charts). A chart is
// a <figure>: a caption, a canvas whose accessible name summarizes the data, and the same data as a table under
// "Show the numbers", so nothing is only in pixels. Updates redraw in place without animation (dashboards poll).

import { h, mount, uid } from "../dom.js";

const CHART_JS = "../../vendor/chartjs/chart.umd.min.js";

/** Okabe-Ito: tells apart for the common colour-vision deficiencies. */
export const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#7a6f00", "#555555"];
export const SOFT = "#b9c9e4";
export const WON = "#1d7a46";
export const LOST = "#b3261e";

let loading = null;

/** Chart.js, loaded once (a UMD file: importing it defines globalThis.Chart). */
export function loadChartJs() {
  if (!loading) {
    loading = import(CHART_JS).then(() => {
      const Chart = globalThis.Chart;
      Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily;
      Chart.defaults.font.size = 12;
      Chart.defaults.color = "#3d4555";
      Chart.defaults.animation = false;
      Chart.defaults.maintainAspectRatio = false;
      return Chart;
    });
    loading.catch(() => {
      loading = null;
    });
  }
  return loading;
}

/**
 * A chart card: `figure` to mount; `draw(config, {summary, head, rows, dataset})` (re)draws it: a Chart.js
 * config (type, data, options), the canvas's accessible summary, and the data table's header and rows.
 * `dataset` lands on the figure's data-* attributes (tests and tools read them).
 */
export function chartFigure({ name, title, note = "", tall = false }) {
  const captionId = uid(`chart-${name}`);
  const canvas = h("canvas", { role: "img", "aria-label": `${title}: loading` });
  const table = h("table", { class: "table chart-table", dataset: { chartTable: name } });
  const noteEl = h("p", { class: "muted chart-note" }, note);
  const figure = h(
    "figure",
    { class: "chart-card", dataset: { chart: name, updates: "0" }, "aria-labelledby": captionId },
    h("figcaption", { id: captionId }, title),
    h("div", { class: `chart-canvas${tall ? " tall" : ""}` }, canvas),
    noteEl,
    h("details", { class: "chart-data" }, h("summary", {}, "Show the numbers"), h("div", { class: "table-wrap" }, table)),
  );
  let chart = null;
  let pending = Promise.resolve();

  const draw = (config, { summary, head, rows, dataset = {}, note: text } = {}) => {
    pending = pending.then(async () => {
      const Chart = await loadChartJs();
      if (!figure.isConnected) return;
      canvas.setAttribute("aria-label", `${title}: ${summary}`);
      if (text !== undefined) noteEl.textContent = text;
      mount(
        table,
        h("thead", {}, h("tr", {}, head.map((cell, i) => h("th", { scope: "col", class: i ? "num" : null }, cell)))),
        h("tbody", {}, rows.map((row) => h("tr", {}, row.map((cell, i) => (i ? h("td", { class: "num" }, cell) : h("th", { scope: "row" }, cell)))))),
      );
      if (chart && chart.config.type === config.type) {
        chart.data.labels = config.data.labels;
        config.data.datasets.forEach((ds, i) => {
          if (chart.data.datasets[i]) Object.assign(chart.data.datasets[i], ds);
          else chart.data.datasets.push(ds);
        });
        chart.data.datasets.length = config.data.datasets.length;
        chart.update("none");
      } else {
        chart?.destroy();
        // Screens are replaced, not torn down: charts whose canvas left the page are released here.
        for (const other of Object.values(Chart.instances)) if (!other.canvas?.isConnected) other.destroy();
        chart = new Chart(canvas, { ...config, options: { responsive: true, ...config.options } });
      }
      Object.assign(figure.dataset, dataset);
      figure.dataset.updates = String(Number(figure.dataset.updates) + 1);
    });
    return pending;
  };

  const destroy = () => {
    chart?.destroy();
    chart = null;
  };
  return { figure, draw, destroy };
}

/** Bin labels (UTC): "2025-03-14", or "12-01 06:00" when the bins span under four days. */
export function binLabels(edges) {
  const span = Date.parse(edges.at(-1)) - Date.parse(edges[0]);
  const short = span < 4 * 86_400_000;
  return edges.slice(0, -1).map((iso) => (short ? String(iso).slice(5, 16).replace("T", " ") : String(iso).slice(0, 10)));
}

/** Axis options that stay readable at 390 px: few ticks, no rotation. */
export function axes({ stacked = false, horizontal = false, ticks = 6 } = {}) {
  const category = { stacked, ticks: { autoSkip: true, maxTicksLimit: horizontal ? 20 : ticks, maxRotation: 0 }, grid: { display: false } };
  const value = { stacked, beginAtZero: true, ticks: { maxTicksLimit: 5, precision: 0 } };
  return horizontal ? { x: value, y: category } : { x: category, y: value };
}
