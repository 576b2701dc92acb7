// Wizard step 1: how leads arrive. A tile per distribution method (with its curve), then its settings.

import { h, heading, mount, uid } from "../dom.js";
import { fmtNumber } from "../format.js";
import { thumbnail } from "../widgets/curves.js";
import { field, setFieldError } from "../widgets/fields.js";
import { radioTiles } from "../widgets/tiles.js";
import { stepper, wizardFooter } from "./frame.js";
import { defaultsFor } from "./state.js";
import { distributionErrors } from "./validation.js";
import { weightsEditor } from "./weights.js";

export function renderDistributionStep(root, ctx, wizard) {
  const state = wizard.choices;
  const titleId = uid("dist-title");
  const paramsBox = h("div", { class: "params-box" });
  const thumbs = new Map();
  let footer;

  const refresh = () => {
    const errors = distributionErrors(wizard);
    const method = wizard.distributionOf(state.distribution);
    if (method) {
      for (const spec of method.params) {
        if (spec.type !== "float_list") setFieldError(paramsBox, `param-${spec.name}`, errors[spec.name]);
      }
      const listError = paramsBox.querySelector("#weights-error");
      if (listError) {
        listError.textContent = errors.weights || "";
        listError.hidden = !errors.weights;
      }
      const thumb = thumbs.get(method.name);
      if (thumb) mount(thumb, thumbnail(method.name, wizard.currentParams()));
    }
    footer.update(Object.keys(errors).length === 0, method ? "Fix the highlighted values to continue." : "Choose a distribution method.");
    wizard.saveDraft();
  };

  const renderParams = () => {
    const method = wizard.distributionOf(state.distribution);
    if (!method) {
      mount(paramsBox);
      return;
    }
    const params = wizard.currentParams();
    const errors = distributionErrors(wizard);
    const fields = method.params.map((spec) => {
      if (spec.type === "float_list") {
        return h(
          "fieldset",
          { class: "fieldset" },
          h("legend", {}, "Custom weights"),
          weightsEditor(spec, params, refresh),
          h("p", { class: "field-error", id: "weights-error", role: "alert", hidden: !errors[spec.name] }, errors[spec.name] || ""),
        );
      }
      const input = h("input", {
        type: "number",
        min: String(spec.min),
        max: String(spec.max),
        step: spec.type === "int" ? "1" : "any",
        inputmode: spec.type === "int" ? "numeric" : "decimal",
        value: params[spec.name] === null || params[spec.name] === undefined ? "" : String(params[spec.name]),
        oninput: (event) => {
          params[spec.name] = event.target.value === "" ? "" : Number(event.target.value);
          refresh();
        },
      });
      return field({
        id: `param-${spec.name}`,
        label: spec.name,
        hint: `${spec.help} From ${fmtNumber(spec.min)} to ${fmtNumber(spec.max)}${spec.default !== null ? `; default ${fmtNumber(spec.default)}` : ""}.`,
        error: errors[spec.name],
        input,
      });
    });
    mount(
      paramsBox,
      h("h2", {}, `${method.label} settings`),
      method.params.length ? fields : h("p", { class: "muted" }, "This method has no settings."),
      method.shaped ? h("p", { class: "hint" }, "The scenario shapes these arrivals in each lead's own time zone: B2B into office hours on working days, B2C into evenings.") : null,
    );
  };

  const tiles = radioTiles({
    labelledBy: titleId,
    selected: state.distribution,
    items: wizard.catalog.distributions.map((method) => {
      const thumb = h("div", { class: "thumb-box" }, thumbnail(method.name, state.paramsByDist[method.name] || defaultsFor(method)));
      thumbs.set(method.name, thumb);
      return {
        value: method.name,
        title: method.label,
        description: method.description,
        before: thumb,
        after: method.shaped ? h("span", { class: "badge" }, "shaped by scenario") : null,
      };
    }),
    onSelect: (name) => {
      state.distribution = name;
      renderParams();
      refresh();
    },
  });

  footer = wizardFooter(1, {
    canContinue: Boolean(state.distribution) && Object.keys(distributionErrors(wizard)).length === 0,
    reason: state.distribution ? "Fix the highlighted values to continue." : "Choose a distribution method.",
    onContinue: () => ctx.navigate("#/wizard/2"),
  });
  renderParams();
  mount(
    root,
    stepper(1),
    heading("How should leads arrive?", 1, { id: titleId }),
    h("p", { class: "lead" }, "Pick the shape of lead arrivals over the simulation window."),
    tiles,
    paramsBox,
    footer,
  );
}
