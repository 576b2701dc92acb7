// Cancelling is final (a cancelled run cannot be resumed), so the dashboard's Cancel asks first, in a modal
// dialog whose safe choice has the focus; Escape keeps the run going.

import { h } from "../dom.js";

/** Ask whether to cancel simulation `id`; resolves true only if the user confirms. */
export function confirmCancel(id, status) {
  return new Promise((resolve) => {
    const keep = h("button", { type: "button", class: "button", id: "cancel-keep", autofocus: true }, "Keep it");
    const confirm = h("button", { type: "button", class: "button danger", id: "cancel-confirm" }, "Cancel the simulation");
    const dialog = h(
      "dialog",
      { class: "confirm-dialog card", id: "cancel-dialog", "aria-labelledby": "cancel-dialog-title", "aria-describedby": "cancel-dialog-text" },
      h("h2", { id: "cancel-dialog-title" }, `Cancel simulation ${id}?`),
      h(
        "p",
        { id: "cancel-dialog-text" },
        "Cancelling stops it for good: it cannot be resumed or started again. Records already written stay. ",
        status === "running" ? "To stop for a while, use Pause instead." : "",
      ),
      h("div", { class: "row" }, keep, confirm),
    );
    const close = (answer) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    keep.addEventListener("click", () => close(false));
    confirm.addEventListener("click", () => close(true));
    dialog.addEventListener("cancel", (event) => {
      event.preventDefault();
      close(false);
    });
    document.body.append(dialog);
    dialog.showModal();
    keep.focus();
  });
}
