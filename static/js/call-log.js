// Call, then log it: after a tap on a customer's number (a tel: link carrying
// data-call-url), the page offers 记录这次通话 with the customer, the number, the channel
// and the moment of the tap filled in. The bar's words come from a <template> in base.html.
(function () {
  const template = document.getElementById("callbar-template");
  if (!template) return;

  function pad(n) {
    return String(n).padStart(2, "0");
  }

  function localMinute(d) {
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  }

  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-call-url]");
    if (!link) return;
    const old = document.querySelector(".callbar");
    if (old) old.remove();
    const bar = template.content.firstElementChild.cloneNode(true);
    const url = new URL(link.dataset.callUrl, window.location.href);
    url.searchParams.set("at", localMinute(new Date()));
    const action = bar.querySelector("[data-callbar-link]");
    action.href = url.pathname + url.search;
    bar.querySelector("[data-callbar-who]").textContent = `${link.dataset.customer} ${link.textContent.trim()}`;
    bar.querySelector("[data-callbar-close]").addEventListener("click", () => bar.remove());
    document.body.appendChild(bar);
  });
})();
