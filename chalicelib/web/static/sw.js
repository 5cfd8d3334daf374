/* G-Desk service worker (served at /sw.js so that its scope is the whole app, under the stage
   prefix when there is one). It keeps the pages and their files, never data: /trip, /photo and
   /cafeteria open from the home screen without a network. Pages and files are fetched from the
   network first (so a new version arrives at once) and the kept copy is used only offline.
   API calls are not touched: they always go to the network (the /trip page queues its fix). */
"use strict";
const CACHE = "gdesk-pages-v1";
const SCOPE = self.registration.scope;  // ".../" with the trailing slash
const PAGES = ["", "trip", "photo", "cafeteria"];
const FILES = ["favicon.ico", "static/app.css", "static/app.js", "static/trips.css", "static/trips.js",
  "static/photo.css", "static/photo.js", "static/cafeteria.css", "static/cafeteria.js",
  "static/app.webmanifest", "static/trip.webmanifest", "static/photo.webmanifest",
  "static/cafeteria.webmanifest", "static/icon-app-192.png", "static/icon-trip-192.png",
  "static/icon-photo-192.png", "static/icon-cafeteria-192.png"];

function kept(url) {
  if (!url.startsWith(SCOPE)) return false;
  const path = url.slice(SCOPE.length).split(/[?#]/)[0];
  return PAGES.includes(path) || FILES.includes(path) || path.startsWith("static/");
}

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE)
    .then((cache) => cache.addAll(PAGES.concat(FILES).map((path) => new URL(path, SCOPE).href)))
    .then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys().then((names) =>
    Promise.all(names.filter((name) => name !== CACHE).map((name) => caches.delete(name)))));
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || !kept(request.url)) return;  // the network, as without us
  event.respondWith(fetch(request).then((response) => {
    if (response.ok) {
      const copy = response.clone();
      caches.open(CACHE).then((cache) => cache.put(request.url.split("#")[0], copy));
    }
    return response;
  }).catch(() => caches.match(request.url.split("#")[0], { ignoreSearch: true })
    .then((found) => found || Response.error())));
});
