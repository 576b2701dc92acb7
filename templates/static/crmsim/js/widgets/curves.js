// Arrival curves drawn in the browser: a thumbnail per distribution method from the same formulas as the
// engine (docs/engine.md, "Arrivals"), and the preview's histogram. Thumbnails are illustrations; the preview
// chart shows the engine's real counts.

import { h, svg } from "../dom.js";
import { fmtDate, fmtInt } from "../format.js";

const SAMPLES = 168;

// A small deterministic PRNG so random-looking thumbnails (trickle, bursts) do not flicker between renders.
function prng(seed) {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0xffffffff;
  };
}

function num(params, name, fallback) {
  const value = Number(params?.[name]);
  return Number.isFinite(value) ? value : fallback;
}

/** Density samples over the window for a method; the x axis is a position (or, for daily/weekly ones, time). */
export function densitySamples(method, params = {}) {
  const xs = Array.from({ length: SAMPLES }, (_, i) => (i + 0.5) / SAMPLES);
  switch (method) {
    case "front_loaded": {
      const rate = num(params, "rate", 3);
      return xs.map((x) => Math.exp(-rate * x));
    }
    case "back_loaded": {
      const rate = num(params, "rate", 3);
      return xs.map((x) => Math.exp(-rate * (1 - x)));
    }
    case "bell_curve": {
      const center = num(params, "center", 0.5);
      const width = Math.max(num(params, "width", 0.15), 0.001);
      return xs.map((x) => Math.exp(-(((x - center) / width) ** 2) / 2));
    }
    case "trickle": {
      const share = num(params, "activeShare", 0.2);
      const random = prng(7);
      return xs.map(() => (random() < share ? 1 : 0));
    }
    case "random_bursts": {
      const bursts = Math.max(1, Math.round(num(params, "bursts", 8)));
      const width = Math.max(num(params, "burstWidth", 0.005), 0.004);
      const baseline = num(params, "baseline", 0.2);
      const random = prng(11);
      const centres = Array.from({ length: Math.min(bursts, 100) }, () => [random(), 0.3 + random()]);
      const mix = xs.map((x) => centres.reduce((sum, [c, w]) => sum + w * Math.exp(-(((x - c) / width) ** 2) / 2), 0));
      const peak = Math.max(...mix, 1e-9);
      return mix.map((m) => baseline + (1 - baseline) * (m / peak));
    }
    case "daily_spike": {
      // Three days, hour by hour.
      const hour = num(params, "hour", 12);
      const strength = num(params, "strength", 6);
      const spread = Math.max(num(params, "spread", 1), 0.05);
      return xs.map((x) => {
        const h = (x * 72) % 24;
        let d = Math.abs(h - (hour + 0.5));
        d = Math.min(d, 24 - d);
        return 1 + (strength - 1) * Math.exp(-((d / spread) ** 2) / 2);
      });
    }
    case "weekend_surge": {
      // Two weeks starting on a Monday.
      const factor = num(params, "factor", 3);
      return xs.map((x) => (Math.floor(x * 14) % 7 >= 5 ? factor : 1));
    }
    case "business_hours": {
      // One week starting on a Monday.
      const start = num(params, "startHour", 9);
      const end = num(params, "endHour", 17);
      const off = num(params, "offHoursWeight", 0.05);
      return xs.map((x) => {
        const day = Math.floor(x * 7);
        const h = (x * 7 * 24) % 24;
        return day < 5 && h >= start && h < end ? 1 : off;
      });
    }
    case "custom": {
      const weights = Array.isArray(params.weights) && params.weights.length ? params.weights : [1];
      return xs.map((x) => Math.max(0, Number(weights[Math.min(weights.length - 1, Math.floor(x * weights.length))]) || 0));
    }
    default:
      return xs.map(() => 1);
  }
}

/** A 120x40 area chart of a method's density (decorative: the tile's text says what it is). */
export function thumbnail(method, params) {
  const values = densitySamples(method, params);
  const peak = Math.max(...values, 1e-9);
  const width = 120;
  const height = 40;
  const step = width / values.length;
  let d = `M0 ${height}`;
  values.forEach((v, i) => {
    const y = height - 2 - (v / peak) * (height - 6);
    d += ` L${(i * step).toFixed(2)} ${y.toFixed(2)} L${((i + 1) * step).toFixed(2)} ${y.toFixed(2)}`;
  });
  d += ` L${width} ${height} Z`;
  return svg(
    "svg",
    { viewBox: `0 0 ${width} ${height}`, class: "thumb", preserveAspectRatio: "none", "aria-hidden": "true", focusable: "false" },
    svg("path", { d, class: "thumb-area" }),
  );
}

/**
 * The preview's arrivals histogram: bars in an SVG that stretches to any width, axis labels in HTML so they stay
 * readable on a phone. The figure's accessible name summarizes the data; each bar has a tooltip.
 */
export function arrivalsChart(arrivals) {
  const counts = arrivals?.counts || [];
  const edges = arrivals?.edges || [];
  const peak = Math.max(...counts, 1);
  const total = counts.reduce((a, b) => a + b, 0);
  const peakIndex = counts.indexOf(Math.max(...counts));
  const width = 1000;
  const height = 200;
  const barW = counts.length ? width / counts.length : width;
  const label =
    counts.length && edges.length
      ? `Planned lead arrivals: ${fmtInt(total)} in ${counts.length} bins from ${fmtDate(edges[0])} to ` +
        `${fmtDate(edges[edges.length - 1])}; the busiest bin starts ${fmtDate(edges[peakIndex])} with ${fmtInt(peak)}.`
      : "No arrivals to show.";
  const bars = counts.map((count, i) =>
    svg(
      "rect",
      {
        x: (i * barW + barW * 0.08).toFixed(2),
        y: (height - (count / peak) * height).toFixed(2),
        width: Math.max(barW * 0.84, 0.5).toFixed(2),
        height: ((count / peak) * height).toFixed(2),
        class: "bar",
      },
      svg("title", {}, `${fmtDate(edges[i])}: ${fmtInt(count)}`),
    ),
  );
  const mid = Math.floor(edges.length / 2);
  return h(
    "figure",
    { class: "chart", role: "img", "aria-label": label, "data-testid": "arrivals-chart" },
    h(
      "div",
      { class: "chart-plot", "aria-hidden": "true" },
      h("div", { class: "chart-y" }, h("span", {}, fmtInt(peak)), h("span", {}, fmtInt(Math.round(peak / 2))), h("span", {}, "0")),
      svg("svg", { viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: "none", class: "chart-bars" }, bars),
    ),
    edges.length
      ? h(
          "div",
          { class: "chart-x", "aria-hidden": "true" },
          h("span", {}, fmtDate(edges[0])),
          h("span", {}, fmtDate(edges[mid])),
          h("span", {}, fmtDate(edges[edges.length - 1])),
        )
      : null,
  );
}
