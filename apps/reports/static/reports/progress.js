// The report list follows the compilations its reader asked for: every 2 seconds each item asks
// its progress (JSON) and moves its bar; a finished report becomes a link to open it. Without
// script the page refreshes itself instead (a <noscript> meta refresh).
(function () {
  "use strict";
  var persian = document.documentElement.lang === "fa";
  function digits(n) {
    var s = String(n);
    return persian ? s.replace(/[0-9]/g, function (d) { return "۰۱۲۳۴۵۶۷۸۹"[d]; }) : s;
  }
  function follow(item) {
    var url = item.getAttribute("data-progress-url");
    var bar = item.querySelector("progress");
    var status = item.querySelector("[data-status]");
    var figure = item.querySelector("[data-figure]");
    var link = item.querySelector("a");
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (data) {
          bar.value = data.progress;
          bar.textContent = figure.textContent = digits(data.progress) + (persian ? "٪" : "%");
          status.textContent = data.label;
          status.className = "rp-status rp-status-" + data.status;
          link.href = data.url;
          if (data.finished) {
            item.classList.add("rp-compiling-" + data.status);
            if (data.status === "done") { link.focus(); }
          } else {
            window.setTimeout(tick, 2000);
          }
        })
        .catch(function () { window.setTimeout(tick, 6000); });
    }
    window.setTimeout(tick, 1000);
  }
  document.querySelectorAll("[data-progress-url]").forEach(follow);
})();
