// The print button of the printable pages (no inline handlers: the CSP forbids them).
(function () {
  "use strict";
  document.querySelectorAll(".print-button").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
