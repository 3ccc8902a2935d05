// The e-desk form works without this script; with it, the applicant is warned five minutes before the
// mobile confirmation runs out (the page itself says when), and again when it has.
(function () {
  "use strict";
  var box = document.getElementById("edesk-deadline");
  if (!box) { return; }
  var until = parseInt(box.getAttribute("data-until"), 10) * 1000;
  var fa = document.documentElement.lang === "fa";
  function tick() {
    var left = until - Date.now();
    if (left <= 0) {
      box.className = "errorbox";
      box.textContent = fa
        ? "مهلت تأیید تلفن همراه به پایان رسید. فرم را بفرستید: آنچه نوشته‌اید نگه داشته می‌شود و پس از تأیید دوباره تلفن همراه ارسال می‌شود."
        : "Your mobile confirmation has run out. Send the form: what you typed is kept and sent after you confirm the mobile again.";
      return;
    }
    if (left <= 5 * 60 * 1000) {
      box.className = "errorbox";
      var minutes = Math.ceil(left / 60000);
      var n = fa ? String(minutes).replace(/[0-9]/g, function (d) { return "۰۱۲۳۴۵۶۷۸۹"[d]; }) : String(minutes);
      box.textContent = fa
        ? "تنها " + n + " دقیقه تا پایان مهلت تأیید تلفن همراه مانده است: فرم را اکنون بفرستید."
        : "Only " + n + " minutes left of your mobile confirmation: send the form now.";
    }
    window.setTimeout(tick, 15000);
  }
  tick();
}());
