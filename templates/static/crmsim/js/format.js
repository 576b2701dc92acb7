// Number, amount and time formatting. Numbers get thousands separators; amounts stay decimal strings.

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat("en-US", { maximumFractionDigits: 6 });

export function fmtInt(value) {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "bigint") return value.toLocaleString("en-US");
  return integer.format(value);
}

export function fmtNumber(value) {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "bigint") return value.toLocaleString("en-US");
  return decimal.format(value);
}

/** "1234567.8" -> "1,234,567.80": string arithmetic only, so no float rounding ever touches money. */
export function fmtAmount(value) {
  if (value === null || value === undefined || value === "") return "—";
  const text = String(value);
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) return text;
  const [, sign, whole, fraction = ""] = match;
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${sign}${grouped}.${(fraction + "00").slice(0, Math.max(2, fraction.length))}`;
}

export function fmtPercent(value, digits = 1) {
  if (value === null || value === undefined) return "—";
  return `${Number(value).toFixed(digits)}%`;
}

/** Simulated times are UTC: show them in UTC, unambiguously. */
export function fmtDateTime(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

export function fmtDate(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return d.toISOString().slice(0, 10);
}

export function fmtMs(value) {
  if (value === null || value === undefined) return "—";
  return `${decimal.format(Math.round(value))} ms`;
}

/** A scenario parameter's value: a [lo, hi] range as "lo – hi", a number with separators, else as text. */
export function fmtValue(value) {
  if (Array.isArray(value)) return `${fmtNumber(value[0])} – ${fmtNumber(value[1])}`;
  if (typeof value === "number") return fmtNumber(value);
  return String(value);
}
