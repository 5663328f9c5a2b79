/* The service worker (served at /sw.js by dealercrm/pwa.py, scope "/").
 *
 * Pages the user opened are kept so that they open again without signal: network first,
 * the kept copy only when the network fails (static/js/offline.js then shows 离线 and
 * makes the page read-only). Kept: HTML pages opened by navigation and static files.
 * Never kept: the API, the admin, POSTs, fragments, downloads, redirects and errors.
 * The kept pages belong to whoever was logged in: they are dropped on logout (and by
 * offline.js whenever a page is served to nobody logged in).
 * Reports typed offline are not this file's business: offline.js keeps them in IndexedDB.
 */
"use strict";

var CACHE = "dealercrm-pages-v1";
var REPORT_FORM = "/contacts/submit/";
var NEVER_KEPT = ["/api/", "/admin/", "/sw.js", "/login/", "/logout/"];

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(
        names.filter(function (n) { return n !== CACHE; }).map(function (n) { return caches.delete(n); })
      );
    }).then(function () { return self.clients.claim(); })
  );
});

// Whole pages (not fragments, downloads or JSON) and the static files they need.
function worthKeeping(request, url, response) {
  if (!response.ok || response.redirected || response.type !== "basic") return false;
  if (url.pathname.indexOf("/static/") === 0) return true;
  var type = response.headers.get("Content-Type") || "";
  return request.mode === "navigate" && type.indexOf("text/html") === 0 &&
    !response.headers.get("Content-Disposition");
}

function kept(url) {
  return !NEVER_KEPT.some(function (prefix) { return url.pathname.indexOf(prefix) === 0; });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && url.pathname === "/logout/") {
    // the next person on this phone must not open the last one's dossiers offline
    event.respondWith(caches.delete(CACHE).then(function () { return fetch(request); }));
    return;
  }
  if (request.method !== "GET" || !kept(url)) return;
  event.respondWith(
    fetch(request).then(function (response) {
      if (worthKeeping(request, url, response)) {
        var copy = response.clone();
        event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.put(request, copy); }));
      }
      return response;
    }).catch(function () {
      return caches.match(request).then(function (hit) {
        if (hit) return hit;
        // the report form opened with other parameters (?customer=…) still opens offline
        if (request.mode === "navigate" && url.pathname === REPORT_FORM) {
          return caches.match(request, { ignoreSearch: true }).then(function (page) {
            return page || Response.error();
          });
        }
        return Response.error();
      });
    })
  );
});
