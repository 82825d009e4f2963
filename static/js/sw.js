// The phone page's service worker: reloaded with no network, the page still opens
// (the copy from its last visit) with its scripts, so the notes waiting in the
// outbox (localStorage) show and go out when the network is back.
// Phone pages (/p/…): from the network, the last copy when there is none.
// Fingerprinted files (/assets/<version>/…): from the cache, as they never change.
// Anything else (Socket.IO, forms, the console) is left to the network as it is.
const VERSION = new URL(self.location.href).searchParams.get("v") || "none";
const ASSETS = `workshop-assets-${VERSION}`;
const PAGES = "workshop-pages";

const pageKey = (url) => { const parsed = new URL(url); return parsed.origin + parsed.pathname; };
const ours = (url) => new URL(url, self.location.href).origin === self.location.origin;
const current = (url) => new URL(url, self.location.href).pathname.startsWith(`/assets/${VERSION}/`);

self.addEventListener("install", () => self.skipWaiting());

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("workshop-assets-") && name !== ASSETS) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

// The page that registered the worker was loaded before it: it names itself and its
// files to be kept (the files come from the browser's cache, the page once more).
self.addEventListener("message", (event) => {
  const { page, assets = [] } = event.data || {};
  event.waitUntil((async () => {
    if (page && ours(page) && new URL(page).pathname.startsWith("/p/")) {
      const response = await fetch(page, { credentials: "same-origin" });
      if (response.ok) await (await caches.open(PAGES)).put(pageKey(page), response);
    }
    const files = assets.filter((url) => ours(url) && current(url));
    if (files.length) await (await caches.open(ASSETS)).addAll(files);
  })().catch(() => {}));
});

async function page(request) {
  const pages = await caches.open(PAGES);
  try {
    const response = await fetch(request);
    if (response.ok) await pages.put(pageKey(request.url), response.clone());
    return response;
  } catch (error) {
    const kept = await pages.match(pageKey(request.url));
    if (kept) return kept;
    throw error;
  }
}

async function file(request) {
  const cache = await caches.open(ASSETS);
  const kept = await cache.match(request, { ignoreVary: true });
  if (kept) return kept;
  const response = await fetch(request);
  if (response.ok && current(request.url)) await cache.put(request, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || !ours(request.url)) return;
  const path = new URL(request.url).pathname;
  if (request.mode === "navigate" && path.startsWith("/p/")) event.respondWith(page(request));
  else if (path.startsWith("/assets/")) event.respondWith(file(request));
});
