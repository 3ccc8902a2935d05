/* django-jalali's date picker on the admin's Jalali date boxes (class vjDateField), set up for a
   Persian page: laid out right to left, dates written 1405/09/01 as in the portal's own date boxes,
   and the box's Persian digits read when the picker opens, so it opens on the date already there.
   Loaded in place of the package's admin/main.js (JALALI_SETTINGS in config/settings.py), which
   writes 1405-09-01 and lays the calendar out left to right. */
(function () {
  "use strict";
  var $ = window.jQuery && window.jQuery.datepicker ? window.jQuery : window.django.jQuery;
  var PERSIAN = "۰۱۲۳۴۵۶۷۸۹";
  var ARABIC = "٠١٢٣٤٥٦٧٨٩";

  function asciiDigits(text) {
    return text.replace(/[۰-۹٠-٩]/g, function (d) {
      var i = PERSIAN.indexOf(d);
      return String(i === -1 ? ARABIC.indexOf(d) : i);
    });
  }

  function persianDigits(text) {
    return text.replace(/[0-9]/g, function (d) { return PERSIAN.charAt(+d); });
  }

  function activate() {
    $(".vjDateField").each(function () {
      if ((this.id || "").indexOf("__prefix__") !== -1 || $(this).hasClass("hasDatepicker")) {
        return;  // the empty template row of an inline, or a box already set up
      }
      $(this).datepicker({
        dateFormat: "yy/mm/dd",
        changeMonth: true,
        changeYear: true,
        showOn: "both",
        buttonImageOnly: true,
        isRTL: true,
        buttonText: window.gettext ? window.gettext("Choose a Date") : "",
        beforeShow: function (input) { input.value = asciiDigits(input.value); },
        onClose: function () { this.value = persianDigits(this.value); }
      });
    });
  }

  $(function () {
    activate();
    $(document).on("formset:added", activate);
  });
})();
