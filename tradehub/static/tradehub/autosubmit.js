// A <select data-autosubmit> submits its form when changed. Kept in a file (not an inline
// onchange="...") so the Content-Security-Policy can forbid inline scripts (docs/operations.md).
"use strict";
document.addEventListener("change", function (event) {
  var target = event.target;
  if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit") && target.form) {
    target.form.submit();
  }
});
