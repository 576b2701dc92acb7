// A finished simulation's dashboard sections: the calibration table (GET .../report/) and the export links.

import { h } from "../dom.js";
import { fmtNumber } from "../format.js";
import { recordTypes } from "../vocabulary.js";

function calibrationTable(report) {
  return h(
    "div",
    // It may scroll sideways: focusable and named, so keyboard users can scroll it too.
    { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Calibration table" },
    h(
      "table",
      { class: "table calibration", id: "calibration-table" },
      h("caption", {}, report.allOk ? "Every parameter is realized within its tolerance." : "Some parameters are outside their tolerance (WARN)."),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["Parameter", "Configured", "Expected", "Realized", "Tolerance", "Verdict"].map((name) => h("th", { scope: "col" }, name)),
        ),
      ),
      h(
        "tbody",
        {},
        report.calibration.map((row) =>
          h(
            "tr",
            { dataset: { parameter: row.parameter } },
            h("th", { scope: "row" }, row.parameter, h("span", { class: "note" }, row.note)),
            h("td", { class: "num", dataset: { label: "Configured" } }, Array.isArray(row.configured) ? row.configured.map(fmtNumber).join(" – ") : fmtNumber(row.configured)),
            h("td", { class: "num", dataset: { label: "Expected" } }, fmtNumber(row.expected)),
            h("td", { class: "num", dataset: { label: "Realized" } }, fmtNumber(row.realized)),
            h("td", { class: "num", dataset: { label: "Tolerance" } }, row.tolerance === null ? "—" : `± ${fmtNumber(row.tolerance)}`),
            h("td", { dataset: { label: "Verdict" } }, h("span", { class: `verdict verdict-${row.verdict.toLowerCase()}` }, row.verdict)),
          ),
        ),
      ),
    ),
  );
}

/** The report card's content for GET /api/simulations/{id}/report/'s answer. */
export function reportCard(data) {
  return [
    h("h2", { id: "report-title" }, "Calibration"),
    h("p", {}, "Every parameter against the value realized in the data. Digest: ", h("code", { class: "digest", id: "sim-digest" }, data.digest)),
    calibrationTable(data),
  ];
}

/** CSV and NDJSON download links per record type. */
export function exportList(id) {
  const link = (type, label, format, text) =>
    h("a", { href: `/api/simulations/${id}/export/?type=${type}&format=${format}`, download: "", class: "button small" }, text, h("span", { class: "visually-hidden" }, ` of ${label.toLowerCase()}`));
  return h(
    "ul",
    { class: "exports" },
    recordTypes().map(({ value, label }) => h("li", {}, h("span", {}, label), link(value, label, "csv", "CSV"), link(value, label, "ndjson", "NDJSON"))),
  );
}
