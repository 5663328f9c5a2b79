// The import progress bar ([data-import-progress]): polls the batch's progress and reloads
// the page when the step is over. A file, not an inline script (CSP).
(function () {
  "use strict";
  var box = document.querySelector("[data-import-progress]");
  if (!box) { return; }
  var bar = box.querySelector("progress");
  var text = box.querySelector("[data-progress-text]");
  function poll() {
    fetch(box.getAttribute("data-import-progress"), { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (!data.running) { window.location.reload(); return; }
        if (bar) { bar.value = data.percent; }
        if (text) { text.textContent = data.done + " / " + (data.total || "…"); }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 1000);
})();
