// What every wizard step shows around its content: the stepper on top, Back and Continue at the bottom.

import { announce, h, uid } from "../dom.js";

const STEPS = ["Distribution", "Scenario", "Window & pace", "Preview & tuning", "Confirm"];

export const STEP_COUNT = STEPS.length;

/** The steps as an ordered list: done ones are links back, the current one is aria-current=step. */
export function stepper(current) {
  return h(
    "ol",
    { class: "stepper", "aria-label": "Wizard steps" },
    STEPS.map((name, i) => {
      const n = i + 1;
      const attrs = n === current ? { "aria-current": "step", class: "current" } : { class: n < current ? "done" : "" };
      const text = [h("span", { class: "step-num" }, `${n}.`), " ", h("span", { class: "step-name" }, name)];
      return h("li", attrs, n < current ? h("a", { href: `#/wizard/${n}`, "aria-label": `Step ${n}: ${name}` }, text) : h("span", {}, text));
    }),
  );
}

/**
 * Back (a link to the previous step) and Continue. A blocked Continue stays focusable (aria-disabled): pressing
 * it focuses the first invalid input and says why. footer.update(ok, why) unblocks or blocks it. The reason reads
 * as a neutral hint until Continue is pressed: nothing is shown in red before the user has done anything.
 */
export function wizardFooter(step, { canContinue, onContinue, continueLabel = "Continue", reason = "" }) {
  const hintId = uid("continue-hint");
  const button = h(
    "button",
    {
      type: "button",
      class: "button primary",
      id: "wizard-continue",
      "aria-disabled": canContinue ? "false" : "true",
      "aria-describedby": hintId,
      onclick: () => {
        if (button.getAttribute("aria-disabled") === "true") {
          hint.classList.add("is-alert"); // neutral until the user tries to go on: then it is an error
          const invalid = document.querySelector("#main [aria-invalid='true']");
          if (invalid) invalid.focus();
          announce(hint.textContent || "Fix the highlighted values to continue.");
          return;
        }
        onContinue();
      },
    },
    continueLabel,
  );
  const hint = h("p", { id: hintId, class: "continue-hint", "aria-live": "polite" }, canContinue ? "" : reason);
  const back = step > 1 ? h("a", { class: "button", href: `#/wizard/${step - 1}`, id: "wizard-back" }, "Back") : h("span");
  const footer = h("div", { class: "wizard-footer" }, back, h("div", { class: "continue" }, hint, button));
  footer.update = (ok, why = "Fix the highlighted values to continue.") => {
    button.setAttribute("aria-disabled", ok ? "false" : "true");
    hint.textContent = ok ? "" : why;
    if (ok) hint.classList.remove("is-alert");
  };
  return footer;
}
