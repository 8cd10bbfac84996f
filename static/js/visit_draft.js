// Visit forms survive a weak signal: the form is kept on the phone while the cadre types, and
// a form sent without a connection goes into the phone's queue (offline_queue.js, sent by
// offline.js when the connection is back). Each form carries its own client_key, which the
// server stores once.
(function () {
  "use strict";
  var script = document.currentScript;
  var text = script ? script.dataset : {};

  function read(key, fallback) {
    try {
      var value = JSON.parse(localStorage.getItem(key));
      return value === null ? fallback : value;
    } catch (e) {
      return fallback;
    }
  }

  function write(key, value) {
    try {
      localStorage.setItem(key, JSON.stringify(value));
    } catch (e) {
      // Storage full or disabled: the plain form still works.
    }
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64;
    b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join("-");
  }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function counted(message, count) {
    return (message || "").replace("{n}", String(count));
  }

  // The notice box at the top of the page, kept by offline.js (loaded before this script on
  // every cadre page): ``look`` brings it into view and focus, for a notice the cadre must see
  // at once (the form below has just been emptied).
  function status(message, look) {
    window.offlineNotice(message, look);
  }

  // Photos, their times and the phone's location belong to this visit only: never in a draft
  // (visit_photos.js keeps the location box's setting itself; the queue carries the photos).
  var NOT_DRAFTED = ["csrfmiddlewaretoken", "photos", "photo_taken_at", "location_consent",
    "latitude", "longitude", "accuracy"];

  function fields(form) {
    var pairs = [];
    new FormData(form).forEach(function (value, name) {
      if (NOT_DRAFTED.indexOf(name) < 0 && typeof value === "string") pairs.push([name, value]);
    });
    return pairs;
  }

  function setUpForm(form) {
    var draftKey = form.dataset.draftKey;
    var total = form.querySelector("[name$=TOTAL_FORMS]");
    var maxRows = +form.querySelector("[name$=MAX_NUM_FORMS]").value;
    var template = document.getElementById("need-row-template");
    var addNeed = document.getElementById("add-need");
    var keyInput = form.elements.client_key;

    function rows() { return form.querySelectorAll("#need-rows .need-row"); }
    var renderedRows = rows().length;

    function addRow() {
      var index = +total.value;
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      addNeed.insertAdjacentHTML("beforebegin", html);
      total.value = index + 1;
      return rows()[index];
    }

    function rowIsEmpty(row) {
      return Array.prototype.every.call(row.querySelectorAll("select, textarea"), function (el) {
        return !el.value;
      });
    }

    function showRows() {
      rows().forEach(function (row, index) { row.hidden = index > 0 && rowIsEmpty(row); });
    }

    addNeed.hidden = false;
    addNeed.addEventListener("click", function () {
      var hidden = form.querySelector("#need-rows .need-row[hidden]");
      if (hidden) hidden.hidden = false;
      else if (+total.value < maxRows) addRow();
      else return;
      var shown = form.querySelectorAll("#need-rows .need-row:not([hidden])");
      shown[shown.length - 1].querySelector("select").focus();
    });

    function restore(pairs) {
      var values = {};
      pairs.forEach(function (pair) { (values[pair[0]] = values[pair[0]] || []).push(pair[1]); });
      var wanted = +((values[total.name] || [0])[0]);
      while (+total.value < Math.min(wanted, maxRows)) addRow();
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || NOT_DRAFTED.indexOf(el.name) >= 0) return;
        var given = values[el.name] || [];
        if (el.type === "radio" || el.type === "checkbox") el.checked = given.indexOf(el.value) >= 0;
        else if (given.length) el.value = given[0];
      });
    }

    function met() {
      var checked = form.querySelector("[name=outcome]:checked");
      return !checked || checked.value === form.dataset.met;
    }

    function showOutcome() {
      document.getElementById("outcome-note").hidden = met();
      form.elements.summary.required = met();
    }

    function save() { write(draftKey, fields(form)); }

    function reset() {
      Array.prototype.slice.call(rows(), renderedRows).forEach(function (row) { row.remove(); });
      form.reset();
      keyInput.value = newKey();
      showRows();
      showOutcome();
    }

    // A page sent back with mistakes shows what the server received; otherwise the draft.
    var draft = read(draftKey, null);
    if (draft && !form.querySelector(".error")) restore(draft);
    else if (!form.querySelector(".error")) keyInput.value = newKey();
    showRows();
    showOutcome();

    form.addEventListener("input", save);
    form.addEventListener("change", function (event) {
      if (event.target.name === "outcome") showOutcome();
      save();
    });
    // A page brought back from the browser's cache must not reuse a key already sent.
    window.addEventListener("pageshow", function (event) {
      if (event.persisted && !read(draftKey, null)) reset();
    });

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      // Photos are being shrunk: the form is read once they are ready.
      if (form.dataset.photosBusy) {
        form.addEventListener("visit-photos-ready", function () { form.requestSubmit(); }, { once: true });
        return;
      }
      var saved = (text.saved || "")
        .replace("{name}", form.dataset.household || "")
        .replace("{date}", form.elements.visited_on ? form.elements.visited_on.value : "");
      var record = OfflineQueue.fromForm(form, "", saved);
      var queue = function () {
        window.offlineForm(form, saved).then(function (count) {
          localStorage.removeItem(draftKey);
          reset();
          // The emptied form must not look as if the visit were lost: say what was kept.
          status([text.queued, saved, counted(text.waiting, count)], true);
        });
      };
      if (!navigator.onLine) return queue();
      form.querySelector("[type=submit]").disabled = true;
      OfflineQueue.send(record, csrfToken(), false).then(function (answer) {
        form.querySelector("[type=submit]").disabled = false;
        if (answer.result === "sent") {
          localStorage.removeItem(draftKey);
          window.location.assign(answer.url);
        } else if (answer.result === "failed") {
          queue();
        } else {
          // Let the server show its reasons on a page of its own.
          form.submit();
        }
      });
    });
  }

  var form = document.getElementById("visit-form");
  if (form) setUpForm(form);
})();
