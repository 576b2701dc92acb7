// Tiny DOM helpers: build elements declaratively, announce changes to screen readers.

let idCounter = 0;

/** A unique id for aria-describedby / label pairs. */
export function uid(prefix = "id") {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

/**
 * h("button", {class: "x", onclick: fn, "aria-pressed": "true"}, "text", child, [more])
 * Attributes: `class`, `dataset` (object), `on<event>` (listener), `hidden`/`disabled`/... booleans, others
 * set as attributes (null/undefined/false skip). Children: strings, numbers, nodes, arrays; null skipped.
 */
export function h(tag, attrs = {}, ...children) {
  const el = tag.startsWith("svg:")
    ? document.createElementNS("http://www.w3.org/2000/svg", tag.slice(4))
    : document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "dataset") {
      Object.assign(el.dataset, value);
    } else if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (key === "value" && "value" in el && !tag.startsWith("svg:")) {
      el.value = value;
    } else if (key === "checked" || key === "selected") {
      el[key] = Boolean(value);
    } else {
      el.setAttribute(key === "className" ? "class" : key, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

export function svg(tag, attrs = {}, ...children) {
  return h(`svg:${tag}`, attrs, ...children);
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

/** Replace an element's children. */
export function mount(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** Say something to screen-reader users (polite live region in the shell). */
export function announce(message) {
  const region = document.getElementById("announcer");
  if (!region) return;
  region.textContent = "";
  window.setTimeout(() => {
    region.textContent = message;
  }, 30);
}

/** The page heading for a screen: focus it so keyboard and screen-reader users land on the new content. */
// A breadcrumb trail: each [label, href] a link, the last part (the current screen) plain text, joined by " / ".
export function crumbs(...parts) {
  const items = parts.map((part) => (Array.isArray(part) ? h("a", { href: part[1] }, part[0]) : part));
  return h("p", { class: "crumbs" }, ...items.flatMap((item, i) => (i === 0 ? [item] : [" / ", item])));
}

export function heading(text, level = 1, attrs = {}) {
  return h(`h${level}`, { tabindex: "-1", class: "screen-title", ...attrs }, text);
}

export function focusHeading(root) {
  const title = root.querySelector(".screen-title");
  if (title) title.focus({ preventScroll: false });
}

/** An error panel with an optional retry button. */
export function errorPanel(message, onRetry) {
  return h(
    "div",
    { class: "alert error", role: "alert" },
    h("p", {}, message),
    onRetry ? h("button", { type: "button", class: "button", onclick: onRetry }, "Try again") : null,
  );
}

export function emptyState(message, ...actions) {
  return h("div", { class: "empty" }, h("p", {}, message), actions.length ? h("p", {}, actions) : null);
}
