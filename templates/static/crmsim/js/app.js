// The SPA shell: hash routes, the mute toggle, and one screen at a time.
//
//   #/wizard/1 .. #/wizard/5                       onboarding wizard
//   #/simulations                                  the user's simulations
//   #/simulations/12                               dashboard
//   #/simulations/12/contacts?lifecycleStage=...   record browser (companies, contacts, deals, activities)
//   #/simulations/12/contacts/5/timeline           a contact's timeline
//   #/simulations/12/deals/7                       a deal: buying committee, stage history, engagements
//   #/compare?a=b2b&b=b2c&seed=7...                 scenario comparison (compare.js)
//   #/sinks                                        the user's sinks (sinks.js)

import { api } from "./api.js";
import { accentForSimulation, applyScenarioAccent } from "./accent.js";
import { renderComparison } from "./compare.js";
import { renderDashboard } from "./dashboard.js";
import { renderDeal } from "./deal.js";
import { errorPanel, focusHeading, h, heading, mount } from "./dom.js";
import { renderRecords } from "./records.js";
import { renderSimulations } from "./simulations.js";
import { renderSinks } from "./sinks.js";
import { isMuted, setMuted } from "./sound.js";
import { renderTimeline } from "./timeline.js";
import { isBrowsable, limits, loadVocabulary } from "./vocabulary.js";
import { createWizardVisit, isWizardStep } from "./wizard.js";

const app = document.getElementById("app");
const muteButton = document.getElementById("mute-toggle");

const ctx = {
  profile: {},
  limits: null, // from the vocabulary, once loaded
  muted: () => isMuted(),
  navigate(hash, replace = false) {
    if (replace) {
      window.history.replaceState(null, "", hash);
      route();
    } else if (window.location.hash === hash) {
      route();
    } else {
      window.location.hash = hash;
    }
  },
};

function renderMute() {
  const muted = isMuted();
  muteButton.hidden = false;
  muteButton.setAttribute("aria-pressed", muted ? "true" : "false");
  muteButton.textContent = muted ? "Sound off" : "Sound on";
  muteButton.title = muted ? "Tile sounds are muted; press to unmute" : "Tile sounds are on; press to mute";
}

muteButton.addEventListener("click", async () => {
  setMuted(!isMuted());
  renderMute();
  try {
    ctx.profile = await api.patch("/api/profile/", { muted: isMuted() });
  } catch {
    // The toggle still works for this visit; it just is not remembered.
  }
});

function notFound(root) {
  mount(root, heading("Page not found"), h("p", {}, "There is nothing at this address. ", h("a", { href: "#/simulations" }, "Your simulations"), " or ", h("a", { href: "#/wizard/1" }, "a new one"), "."));
  focusHeading(root);
}

function markNav(path) {
  for (const link of document.querySelectorAll(".site-nav a[data-nav]")) {
    const active = path.startsWith(`/${link.dataset.nav}`);
    if (active) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

let generation = 0;
let wizardVisit = null; // the wizard's state while its routes are shown; a new visit starts fresh

async function route() {
  generation += 1;
  const mine = generation;
  delete document.documentElement.dataset.ready; // set again when this screen has rendered (finally, below)
  const raw = window.location.hash.replace(/^#/, "") || "/";
  const [path, search = ""] = raw.split("?");
  const params = new URLSearchParams(search);
  const parts = path.split("/").filter(Boolean);
  // A fresh screen element per route: pollers of the previous screen see it disconnected and stop.
  const screen = h("div", { class: "screen" });
  app.replaceChildren(screen);
  markNav(path);
  document.documentElement.dataset.route = path;
  if (parts[0] !== "wizard") wizardVisit = null;
  // The accent follows the screen's scenario: the wizard's choice (wizard.js), a simulation's, else none.
  if (parts[0] === "simulations" && /^\d+$/.test(parts[1] || "")) accentForSimulation(parts[1]);
  else if (parts[0] !== "wizard") applyScenarioAccent(null);
  try {
    if (parts.length === 0) {
      const hasSims = await api.get("/api/simulations/?pageSize=1");
      if (mine !== generation) return;
      ctx.navigate(hasSims.results.length ? "#/simulations" : "#/wizard/1", true);
      return;
    }
    if (parts[0] === "wizard") {
      const step = Number(parts[1] || 1);
      if (!isWizardStep(step)) return notFound(screen);
      document.title = `New simulation · step ${step} · crmsim`;
      wizardVisit = wizardVisit || createWizardVisit();
      await wizardVisit.render(screen, ctx, step);
    } else if (parts[0] === "sinks" && parts.length === 1) {
      document.title = "Sinks · crmsim";
      await renderSinks(screen);
    } else if (parts[0] === "compare" && parts.length === 1) {
      document.title = "Compare scenarios · crmsim";
      await renderComparison(screen, ctx, params);
    } else if (parts[0] === "simulations" && parts.length === 1) {
      document.title = "Simulations · crmsim";
      await renderSimulations(screen, ctx, params);
    } else if (parts[0] === "simulations" && /^\d+$/.test(parts[1])) {
      const id = parts[1];
      if (parts.length === 2) {
        document.title = `Simulation ${id} · crmsim`;
        await renderDashboard(screen, ctx, id);
      } else if (parts.length === 3 && isBrowsable(parts[2])) {
        document.title = `${parts[2]} · simulation ${id} · crmsim`;
        await renderRecords(screen, ctx, id, parts[2], params);
      } else if (parts.length === 4 && parts[2] === "deals" && /^\d+$/.test(parts[3])) {
        document.title = `Deal ${parts[3]} · simulation ${id} · crmsim`;
        await renderDeal(screen, ctx, id, parts[3]);
      } else if (parts.length === 5 && parts[2] === "contacts" && /^\d+$/.test(parts[3]) && parts[4] === "timeline") {
        document.title = `Contact ${parts[3]} · simulation ${id} · crmsim`;
        await renderTimeline(screen, ctx, id, parts[3]);
      } else {
        notFound(screen);
      }
    } else {
      notFound(screen);
    }
  } catch (error) {
    if (mine !== generation) return;
    mount(screen, heading("Something went wrong"), errorPanel(error.message, route));
    focusHeading(screen);
  } finally {
    if (mine === generation) document.documentElement.dataset.ready = "true";
  }
}

/** Screens spell no vocabulary themselves, so none renders before it is loaded; a failure offers a retry. */
async function start() {
  const [profile, vocabulary] = await Promise.allSettled([api.get("/api/profile/"), loadVocabulary()]);
  ctx.profile = (profile.status === "fulfilled" && profile.value) || {};
  setMuted(ctx.profile.muted === true);
  renderMute();
  if (vocabulary.status === "rejected") {
    mount(app, heading("Something went wrong"), errorPanel(vocabulary.reason.message, () => window.location.reload()));
    focusHeading(app);
    document.documentElement.dataset.ready = "true";
    return;
  }
  ctx.limits = limits();
  window.addEventListener("hashchange", route);
  await route();
}

start();
