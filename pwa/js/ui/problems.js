// A problem found by the form check ({code, ...params}, pwa/core/formcheck.js) or sent by the
// server ({code, id, en}) as a sentence in the officer's language.
import { t, pick } from "../i18n.js";
import { h } from "../dom.js";

export function problemText(p) {
  if (p.id && p.en) return pick({ id: p.id, en: p.en });
  for (const key of [`check.${p.code}`, p.code]) {
    const s = t(key, p);
    if (s !== key) return s;
  }
  return t("error.generic");
}

/** Show problems under a rendered field (after its own live messages). */
export function showProblems(field, problems) {
  const msg = field.el.querySelector(".field-msg");
  if (!msg) return;
  for (const p of problems) msg.append(h("span", { class: "msg-error", dataset: { code: p.code } }, problemText(p)));
  field.el.classList.add("has-error");
}
