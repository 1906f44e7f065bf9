// Registers the service worker and offers updates with a "Perbarui" button instead of
// swapping the app under an officer's fingers.
import { t } from "./i18n.js";
import { h } from "./dom.js";

export async function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  const reg = await navigator.serviceWorker
    .register(new URL("../sw.js", import.meta.url), { scope: "./" })
    .catch(() => null);
  if (!reg) return;
  const offer = (worker) => {
    const banner = document.getElementById("update");
    if (!banner || !worker) return;
    banner.replaceChildren(
      h("span", {}, t("update.ready")),
      h(
        "button",
        { type: "button", class: "btn btn-primary", onclick: () => worker.postMessage({ type: "SKIP_WAITING" }) },
        t("update.apply"),
      ),
    );
    banner.hidden = false;
  };
  if (reg.waiting && navigator.serviceWorker.controller) offer(reg.waiting);
  reg.addEventListener("updatefound", () => {
    const w = reg.installing;
    w?.addEventListener("statechange", () => {
      if (w.state === "installed" && navigator.serviceWorker.controller) offer(w);
    });
  });
  let reloading = false;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (reloading || !document.getElementById("update")?.dataset.accepted) return;
    reloading = true;
    location.reload();
  });
  document.getElementById("update")?.addEventListener("click", (e) => {
    if (e.target.tagName === "BUTTON") e.currentTarget.dataset.accepted = "1";
  });
  // Check for a new version now and then while the app is open.
  setInterval(() => reg.update().catch(() => {}), 30 * 60_000);
}
