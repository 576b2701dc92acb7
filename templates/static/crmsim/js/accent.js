// The per-scenario accent: a subtle colour (and pluck pitch) that says which scenario a screen belongs to, on the
// header's stripe, scenario chips and scenario tiles. Built-in scenarios have fixed hues; a staff preset gets a
// hue from its slug. Whatever the hue, the colour's lightness is lowered until text in it reaches WCAG AA (4.5:1)
// on white, on the page's background and on its own tint, so the accent never costs contrast (tests/ui/test_accent.py measures it).

import { api } from "./api.js";
import { setPitch } from "./sound.js";

const HUES = { b2b: 214, b2c: 328 };
const PITCHES = { b2b: 587.33, b2c: 698.46 }; // D5, F5
const SCALE = [523.25, 587.33, 659.25, 783.99, 880.0]; // C major pentatonic, for staff presets
const AA = 4.5;

function hashOf(text) {
  let hash = 2166136261;
  for (const char of text) hash = Math.imul(hash ^ char.codePointAt(0), 16777619) >>> 0;
  return hash;
}

function hslToRgb(h, s, l) {
  const a = s * Math.min(l, 1 - l);
  const f = (n) => {
    const k = (n + h / 30) % 12;
    return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

function luminance([r, g, b]) {
  const linear = (c) => {
    const v = c / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
}

/** WCAG contrast ratio of two sRGB colours, 1..21. */
export function contrast(a, b) {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** {hue, accent: [r,g,b], tint: [r,g,b], pitch} for a scenario slug. */
export function accentOf(slug) {
  const hue = HUES[slug] ?? hashOf(slug) % 360;
  const tint = hslToRgb(hue, 0.6, 0.95);
  let lightness = 0.45;
  let accent = hslToRgb(hue, 0.65, lightness);
  const on = [[255, 255, 255], [245, 246, 248], tint]; // surface, page (--bg), its own tint
  while (on.some((background) => contrast(accent, background) < AA) && lightness > 0.05) {
    lightness -= 0.01;
    accent = hslToRgb(hue, 0.65, lightness);
  }
  return { hue, accent, tint, pitch: PITCHES[slug] ?? SCALE[hashOf(slug) % SCALE.length] };
}

const rgb = ([r, g, b]) => `rgb(${r} ${g} ${b})`;

/** Style attributes for an element that carries one scenario's accent (a tile, a chip), whatever the page's. */
export function accentStyle(slug) {
  const { accent, tint } = accentOf(slug);
  return `--scenario-accent: ${rgb(accent)}; --scenario-tint: ${rgb(tint)};`;
}

/** Give the page a scenario's accent and pitch; null (or an unknown scenario) goes back to the neutral ones. */
export function applyScenarioAccent(slug) {
  const root = document.documentElement;
  if (!slug) {
    delete root.dataset.scenario;
    root.style.removeProperty("--scenario-accent");
    root.style.removeProperty("--scenario-tint");
    setPitch(null);
    return;
  }
  const { accent, tint, pitch } = accentOf(slug);
  root.dataset.scenario = slug;
  root.style.setProperty("--scenario-accent", rgb(accent));
  root.style.setProperty("--scenario-tint", rgb(tint));
  setPitch(pitch);
}

const scenarioOfSimulation = new Map(); // id -> slug, fetched once per page load

/** The accent of simulation `id`'s scenario, for its dashboard, records, timelines and deals. */
export async function accentForSimulation(id) {
  if (!scenarioOfSimulation.has(id)) {
    try {
      scenarioOfSimulation.set(id, (await api.get(`/api/simulations/${id}/`)).scenario);
    } catch {
      return; // the screen itself reports what went wrong
    }
  }
  applyScenarioAccent(scenarioOfSimulation.get(id));
}

/** A chip naming a scenario in its accent colour. */
export function scenarioChip(h, slug, name) {
  return h("span", { class: "scenario-chip", style: accentStyle(slug), dataset: { scenario: slug } }, name);
}
