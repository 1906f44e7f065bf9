// Tiny DOM helpers: elements are built with createElement and text nodes only, never
// HTML strings, so a strict CSP and hostile field values are both fine.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k in el && typeof v !== "string") el[k] = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

export const $ = (sel, root = document) => root.querySelector(sel);

let idCounter = 0;
export const uid = (p = "f") => `${p}-${++idCounter}`;

/** Show a short message in the toast area (polite live region). */
export function toast(text, { kind = "info", ms = 5000 } = {}) {
  const area = document.getElementById("toasts");
  if (!area) return;
  const el = h("div", { class: `toast toast-${kind}`, role: kind === "error" ? "alert" : "status" }, text);
  area.append(el);
  setTimeout(() => el.remove(), ms);
}
