// The only way the UI talks to the server: same-origin fetch with the session cookie, JSON in and out, the
// CSRF token on unsafe methods, and seeds (up to 2^63 - 1) kept exact as BigInt.

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const BIG = "__crmsim_bigint__";

export class ApiError extends Error {
  constructor(status, data) {
    super(describeError(status, data));
    this.status = status;
    this.data = data || {};
  }

  /** {"field.path": ["message", ...]} flattened one level (nested trees use dotted paths). */
  fieldErrors() {
    const out = {};
    const walk = (prefix, value) => {
      if (Array.isArray(value)) out[prefix] = value.map(String);
      else if (value && typeof value === "object") {
        for (const [key, inner] of Object.entries(value)) walk(prefix ? `${prefix}.${key}` : key, inner);
      } else if (value !== undefined) out[prefix] = [String(value)];
    };
    if (this.status === 400) walk("", this.data);
    return out;
  }
}

function describeError(status, data) {
  if (data && typeof data.detail === "string") return data.detail;
  if (data && Array.isArray(data.non_field_errors)) return data.non_field_errors.join(" ");
  if (status === 400) return "Some values were not accepted; see the messages next to them.";
  if (status === 0) return "The server could not be reached. Check your connection and try again.";
  return `The server answered ${status}.`;
}

export function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

/** JSON.stringify that writes BigInt values as plain JSON integers. */
export function toJSON(value) {
  return JSON.stringify(value, (key, inner) => (typeof inner === "bigint" ? `${BIG}${inner}` : inner)).replace(
    new RegExp(`"${BIG}(-?\\d+)"`, "g"),
    "$1",
  );
}

/** JSON.parse that keeps large integers under "seed" exact (as BigInt). */
export function parseJSON(text) {
  const guarded = text.replace(/"seed":\s*(\d{16,})/g, `"seed":"${BIG}$1"`);
  return JSON.parse(guarded, (key, value) =>
    typeof value === "string" && value.startsWith(BIG) ? BigInt(value.slice(BIG.length)) : value,
  );
}

/** A seed as a JSON-ready value: a Number when exact, else a BigInt (toJSON writes it as an integer). */
export function seedValue(seed) {
  if (seed === null || seed === undefined || seed === "") return null;
  const big = BigInt(seed);
  return big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}

/** One request: `{ status, data, retryAfter }` for a 2xx answer (`retryAfter` in seconds, or null); throws an
 * ApiError otherwise. */
export async function send(method, path, body) {
  const headers = { Accept: "application/json" };
  const init = { method, headers, credentials: "same-origin" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = toJSON(body);
  }
  if (UNSAFE.has(method)) headers["X-CSRFToken"] = csrfToken();
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    throw new ApiError(0, { detail: `The server could not be reached (${error.message}).` });
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = parseJSON(text);
    } catch {
      data = { detail: `Unexpected answer from the server (${response.status}).` };
    }
  }
  if (response.status === 401) {
    // The session ended: log in again and come back to the same screen.
    window.location.assign(`/accounts/login/?next=${encodeURIComponent("/" + window.location.hash)}`);
  }
  if (!response.ok) throw new ApiError(response.status, data);
  const retryAfter = Number.parseInt(response.headers.get("Retry-After") || "", 10);
  return { status: response.status, data, retryAfter: Number.isNaN(retryAfter) ? null : retryAfter };
}

export async function request(method, path, body) {
  return (await send(method, path, body)).data;
}

/** GET a resource that answers 202 + Retry-After while it is being computed: wait and ask again until it is
 * ready (200) and return its data, up to `maxWaitMs` in all; null once `active()` turns false (the screen left). */
export async function getWhenReady(path, { active = () => true, maxWaitMs = 600_000 } = {}) {
  const deadline = Date.now() + maxWaitMs;
  for (;;) {
    const answer = await send("GET", path);
    if (answer.status !== 202) return answer.data;
    if (Date.now() > deadline) throw new ApiError(504, { detail: "Still being computed; try again later." });
    if (!active()) return null;
    await new Promise((resolve) => window.setTimeout(resolve, 1000 * Math.min(Math.max(answer.retryAfter ?? 2, 1), 30)));
  }
}

export const api = {
  get: (path) => request("GET", path),
  post: (path, body) => request("POST", path, body),
  put: (path, body) => request("PUT", path, body),
  patch: (path, body) => request("PATCH", path, body),
  delete: (path) => request("DELETE", path),
};

/** A cursor-paginated list URL's `cursor` parameter, or null (the API returns absolute next/previous links). */
export function cursorOf(link) {
  if (!link) return null;
  try {
    return new URL(link, window.location.origin).searchParams.get("cursor");
  } catch {
    return null;
  }
}

export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== "") search.set(key, value);
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}
