// Sinks: where a simulation streams its rows (docs/sinks.md). List, create, test, enable/disable, replace the
// secret, delete. Secrets are write-only: typed into a password field, sent once, shown back only as a hint.

import { ApiError, api } from "./api.js";
import { announce, emptyState, errorPanel, focusHeading, h, heading, mount } from "./dom.js";
import { field, setFieldError } from "./widgets/fields.js";

const KINDS = [
  { value: "webhook", label: "Webhook (Standard Webhooks, signed)" },
  { value: "hubspot", label: "HubSpot (private-app token)" },
];

/** The create form's fields per kind: [name, label, type, hint]. */
const FIELDS = {
  webhook: [
    ["url", "URL", "url", "https://… receiving POSTed batches of events"],
    ["secret", "Signing secret", "password", "whsec_… (write-only: never shown again)"],
    ["batchSize", "Events per request", "number", "Default 100"],
  ],
  hubspot: [
    ["accessToken", "Access token", "password", "A private app's token (write-only)"],
    ["baseUrl", "API base URL", "url", "Optional; default https://api.hubapi.com"],
  ],
};

function createForm(onCreated) {
  const kind = h("select", {}, KINDS.map((k) => h("option", { value: k.value }, k.label)));
  const name = h("input", { type: "text", autocomplete: "off" });
  const extra = h("div", { class: "sink-fields" });
  const inputs = new Map();
  const renderExtra = () => {
    inputs.clear();
    mount(
      extra,
      FIELDS[kind.value].map(([key, label, type, hint]) => {
        const input = h("input", { type, autocomplete: type === "password" ? "new-password" : "off", ...(type === "number" ? { min: "1", step: "1" } : {}) });
        inputs.set(key, input);
        return field({ id: `sink-${key}`, label, hint, input });
      }),
    );
  };
  kind.addEventListener("change", renderExtra);
  renderExtra();
  const problem = h("div", {});
  const form = h(
    "form",
    {
      class: "card",
      id: "sink-form",
      novalidate: true,
      onsubmit: async (event) => {
        event.preventDefault();
        const body = { kind: kind.value, name: name.value.trim() };
        for (const [key, input] of inputs) if (input.value.trim() !== "") body[key] = input.type === "number" ? Number(input.value) : input.value.trim();
        for (const key of ["name", ...inputs.keys()]) setFieldError(form, `sink-${key}`, "");
        mount(problem);
        try {
          const sink = await api.post("/api/sinks/", body);
          for (const input of inputs.values()) input.value = "";
          name.value = "";
          announce(`Sink ${sink.name} created.`);
          onCreated(sink);
        } catch (error) {
          const errors = error instanceof ApiError ? error.fieldErrors() : {};
          for (const [key, messages] of Object.entries(errors)) setFieldError(form, `sink-${key}`, messages.join(" "));
          if (!Object.keys(errors).length) mount(problem, errorPanel(error.message));
          form.querySelector("[aria-invalid=true]")?.focus();
        }
      },
    },
    h("h2", {}, "Add a sink"),
    h("div", { class: "sink-fields" }, field({ id: "sink-kind", label: "Kind", input: kind }), field({ id: "sink-name", label: "Name", input: name })),
    extra,
    problem,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "button primary", id: "sink-create" }, "Add sink")),
  );
  return form;
}

function sinkRow(sink, refresh) {
  const outcome = h("span", { class: "sink-outcome", role: "status", dataset: { sinkOutcome: String(sink.id) } });
  const act = (label, run, attrs = {}) =>
    h("button", { type: "button", class: "button", ...attrs, onclick: async (event) => {
      const button = event.currentTarget;
      button.disabled = true;
      try {
        await run(button);
      } catch (error) {
        outcome.textContent = error.message;
      } finally {
        button.disabled = false;
      }
    } }, label);
  const secret = h("input", { type: "password", autocomplete: "new-password", "aria-label": `New secret for ${sink.name}` });
  let armed = false;
  return h(
    "tr",
    { dataset: { sink: String(sink.id) } },
    h("th", { scope: "row" }, sink.name),
    h("td", {}, sink.kind),
    h("td", { class: "sink-url" }, sink.url),
    h("td", {}, sink.secretHint || "—"),
    h("td", {}, sink.enabled ? "enabled" : `disabled${sink.disabledReason ? `: ${sink.disabledReason}` : ""}`),
    h(
      "td",
      { class: "sink-actions" },
      act("Test", async () => {
        const result = await api.post(`/api/sinks/${sink.id}/test/`);
        outcome.textContent = `${result.outcome}${result.status ? ` (HTTP ${result.status})` : ""}${result.detail ? `: ${result.detail}` : ""}`;
        outcome.dataset.result = result.outcome;
      }, { dataset: { sinkTest: String(sink.id) } }),
      act(sink.enabled ? "Disable" : "Enable", async () => {
        await api.patch(`/api/sinks/${sink.id}/`, { enabled: !sink.enabled });
        await refresh();
      }),
      h("span", { class: "pair" }, secret, act("Replace secret", async () => {
        if (!secret.value) throw new Error("Type the new secret first.");
        await api.patch(`/api/sinks/${sink.id}/`, { [sink.kind === "hubspot" ? "accessToken" : "secret"]: secret.value });
        secret.value = "";
        await refresh();
      })),
      act("Delete", async (button) => {
        if (!armed) {
          armed = true;
          button.textContent = "Really delete?";
          button.classList.add("danger");
          outcome.textContent = "Press again to delete; simulations stop delivering to it.";
          return;
        }
        await api.delete(`/api/sinks/${sink.id}/`);
        announce(`Sink ${sink.name} deleted.`);
        await refresh();
      }),
      outcome,
    ),
  );
}

export async function renderSinks(root) {
  const list = h("section", { class: "card", "aria-labelledby": "sinks-title", id: "sink-list" });
  const refresh = async () => {
    const sinks = await api.get("/api/sinks/");
    mount(
      list,
      h("h2", { id: "sinks-title" }, "Your sinks"),
      sinks.length
        ? h(
            "div",
            { class: "table-wrap" },
            h(
              "table",
              { class: "table", id: "sinks-table" },
              h("thead", {}, h("tr", {}, ["Name", "Kind", "URL", "Secret", "State", "Actions"].map((c) => h("th", { scope: "col" }, c)))),
              h("tbody", {}, sinks.map((sink) => sinkRow(sink, refresh))),
            ),
          )
        : emptyState("No sinks yet. Add one below; attach it when you confirm a new simulation."),
    );
  };
  try {
    await refresh();
  } catch (error) {
    mount(root, heading("Sinks"), errorPanel(error.message, () => renderSinks(root)));
    focusHeading(root);
    return;
  }
  mount(
    root,
    heading("Sinks"),
    h("p", { class: "lead" }, "Stream every row a simulation writes to a webhook or a HubSpot account. Attach sinks in the wizard's last step."),
    list,
    createForm(refresh),
  );
  focusHeading(root);
}
