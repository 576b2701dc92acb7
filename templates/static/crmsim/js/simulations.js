// The user's simulations, newest first, with status and progress (refreshed while any is active).

import { scenarioChip } from "./accent.js";
import { api, cursorOf } from "./api.js";
import { distributionLabel, loadCatalog, scenarioName } from "./catalog.js";
import { emptyState, errorPanel, focusHeading, h, heading, mount } from "./dom.js";
import { fmtDateTime, fmtInt, fmtPercent } from "./format.js";
import { LIVE, paceLabel } from "./vocabulary.js";
import { TERMINAL, planningNote, progressBar, statusBadge } from "./widgets/status.js";

const REFRESH_MS = 2000;

export async function renderSimulations(root, ctx, params) {
  const body = h("div", { class: "table-wrap", "aria-busy": "true" }, h("p", { role: "status" }, "Loading simulations…"));
  const pager = h("nav", { class: "pager", "aria-label": "Pages" });
  mount(
    root,
    h("div", { class: "title-row" }, heading("Simulations"), h("a", { class: "button primary", href: "#/wizard/1" }, "New simulation")),
    body,
    pager,
  );
  focusHeading(root);
  let timer = null;

  const load = async () => {
    window.clearTimeout(timer);
    if (!root.isConnected) return;
    const cursor = params.get("cursor");
    let page;
    try {
      [page] = await Promise.all([api.get(`/api/simulations/${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ""}`), loadCatalog()]);
    } catch (error) {
      mount(body, errorPanel(error.message, load));
      body.setAttribute("aria-busy", "false");
      return;
    }
    if (!root.isConnected) return;
    body.setAttribute("aria-busy", "false");
    if (!page.results.length) {
      mount(body, emptyState("No simulations yet.", h("a", { href: "#/wizard/1", class: "button primary" }, "Start one with the wizard")));
    } else {
      mount(
        body,
        h(
          "table",
          { class: "table cards-narrow", id: "simulations-table" },
          h("caption", { class: "visually-hidden" }, `Simulations: ${fmtInt(page.results.length)} of ${fmtInt(page.count)}`),
          h(
            "thead",
            {},
            h("tr", {}, ["#", "Status", "Progress", "Scenario", "Distribution", "Records", "Pace", "Created (UTC)"].map((name) => h("th", { scope: "col" }, name))),
          ),
          h(
            "tbody",
            {},
            page.results.map((sim) => {
              const planned = Object.values(sim.planned).reduce((a, b) => a + b, 0);
              const processed = Object.values(sim.processed).reduce((a, b) => a + b, 0);
              return h(
                "tr",
                { dataset: { id: String(sim.id) } },
                h("td", { class: "card-head" }, h("a", { href: `#/simulations/${sim.id}`, "aria-label": `Simulation ${sim.id}` }, `#${sim.id}`)),
                h("td", { dataset: { label: "Status" } }, statusBadge(sim.status)),
                h(
                  "td",
                  { class: "progress-cell", dataset: { label: "Progress" } },
                  sim.status === "planning"
                    ? planningNote(`Simulation ${sim.id} is being planned`)
                    : [progressBar(processed, planned, `Simulation ${sim.id} progress`), h("span", { class: "muted" }, fmtPercent(sim.percent))],
                ),
                h("td", { dataset: { label: "Scenario" } }, scenarioChip(h, sim.scenario, scenarioName(sim.scenario))),
                h("td", { dataset: { label: "Distribution" } }, distributionLabel(sim.distribution)),
                h("td", { class: "num", dataset: { label: "Records" } }, fmtInt(sim.records)),
                h("td", { dataset: { label: "Pace" } }, sim.pace === LIVE ? `${paceLabel(sim.pace)} ${fmtInt(sim.timeScale)}×` : paceLabel(sim.pace)),
                h("td", { dataset: { label: "Created (UTC)" } }, fmtDateTime(sim.createdAt)),
              );
            }),
          ),
        ),
      );
    }
    const prev = cursorOf(page.previous);
    const next = cursorOf(page.next);
    mount(
      pager,
      prev ? h("a", { class: "button", rel: "prev", href: `#/simulations?cursor=${encodeURIComponent(prev)}` }, "← Newer") : h("span"),
      h("span", { class: "muted", id: "list-total" }, `${fmtInt(page.results.length)} shown of ${fmtInt(page.count)}`),
      next ? h("a", { class: "button", rel: "next", href: `#/simulations?cursor=${encodeURIComponent(next)}` }, "Older →") : h("span"),
    );
    if (page.results.some((sim) => !TERMINAL.has(sim.status))) timer = window.setTimeout(load, REFRESH_MS);
  };
  await load();
}
