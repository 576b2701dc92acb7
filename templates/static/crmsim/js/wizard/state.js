// The wizard's state for one visit: the catalog it offers (distributions, scenarios), the user's choices, the
// scenario details and the last preview. Created when the wizard is entered and dropped when it is left (app.js),
// so nothing outlives the visit but the sessionStorage draft and, once confirmed, the profile.

import { api, seedValue } from "../api.js";
import { LIVE, paces } from "../vocabulary.js";

const DRAFT_KEY = "crmsim.wizard.draft";
const DEFAULT_WEIGHTS = [1, 2, 4, 6, 4, 2, 1, 1];

function defaultWindow() {
  const now = new Date();
  const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const start = new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth() - 3, 1));
  return [start.toISOString().slice(0, 10), end.toISOString().slice(0, 10)];
}

/** The choices a profile (or {} for none) gives: every field present, as the inputs hold it (text). */
function fromProfile(profile) {
  const [start, end] = defaultWindow();
  const distribution = typeof profile.distribution === "string" ? profile.distribution : null;
  const paramsByDist = {};
  if (distribution && profile.distributionParams && typeof profile.distributionParams === "object") {
    paramsByDist[distribution] = { ...profile.distributionParams };
  }
  return {
    distribution,
    paramsByDist,
    scenario: typeof profile.scenario === "string" ? profile.scenario : null,
    overrides: profile.overrides && typeof profile.overrides === "object" ? { ...profile.overrides } : {},
    start: typeof profile.start === "string" ? profile.start.slice(0, 10) : start,
    end: typeof profile.end === "string" ? profile.end.slice(0, 10) : end,
    records: Number.isInteger(profile.records) ? String(profile.records) : "5000",
    seed: profile.seed === null || profile.seed === undefined ? "" : String(profile.seed),
    // Drawn once per visit and kept (in the draft too) until the user draws another or types a seed, so that
    // a blank seed does not reshuffle the preview on every refresh.
    drawnSeed: drawSeed(),
    pace: paces().some((pace) => pace.value === profile.pace) ? profile.pace : paces()[0].value,
    timeScale: typeof profile.timeScale === "number" ? String(profile.timeScale) : "1440",
  };
}

/** A random seed in [0, 2^63 - 1] as decimal text: what a blank seed stands for during one wizard visit. */
export function drawSeed() {
  const [value] = crypto.getRandomValues(new BigUint64Array(1));
  return String(value & ((1n << 63n) - 1n));
}

function loadDraft() {
  try {
    const text = sessionStorage.getItem(DRAFT_KEY);
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

export function defaultsFor(method) {
  const params = {};
  for (const spec of method.params) {
    if (spec.type === "float_list") params[spec.name] = spec.default ? [...spec.default] : [...DEFAULT_WEIGHTS];
    else params[spec.name] = spec.default;
  }
  return params;
}

class WizardState {
  constructor(catalog, choices) {
    this.catalog = catalog; // {distributions, scenarios}
    this.choices = choices; // what the inputs hold; saved as the draft
    this.details = new Map(); // scenario slug -> GET /api/scenarios/{slug}/
    this.lastPreview = null; // {key, data}
  }

  distributionOf(name) {
    return this.catalog.distributions.find((d) => d.name === name) || null;
  }

  scenarioOf(slug) {
    return this.catalog.scenarios.find((s) => s.slug === slug) || null;
  }

  /** The chosen method's settings, created from its defaults on first use. */
  currentParams() {
    const method = this.distributionOf(this.choices.distribution);
    if (!method) return {};
    if (!this.choices.paramsByDist[method.name]) this.choices.paramsByDist[method.name] = defaultsFor(method);
    return this.choices.paramsByDist[method.name];
  }

  /** Whether the seed field is blank, so that the visit's drawn seed stands in for it. */
  seedIsDrawn() {
    return this.choices.seed.trim() === "";
  }

  /** The seed the preview and the simulation use: the one typed, else the one drawn for this visit. */
  effectiveSeed() {
    return this.seedIsDrawn() ? this.choices.drawnSeed : this.choices.seed.trim();
  }

  /** The choices as the API spells them, with the effective seed; the profile keeps a blank seed as null. */
  selections({ forProfile = false } = {}) {
    const state = this.choices;
    const seed = forProfile && this.seedIsDrawn() ? null : seedValue(this.effectiveSeed());
    return {
      scenario: state.scenario,
      distribution: state.distribution,
      distributionParams: { ...this.currentParams() },
      overrides: { ...state.overrides },
      start: state.start,
      end: state.end,
      records: Number(state.records),
      seed,
      pace: state.pace,
      timeScale: Number(state.timeScale) > 0 && Number(state.timeScale) <= 1e6 ? Number(state.timeScale) : 1,
    };
  }

  isLive() {
    return this.choices.pace === LIVE;
  }

  /** Identifies the inputs of a preview: a preview is current while its key equals this. */
  previewKey() {
    const chosen = this.selections();
    return JSON.stringify({ ...chosen, seed: String(chosen.seed) });
  }

  /** The last preview if it was computed from the current choices, else null. */
  currentPreview() {
    return this.lastPreview && this.lastPreview.key === this.previewKey() ? this.lastPreview.data : null;
  }

  async scenarioDetail(slug) {
    if (!this.details.has(slug)) this.details.set(slug, await api.get(`/api/scenarios/${encodeURIComponent(slug)}/`));
    return this.details.get(slug);
  }

  saveDraft() {
    try {
      sessionStorage.setItem(DRAFT_KEY, JSON.stringify(this.choices));
    } catch {
      // Private mode or quota: the wizard still works, a reload just starts from the profile.
    }
  }

  clearDraft() {
    try {
      sessionStorage.removeItem(DRAFT_KEY);
    } catch {
      // Nothing stored, nothing to clear.
    }
  }
}

/** A visit's state: the catalog from the API, the choices from the draft if one is left, else the profile. */
export async function createWizardState(profile) {
  const [distributions, scenarios] = await Promise.all([api.get("/api/distributions/"), api.get("/api/scenarios/")]);
  const draft = loadDraft();
  const choices = draft && typeof draft === "object" ? { ...fromProfile({}), ...draft } : fromProfile(profile);
  if (!/^\d+$/.test(String(choices.drawnSeed))) choices.drawnSeed = drawSeed();
  return new WizardState({ distributions, scenarios }, choices);
}
