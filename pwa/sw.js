// Service worker: precaches the app shell (an explicit allowlist: never API data, photos
// or status pages), serves it offline, and waits for the officer's "Perbarui" before a new
// version takes over. The server fills in VERSION with a hash of the shell files and SHELL
// with the list pwa/build.mjs wrote (the page with its inline bundle, other languages'
// strings, icons, the libraries loaded on demand).
const VERSION = "__SHELL_VERSION__";
const PREFIX = "jb-shell-";
const CACHE = `${PREFIX}${VERSION}`;

const SHELL = ["__SHELL_FILES__"]; // the build's dist/shell.json, filled in by the server

const scope = new URL(self.registration.scope);
const shellUrls = new Set(SHELL.map((p) => new URL(p, scope).href));

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL.map((p) => new Request(new URL(p, scope), { cache: "reload" })))),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) if (key.startsWith(PREFIX) && key !== CACHE) await caches.delete(key);
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("message", (event) => {
  if (event.data?.type === "SKIP_WAITING") self.skipWaiting();
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  if (req.method !== "GET") return;
  const url = new URL(req.url);
  if (url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) return;
  if (req.mode === "navigate") {
    // Every page of the app is the one page at the scope, "./" (routes live in the hash).
    event.respondWith(fromCache(scope.href).then((r) => r || fetch(req)));
    return;
  }
  const clean = url.origin + url.pathname;
  if (!shellUrls.has(clean)) return;
  event.respondWith(fromCache(clean).then((r) => r || fetch(req)));
});

function fromCache(url) {
  // caches.match, not caches.open: opening would re-create a cache a revocation just wiped
  return caches.match(url, { cacheName: CACHE, ignoreSearch: true });
}

// Background Sync: wake an open window to run the sync engine (it needs the page's
// modules and tus-js-client). With no window open, fail so the browser retries later.
self.addEventListener("sync", (event) => {
  if (event.tag !== "jb-outbox") return;
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: "window" });
      if (!windows.length) throw new Error("no window to sync from; retry later");
      windows[0].postMessage({ type: "background-sync" });
    })(),
  );
});
