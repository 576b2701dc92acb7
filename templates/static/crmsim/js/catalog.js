// What a simulation was made from, by name: scenario presets (GET /api/scenarios/) and distribution methods
// (GET /api/distributions/), fetched once per page load, so lists and dashboards say "B2C" and "Bell curve" as
// the wizard does, never the API's `b2c` or `bell_curve`. A failed fetch falls back to the names themselves.

import { api } from "./api.js";

let loaded = null;
let names = { scenarios: new Map(), distributions: new Map() };

/** Fetch both catalogs once; later calls share the promise. Never rejects: labels are a nicety. */
export function loadCatalog() {
  if (!loaded) {
    loaded = Promise.all([api.get("/api/scenarios/"), api.get("/api/distributions/")]).then(
      ([scenarios, distributions]) => {
        names = {
          scenarios: new Map(scenarios.map((preset) => [preset.slug, preset.name])),
          distributions: new Map(distributions.map((method) => [method.name, method.label])),
        };
      },
      () => {
        loaded = null; // ask again next time
      },
    );
  }
  return loaded;
}

/** A preset's name ("B2B SaaS"), else its slug (e.g. a preset deleted since). */
export const scenarioName = (slug) => names.scenarios.get(slug) || slug;

/** A distribution method's label ("Bell curve"), else its name. */
export const distributionLabel = (name) => names.distributions.get(name) || name;
