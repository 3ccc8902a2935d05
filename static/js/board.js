// Queue screens: only improves the pages, which work without it. The ticket page gets a Print
// button (the kiosk's browser prints to its 80 mm thermal printer through the @media print rules).
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
