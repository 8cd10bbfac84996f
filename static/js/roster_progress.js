// Polls a running roster import and reloads the page when it has moved on.
(function () {
  "use strict";
  const box = document.getElementById("roster-progress");
  if (!box) return;
  const bar = box.querySelector("progress");
  const rows = document.getElementById("roster-rows");
  const status = document.getElementById("roster-status");
  const start = document.querySelector(".roster-batch").dataset.status;
  async function poll() {
    try {
      const response = await fetch(box.dataset.url, { headers: { Accept: "application/json" } });
      if (response.ok) {
        const data = await response.json();
        // Without a known total the bar stays indeterminate.
        if (data.rows_total) {
          bar.max = data.rows_total;
          bar.value = Math.min(data.rows_done, data.rows_total);
        }
        rows.textContent = data.rows_done;
        status.textContent = data.status_label;
        if (data.finished || data.status !== start) {
          window.location.reload();
          return;
        }
      }
    } catch (error) {
      // A dropped connection is retried on the next tick.
    }
    window.setTimeout(poll, 1000);
  }
  window.setTimeout(poll, 1000);
})();
