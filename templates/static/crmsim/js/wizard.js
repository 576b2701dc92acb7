// The onboarding wizard screen: (1) distribution, (2) scenario, (3) window, records, seed, pace, (4) preview and
// tuning, (5) confirm; one module per step under wizard/. Choices live in a state object for one visit (while
// moving back and forth), in sessionStorage across reloads mid-way, and in the user's profile once confirmed;
// a fresh visit starts from the draft if one is left, else from the profile.

import { applyScenarioAccent } from "./accent.js";
import { focusHeading } from "./dom.js";
import { renderConfirmStep } from "./wizard/confirm.js";
import { renderDistributionStep } from "./wizard/distribution.js";
import { STEP_COUNT } from "./wizard/frame.js";
import { renderPreviewStep } from "./wizard/preview.js";
import { renderScenarioStep } from "./wizard/scenario.js";
import { createWizardState } from "./wizard/state.js";
import { distributionErrors, windowErrors } from "./wizard/validation.js";
import { renderWindowStep } from "./wizard/window.js";

const RENDERERS = [renderDistributionStep, renderScenarioStep, renderWindowStep, renderPreviewStep, renderConfirmStep];

export const isWizardStep = (step) => Number.isInteger(step) && step >= 1 && step <= STEP_COUNT;

/** The first step whose prerequisites are missing before `step`, or `step` itself. */
function reachableStep(wizard, ctx, step) {
  const state = wizard.choices;
  if (step > 1 && (!state.distribution || Object.keys(distributionErrors(wizard)).length)) return 1;
  if (step > 2 && !wizard.scenarioOf(state.scenario)) return 2;
  if (step > 3 && Object.keys(windowErrors(wizard, ctx.limits)).length) return 3;
  if (step === 5 && !wizard.currentPreview()) return 4;
  return step;
}

/**
 * One visit to the wizard: app.js creates it on entering a wizard route and drops it on leaving, so each visit
 * has its own state and none is shared with another screen or a later visit.
 */
export function createWizardVisit() {
  let loading = null; // the visit's state, created on the first render

  /** Render step `step` (1-5) into root; a step whose prerequisites are missing sends you back. */
  async function render(root, ctx, step) {
    loading = loading || createWizardState(ctx.profile);
    let wizard;
    try {
      wizard = await loading;
    } catch (error) {
      loading = null; // let "Try again" fetch the catalog again
      throw error;
    }
    applyScenarioAccent(wizard.choices.scenario);
    const reachable = reachableStep(wizard, ctx, step);
    if (reachable !== step) return ctx.navigate(`#/wizard/${reachable}`, true);
    await RENDERERS[step - 1](root, ctx, wizard);
    focusHeading(root);
  }

  return { render };
}
