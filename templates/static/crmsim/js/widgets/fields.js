// Form fields with their label, hint and error bound to the input (aria-describedby, aria-invalid).

import { h } from "../dom.js";

/** A labelled field: `${id}-hint` and `${id}-error` describe the input; the error paragraph hides when empty. */
export function field({ id, label, hint, error, input }) {
  const hintId = hint ? `${id}-hint` : null;
  const errorId = `${id}-error`;
  input.id = id;
  const described = [hintId, error ? errorId : null].filter(Boolean).join(" ");
  if (described) input.setAttribute("aria-describedby", described);
  input.setAttribute("aria-invalid", error ? "true" : "false");
  return h(
    "div",
    { class: `field${error ? " invalid" : ""}` },
    h("label", { for: id }, label),
    input,
    hint ? h("p", { class: "hint", id: hintId }, hint) : null,
    h("p", { class: "field-error", id: errorId, hidden: !error }, error || ""),
  );
}

/** Show or clear a field's error in place (no re-render, so focus and caret stay where they are). */
export function setFieldError(container, id, message) {
  const input = container.querySelector(`#${CSS.escape(id)}`);
  const error = container.querySelector(`#${CSS.escape(id)}-error`);
  if (!input || !error) return;
  const wrapper = input.closest(".field");
  input.setAttribute("aria-invalid", message ? "true" : "false");
  const hintId = `${id}-hint`;
  const describedBy = [container.querySelector(`#${CSS.escape(hintId)}`) ? hintId : null, message ? `${id}-error` : null];
  const text = describedBy.filter(Boolean).join(" ");
  if (text) input.setAttribute("aria-describedby", text);
  else input.removeAttribute("aria-describedby");
  error.textContent = message || "";
  error.hidden = !message;
  if (wrapper) wrapper.classList.toggle("invalid", Boolean(message));
}
