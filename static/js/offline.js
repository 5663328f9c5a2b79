/* No signal is no loss (issue 18): the service worker, the 离线 notice and the outbox.
 *
 * A report form (any form with an idempotency_key field) gets a key made here, on the phone,
 * when it opens. On send the report is first kept in IndexedDB ("outbox"), then sent:
 * - online, by the browser as usual; the report's page (data-idempotency-key) clears it;
 * - offline, not at all: the 待发送 badge shows it, and it is sent by fetch as soon as the
 *   connection returns (the online event, each page load, every 30 s).
 * The server answers a resend with the same key with the first submission, so a report
 * whose answer was lost is never stored twice. A report the server refuses (say the typed
 * customer matches two) stays in the outbox; the badge links to the form refilled with it.
 * Every visible string comes from the badge's data attributes (translated in base.html).
 */
(function () {
  "use strict";

  var badge = document.getElementById("outbox-badge");
  if (!badge) return;
  var user = badge.dataset.user || "";
  var DB = "dealercrm", STORE = "outbox", RETRY_MS = 30000;

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(badge.dataset.worker || "/sw.js", { scope: "/" })
      .catch(function () { /* no worker: pages still work online */ });
  }

  function forgetPages() {
    if (window.caches) caches.keys().then(function (names) {
      names.forEach(function (n) { caches.delete(n); });
    });
  }
  // Nobody logged in (the login page, an expired session): drop the last user's pages.
  if (!user) { forgetPages(); return; }
  document.addEventListener("submit", function (event) {
    var action = event.target.getAttribute("action") || "";
    if (action === badge.dataset.logout) forgetPages();
  }, true);

  // --- the 离线 notice: kept pages are read-only --------------------------------------------
  var notice = null;
  function showOffline() {
    var offline = !navigator.onLine;
    if (offline && !notice) {
      notice = document.createElement("p");
      notice.className = "offline-notice";
      notice.setAttribute("role", "status");
      notice.dataset.testid = "offline-notice";
      notice.textContent = badge.dataset.offlineLabel;
      var main = document.querySelector("main") || document.body;
      main.insertBefore(notice, main.firstChild);
    } else if (!offline && notice) {
      notice.remove();
      notice = null;
    }
    // nothing but a report can be sent without signal
    document.querySelectorAll("form").forEach(function (form) {
      if (form.querySelector("[name=idempotency_key]")) return;
      if ((form.getAttribute("method") || "get").toLowerCase() !== "post") return;
      form.querySelectorAll("button, input[type=submit]").forEach(function (b) {
        b.disabled = offline;
      });
    });
  }

  // --- IndexedDB ---------------------------------------------------------------------------
  function openDb() {
    return new Promise(function (resolve, reject) {
      if (!window.indexedDB) return reject(new Error("no IndexedDB"));
      var req = indexedDB.open(DB, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(STORE, { keyPath: "key" }); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }
  function tx(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode);
        var result = work(t.objectStore(STORE));
        t.oncomplete = function () { db.close(); resolve(result && result.result); };
        t.onerror = function () { db.close(); reject(t.error); };
      });
    });
  }
  function put(item) { return tx("readwrite", function (s) { return s.put(item); }); }
  function remove(key) { return tx("readwrite", function (s) { return s.delete(key); }); }
  function mine() {
    return tx("readonly", function (s) { return s.getAll(); }).then(function (items) {
      return (items || []).filter(function (i) { return i.user === user; });
    });
  }

  // --- the badge ---------------------------------------------------------------------------
  function render() {
    return mine().then(function (items) {
      badge.hidden = items.length === 0;
      badge.textContent = badge.dataset.pendingLabel + " " + items.length;
      var refused = items.filter(function (i) { return i.refused; })[0];
      var first = refused || items[0];
      if (first) badge.href = first.url.split("#")[0] + "#draft=" + first.key;
    }).catch(function () { badge.hidden = true; });
  }

  // --- sending -----------------------------------------------------------------------------
  function csrfToken() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (m) return decodeURIComponent(m[1]);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function editing() {
    var field = document.querySelector("form [name=idempotency_key]");
    return field ? field.value : "";
  }

  var sending = false;
  function flush() {
    if (sending || !navigator.onLine) return render();
    sending = true;
    return mine().then(function (items) {
      var todo = items.filter(function (i) { return !i.refused && i.key !== editing(); });
      return todo.reduce(function (chain, item) {
        return chain.then(function (go) { return go && send(item); });
      }, Promise.resolve(true));
    }).catch(function () { /* stays in the outbox for the next try */ })
      .then(function () { sending = false; return render(); });
  }

  // Resolves true to go on with the next report, false to stop until the next try.
  function send(item) {
    var body = new URLSearchParams();
    item.fields.forEach(function (pair) { body.append(pair[0], pair[1]); });
    body.set("csrfmiddlewaretoken", csrfToken());
    return fetch(item.url, {
      method: "POST", body: body, credentials: "same-origin", headers: { "X-CSRFToken": csrfToken() }
    }).then(function (response) {
      var path = new URL(response.url).pathname;
      var sentTo = badge.dataset.sentPrefix;
      if (response.ok && path.indexOf(sentTo) === 0 && path !== sentTo) {
        return remove(item.key).then(function () { return true; });
      }
      if (response.ok && path === new URL(item.url, location.href).pathname) {
        item.refused = true; // the form came back with errors: the manager must look at it
        return put(item).then(function () { return true; });
      }
      return false; // logged out, or the server is in trouble: keep it, try later
    }, function () { return false; });
  }

  // --- the report form ---------------------------------------------------------------------
  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); });
    return h.slice(0, 4).join("") + "-" + h.slice(4, 6).join("") + "-" + h.slice(6, 8).join("") +
      "-" + h.slice(8, 10).join("") + "-" + h.slice(10).join("");
  }

  function fill(form, fields) {
    form.querySelectorAll("input[type=checkbox], input[type=radio]").forEach(function (box) {
      box.checked = false;
    });
    fields.forEach(function (pair) {
      form.querySelectorAll("[name='" + pair[0] + "']").forEach(function (el) {
        if (el.type === "checkbox" || el.type === "radio") {
          if (el.value === pair[1]) el.checked = true;
        } else {
          el.value = pair[1];
        }
      });
    });
  }

  function say(text) {
    var list = document.querySelector("main ul.messages");
    if (!list) {
      list = document.createElement("ul");
      list.className = "messages";
      var main = document.querySelector("main") || document.body;
      main.insertBefore(list, notice ? notice.nextSibling : main.firstChild);
    }
    var li = document.createElement("li");
    li.className = "msg info";
    li.dataset.testid = "outbox-saved";
    li.textContent = text;
    list.appendChild(li);
  }

  function setupForm(form) {
    var field = form.querySelector("[name=idempotency_key]");
    // A page from the offline cache must not reuse a key: made here, once per report. A form
    // sent back with errors keeps the key it was sent with (it is the same report).
    if (!field.value) field.value = newKey();
    var pickedCustomer = (form.querySelector("input[type=hidden][name=customer_id]") || {}).value;
    function refill() {
      var draft = (location.hash.match(/^#draft=([0-9a-f-]{36})$/) || [])[1];
      if (!draft) return;
      mine().then(function (items) {
        var item = items.filter(function (i) { return i.key === draft; })[0];
        if (item) fill(form, item.fields);
      });
    }
    refill();
    window.addEventListener("hashchange", refill); // the badge clicked on the form itself
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var fields = [];
      new FormData(form).forEach(function (value, name) {
        if (name !== "csrfmiddlewaretoken" && typeof value === "string") fields.push([name, value]);
      });
      var item = {
        key: field.value, user: user, fields: fields, savedAt: Date.now(),
        url: form.getAttribute("action") || location.pathname + location.search
      };
      var online = navigator.onLine;
      // the fragment would follow the answer's redirect onto the report's page
      if (location.hash) history.replaceState(null, "", location.pathname + location.search);
      put(item).then(function () {
        if (online) return form.submit();
        say(badge.dataset.savedLabel);
        form.reset();
        fill(form, [["idempotency_key", newKey()]]);
        form.querySelectorAll("input[type=hidden][name=customer_id]").forEach(function (h) {
          h.value = pickedCustomer || ""; // the customer the page was opened for, if any
        });
        window.scrollTo(0, 0);
        return render();
      }, function () {
        form.submit(); // no IndexedDB (a private window): send as a plain form
      });
    });
  }

  // --- start ---------------------------------------------------------------------------------
  var sent = document.querySelector("[data-idempotency-key]");
  var ready = sent ? remove(sent.dataset.idempotencyKey).catch(function () {}) : Promise.resolve();
  document.querySelectorAll("form").forEach(function (form) {
    if (form.querySelector("[name=idempotency_key]")) setupForm(form);
  });
  showOffline();
  window.addEventListener("offline", showOffline);
  window.addEventListener("online", function () { showOffline(); flush(); });
  ready.then(flush);
  setInterval(function () { if (!badge.hidden) flush(); }, RETRY_MS);
}());
