// Tell Accord that a person opened the survey form. Mail scanners fetch the
// link but do not run scripts, so only this POST counts the form as opened;
// the GET itself never records anything.
(function () {
  "use strict";
  var form = document.querySelector("form[data-opened-url]");
  if (!form || !navigator.sendBeacon) {
    return;
  }
  navigator.sendBeacon(form.getAttribute("data-opened-url"));
})();
