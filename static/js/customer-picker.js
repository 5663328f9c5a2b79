// Customer picker for the report form: searches the manager's own customers through the
// API (session auth; the server scopes results) and fills the hidden customer_id.
// Without JavaScript the form still works: the server resolves the typed text itself.
(function () {
  "use strict";
  var box = document.querySelector(".picker");
  if (!box) return;
  var input = box.querySelector("#id_customer_query");
  var hidden = box.querySelector("#id_customer_id");
  var list = box.querySelector("#customer-suggestions");
  var api = box.getAttribute("data-api");
  var timer = null;
  var last = "";

  function clear() {
    list.innerHTML = "";
    list.hidden = true;
  }

  function choose(item) {
    hidden.value = item.id;
    input.value = item.name;
    last = item.name;
    clear();
  }

  function render(results) {
    list.innerHTML = "";
    results.forEach(function (item) {
      var li = document.createElement("li");
      li.setAttribute("role", "option");
      li.tabIndex = 0;
      var phones = (item.phones || []).filter(function (p) { return p.is_active; })
        .map(function (p) { return p.raw; }).join(" ");
      li.textContent = item.name + (item.county ? " · " + item.county : "") + (phones ? " · " + phones : "");
      li.addEventListener("click", function () { choose(item); });
      li.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); choose(item); } });
      list.appendChild(li);
    });
    list.hidden = results.length === 0;
  }

  input.addEventListener("input", function () {
    var q = input.value.trim();
    if (q !== last) hidden.value = "";
    clearTimeout(timer);
    if (q.length < 2) { clear(); return; }
    timer = setTimeout(function () {
      fetch(api + "?page_size=10&search=" + encodeURIComponent(q), {
        credentials: "same-origin",
        headers: { "Accept": "application/json" }
      }).then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (data) { if (input.value.trim() === q) render(data.results || []); })
        .catch(clear);
    }, 200);
  });
})();
