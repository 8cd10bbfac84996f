// The cadre pages' service worker: keeps the app shell and the signed-in cadre's own pages,
// opens them without a signal, and sends what was recorded offline when the signal returns.
"use strict";
const CONFIG = {{ config|safe }};
const SHELL_CACHE = "shell-" + CONFIG.version;
const PAGES = "pages-";
// A page waits this long for the network before the kept copy is shown.
const NETWORK_WAIT_MS = 4000;
// Pages are fetched again at most this often, unless a page asks for it (sign-in, sending).
const REFRESH_EVERY_MS = 10 * 60 * 1000;
let refreshedAt = 0;

importScripts(CONFIG.queue_script);

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll(CONFIG.shell)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith("shell-") && n !== SHELL_CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

async function pageCaches() {
  return (await caches.keys()).filter((name) => name.startsWith(PAGES));
}

// Only the signed-in cadre's pages stay: another account's are deleted before anything else.
async function forgetOthers(user) {
  for (const name of await pageCaches()) {
    if (name !== PAGES + user) await caches.delete(name);
  }
  await OfflineQueue.dropOthers(user);
}

async function forgetAll() {
  for (const name of await pageCaches()) await caches.delete(name);
  await OfflineQueue.clear();
  refreshedAt = 0;
}

// The copy kept for offline use says when it was fetched, on its <body>.
async function keep(cache, url, response) {
  const at = new Date().toISOString();
  const html = (await response.text()).replace("<body", `<body data-offline-cached-at="${at}"`);
  const headers = new Headers(response.headers);
  headers.set("X-Cached-At", at);
  await cache.put(url, new Response(html, { status: 200, headers }));
}

async function refresh(user, force) {
  await forgetOthers(user);
  if (!force && Date.now() - refreshedAt < REFRESH_EVERY_MS && (await caches.has(PAGES + user))) {
    // Fetched a moment ago: the page is still told what is kept, so it never waits in vain.
    const kept = await (await caches.open(PAGES + user)).keys();
    return { kept: kept.length, at: null };
  }
  // Never following a redirect: it leads to the sign-in page, whose new CSRF cookie would
  // break a sign-in form open on the phone meanwhile.
  const quietly = { credentials: "same-origin", cache: "no-store", redirect: "manual" };
  const answer = await fetch(CONFIG.pages_url, quietly);
  if (!answer.ok) return null;
  const list = await answer.json();
  if (list.user !== user) return null;
  const cache = await caches.open(PAGES + user);
  const wanted = new Set(list.pages.map((path) => new URL(path, self.location.origin).href));
  let kept = 0;
  for (const url of wanted) {
    try {
      const response = await fetch(url, quietly);
      if (response.type === "opaqueredirect") return null;  // signed out meanwhile
      if (response.ok) {
        await keep(cache, url, response);
        kept += 1;
      }
    } catch (error) {
      break;  // The signal went away; what was kept stays.
    }
  }
  for (const request of await cache.keys()) {
    if (!wanted.has(request.url)) await cache.delete(request);
  }
  refreshedAt = Date.now();
  return { kept: kept, at: list.at };
}

async function tell(message) {
  for (const client of await self.clients.matchAll({ type: "window", includeUncontrolled: true })) client.postMessage(message);
}

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "refresh") {
    event.waitUntil(refresh(data.user, data.force).then((done) => {
      if (done) tell({ type: "cached", kept: done.kept, at: done.at });
    }, () => null));
  } else if (data.type === "forget") {
    event.waitUntil(forgetAll());
  }
});

async function fromNetwork(request) {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), NETWORK_WAIT_MS);
  try {
    return await fetch(request, { signal: abort.signal });
  } finally {
    clearTimeout(timer);
  }
}

async function navigate(request) {
  const names = await pageCaches();
  const cache = names.length ? await caches.open(names[0]) : null;
  try {
    const response = await fromNetwork(request);
    // A page already kept is kept fresh whenever it is opened online.
    if (cache && response.ok && !response.redirected && (await cache.match(request.url))) {
      await keep(cache, request.url, response.clone());
    }
    return response;
  } catch (error) {
    const kept = cache && (await cache.match(request.url));
    if (kept) return kept;
    return new Response(CONFIG.not_kept, {
      status: 503,
      headers: { "Content-Type": "text/html; charset=utf-8" },
    });
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname.startsWith(CONFIG.scope)) {
    event.respondWith(navigate(request));
  } else if (CONFIG.shell.includes(url.pathname)) {
    event.respondWith(caches.match(request, { cacheName: SHELL_CACHE }).then((hit) => hit || fetch(request)));
  }
});

self.addEventListener("sync", (event) => {
  if (event.tag !== OfflineQueue.SYNC_TAG) return;
  event.waitUntil(
    OfflineQueue.sendAll(CONFIG.pages_url).then((result) => {
      if (result.sent || result.refused) tell({ type: "sent", result: result });
    }),
  );
});
