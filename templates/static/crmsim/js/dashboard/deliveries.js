// The dashboard's deliveries card: per sink delivered / failed / dead-lettered / pending and lag (from the
// progress poll), the open dead letters and a Replay button (POST .../deliveries/replay/).

import { api } from "../api.js";
import { h, mount } from "../dom.js";
import { fmtDateTime, fmtInt, fmtMs } from "../format.js";

const SHOWN_LETTERS = 10;

export function deliveriesCard(id) {
  const table = h("div", { class: "table-wrap" });
  const letters = h("div", { id: "dead-letters" });
  const message = h("p", { class: "control-message", role: "status", id: "replay-message" });
  const replay = h("button", { type: "button", class: "button", id: "replay-dead-letters", hidden: true }, "Replay dead letters");
  const card = h(
    "section",
    { class: "card", id: "deliveries", "aria-labelledby": "deliveries-title", hidden: true },
    h("h2", { id: "deliveries-title" }, "Deliveries"),
    table,
    letters,
    h("div", { class: "controls" }, replay),
    message,
  );
  let openLetters = -1;
  let timer = null;
  const POLL_MS = 2000;
  const settled = (sinks) => sinks.every((sink) => sink.pending === 0 || !sink.enabled);

  // Delivery can go on after the run has ended (the runner settles every sink): keep polling until it has.
  const follow = async () => {
    window.clearTimeout(timer);
    if (!card.isConnected) return;
    try {
      const sinks = await loadLetters();
      if (!settled(sinks)) timer = window.setTimeout(follow, POLL_MS);
    } catch (error) {
      message.textContent = `Could not refresh the deliveries (${error.message}); retrying.`;
      timer = window.setTimeout(follow, POLL_MS * 3);
    }
  };

  const loadLetters = async () => {
    const data = await api.get(`/api/simulations/${id}/deliveries/`);
    renderTable(data.sinks);
    mount(
      letters,
      data.deadLetters.length
        ? [
            h("h3", {}, `Dead letters (${fmtInt(data.deadLetters.length)})`),
            h(
              "ul",
              { class: "dead-letters" },
              data.deadLetters.slice(0, SHOWN_LETTERS).map((letter) =>
                h("li", { dataset: { letter: String(letter.id) } }, `${fmtDateTime(letter.createdAt)} · slot ${letter.slot} · ${fmtInt(letter.events)} events · ${letter.error}`),
              ),
            ),
            data.deadLetters.length > SHOWN_LETTERS ? h("p", { class: "muted" }, `… and ${fmtInt(data.deadLetters.length - SHOWN_LETTERS)} more (oldest first).`) : null,
          ]
        : null,
    );
    replay.hidden = data.deadLetters.length === 0;
    return data.sinks;
  };

  replay.addEventListener("click", async () => {
    replay.disabled = true;
    message.textContent = "Replaying…";
    try {
      const result = await api.post(`/api/simulations/${id}/deliveries/replay/`);
      await loadLetters();
      message.textContent = `Replayed ${fmtInt(result.replayed)} of ${fmtInt(result.letters)} dead letters; ${fmtInt(result.stillFailing)} still failing.`;
    } catch (error) {
      message.textContent = `Replay failed: ${error.message}`;
    } finally {
      replay.disabled = false;
    }
  });

  const renderTable = (sinks) => {
    card.hidden = !sinks.length;
    const cell = (sink, key, text) => h("td", { class: "num", dataset: { sink: String(sink.sink), field: key } }, text);
    mount(
      table,
      h(
        "table",
        { class: "table", id: "deliveries-table" },
        h("thead", {}, h("tr", {}, ["Sink", "Delivered", "Failed requests", "Dead-lettered", "Pending", "Lag p50 / p99", "State"].map((c, i) => h("th", { scope: "col", class: i && i < 6 ? "num" : null }, c)))),
        h(
          "tbody",
          {},
          sinks.map((sink) =>
            h(
              "tr",
              {},
              h("th", { scope: "row" }, `${sink.name} (${sink.kind})`),
              cell(sink, "delivered", fmtInt(sink.delivered)),
              cell(sink, "failed", fmtInt(sink.failed)),
              cell(sink, "deadLettered", fmtInt(sink.deadLettered)),
              cell(sink, "pending", fmtInt(sink.pending)),
              cell(sink, "lag", sink.lag.samples ? `${fmtMs(sink.lag.p50Ms)} / ${fmtMs(sink.lag.p99Ms)}` : "—"),
              h("td", {}, sink.enabled ? (sink.recentErrors.length ? `enabled · last error: ${sink.recentErrors.at(-1)}` : "enabled") : `disabled: ${sink.disabledReason}`),
            ),
          ),
        ),
      ),
    );
  };

  /** Show the progress poll's `sinks`; reload the dead letters when their count changes; once the run has
   * ended (`ended`), follow the deliveries until every sink has settled. */
  const update = (sinks, ended) => {
    renderTable(sinks);
    if (!sinks.length) return;
    if (ended && !settled(sinks)) {
      follow();
      return;
    }
    const dead = sinks.reduce((total, sink) => total + sink.deadLettered, 0);
    if (dead !== openLetters) {
      openLetters = dead;
      loadLetters().catch((error) => {
        message.textContent = `Could not load the dead letters (${error.message}).`;
      });
    }
  };
  return { card, update };
}
