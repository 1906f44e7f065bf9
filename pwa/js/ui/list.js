// The officer's applications: status, search by name or code, filters; and the
// permit-type chooser for a new application (#/new).
import { t, pick, dateTime } from "../i18n.js";
import { h } from "../dom.js";
import { STATES } from "../../core/records.js";
import { applicantName, badge, businessName, permitLabel, permitTypes, stateOf } from "./common.js";

export async function render(root, { hash, store }) {
  const types = await permitTypes(store);
  if (hash === "#/new") return chooser(root, types);
  const summary = await store.summary();
  const rows = summary.records
    .map((r) => ({ rec: r, state: stateOf(summary, r) }))
    .sort((a, b) => String(b.rec.updated_at || "").localeCompare(String(a.rec.updated_at || "")));

  const search = h("input", {
    type: "search",
    id: "search",
    placeholder: t("list.search"),
    "aria-label": t("list.search"),
    autocomplete: "off",
  });
  let filter = sessionStorage.getItem("jb-filter") || "all";
  const chips = h("div", { class: "chips", role: "group", "aria-label": t("list.filter") });
  const list = h("ul", { class: "records", id: "records" });
  const counts = Object.fromEntries(STATES.map((s) => [s, rows.filter((r) => r.state === s).length]));

  const draw = () => {
    const q = search.value.trim().toLowerCase();
    list.replaceChildren();
    const shown = rows.filter(({ rec, state }) => {
      if (filter !== "all" && state !== filter) return false;
      if (!q) return true;
      return [applicantName(rec), businessName(rec), rec.tracking_code].some((s) =>
        String(s || "")
          .toLowerCase()
          .includes(q),
      );
    });
    for (const { rec, state } of shown) {
      list.append(
        h(
          "li",
          {},
          h(
            "a",
            { href: `#/r/${rec.id}`, class: "record-row", dataset: { code: rec.tracking_code || "" } },
            h(
              "span",
              { class: "rr-main" },
              h("strong", {}, applicantName(rec)),
              h("span", { class: "muted" }, businessName(rec)),
            ),
            h(
              "span",
              { class: "rr-meta" },
              h("span", { class: "code" }, rec.tracking_code || ""),
              h("span", { class: "muted" }, permitLabel(types, rec.permit_type)),
              h("span", { class: "muted" }, dateTime(rec.updated_at)),
            ),
            badge(state, rec),
          ),
        ),
      );
    }
    if (shown.length === 0)
      list.append(h("li", { class: "empty" }, rows.length ? t("list.none_match") : t("list.empty")));
    for (const c of chips.children) c.setAttribute("aria-pressed", String(c.dataset.filter === filter));
  };
  for (const s of ["all", ...STATES]) {
    const n = s === "all" ? rows.length : counts[s];
    chips.append(
      h(
        "button",
        {
          type: "button",
          class: "chip",
          dataset: { filter: s },
          onclick: () => {
            filter = s;
            sessionStorage.setItem("jb-filter", s);
            draw();
          },
        },
        `${t(s === "all" ? "list.all" : `state.${s}`)} (${n})`,
      ),
    );
  }
  search.addEventListener("input", draw);
  root.append(
    h(
      "div",
      { class: "toolbar" },
      h("h1", {}, t("list.title")),
      h("a", { href: "#/new", class: "btn btn-primary", id: "new-application" }, t("list.new")),
    ),
    search,
    chips,
    list,
  );
  draw();
}

function chooser(root, types) {
  root.append(h("h1", {}, t("new.title")));
  if (!types.length) {
    root.append(h("p", { class: "card" }, t("new.no_reference")));
    return;
  }
  root.append(
    h(
      "ul",
      { class: "choices" },
      types.map((pt) => {
        const code = pt.code ?? pt.id;
        return h(
          "li",
          {},
          h(
            "a",
            { href: `#/new/${encodeURIComponent(code)}`, class: "choice", dataset: { permit: code } },
            h("strong", {}, pick(pt.name ?? pt.label ?? pt.title) || code),
            pt.description ? h("span", { class: "muted" }, pick(pt.description)) : null,
            pt.sla_days ? h("span", { class: "muted" }, t("new.sla", { n: pt.sla_days })) : null,
          ),
        );
      }),
    ),
  );
}
