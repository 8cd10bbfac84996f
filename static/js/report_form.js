// The dashboard's report form: the period list of the report kind chosen is the one shown
// and sent; the others are hidden and disabled. Without scripts the monthly list is sent.
(function () {
  "use strict";
  const form = document.getElementById("report-form");
  if (!form) {
    return;
  }
  function show(kind) {
    form.querySelectorAll(".report-period").forEach(function (label) {
      const chosen = label.dataset.kind === kind;
      label.hidden = !chosen;
      label.querySelector("select").disabled = !chosen;
    });
  }
  form.querySelectorAll('input[name="kind"]').forEach(function (radio) {
    radio.addEventListener("change", function () {
      if (radio.checked) {
        show(radio.value);
      }
    });
    if (radio.checked) {
      show(radio.value);
    }
  });
})();
