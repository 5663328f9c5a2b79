// The new-customer form's side panel ([data-door-check], issue 17): while the archivist types
// a name, phone or ID number, the customers already in the archive that may be the same
// person (or a relative) appear with the matcher's reasons. A file, not an inline script (CSP).
(function () {
  "use strict";
  var box = document.querySelector("[data-door-check]");
  if (!box) { return; }
  var form = document.querySelector("form.form");
  var list = box.querySelector("[data-door-list]");
  var empty = box.querySelector("[data-door-empty]");
  var url = box.getAttribute("data-door-check");
  var FIELDS = ["name", "phones", "id_number", "province", "city", "county", "address",
    "birth_date", "birth_year"];
  var WATCHED = ["name", "phones", "id_number", "county", "address"];
  var timer = null;
  var pending = null;
  var last = "";

  function query() {
    var params = new URLSearchParams();
    FIELDS.forEach(function (name) {
      var field = form.elements.namedItem(name);
      if (field && field.value) { params.set(name, field.value); }
    });
    return params.toString();
  }

  function render(candidates) {
    while (list.firstChild) { list.removeChild(list.firstChild); }
    if (empty) { empty.hidden = candidates.length > 0; }
    candidates.forEach(function (c) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = c.url;
      link.textContent = c.name + " (#" + c.id + ")";
      item.appendChild(link);
      var badge = document.createElement("span");
      badge.className = "badge";
      badge.textContent = " " + (c.kind === "duplicate" ? box.dataset.labelDuplicate
        : box.dataset.labelRelatives) + " · " + c.score.toFixed(2);
      item.appendChild(badge);
      var reasons = document.createElement("ul");
      c.reasons.forEach(function (text) {
        var li = document.createElement("li");
        li.textContent = text;
        reasons.appendChild(li);
      });
      item.appendChild(reasons);
      list.appendChild(item);
    });
  }

  function check() {
    var q = query();
    if (q === last) { return; }
    last = q;
    if (pending) { pending.abort(); }
    pending = new AbortController();
    fetch(url + "?" + q, { credentials: "same-origin", signal: pending.signal })
      .then(function (response) { return response.ok ? response.json() : { candidates: [] }; })
      .then(function (data) { render(data.candidates || []); })
      .catch(function () { /* aborted by the next keystroke, or offline: keep the list */ });
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(check, 300);
  }

  WATCHED.forEach(function (name) {
    var field = form && form.elements.namedItem(name);
    if (field) { field.addEventListener("input", later); }
  });
})();
