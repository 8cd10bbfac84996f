// The cadre pages without a signal: registers the service worker that keeps them, says when a
// kept page was brought up to date, keeps need steps made offline in the queue, sends the
// queue when the signal returns, and lists what is waiting or was refused.
(function () {
  "use strict";
  var script = document.currentScript;
  var text = script.dataset;
  var user = text.user;
  var USER_KEY = "offline-user";

  function counted(message, count) { return (message || "").replace("{n}", String(count)); }

  function notice(lines, look) {
    var box = document.getElementById("draft-status");
    if (!box) {
      box = document.createElement("div");
      box.id = "draft-status";
      box.className = "note";
      box.setAttribute("role", "status");
      box.setAttribute("aria-live", "polite");
      box.tabIndex = -1;
      document.querySelector("main").prepend(box);
    }
    lines = [].concat(lines || []).filter(Boolean);
    box.replaceChildren.apply(box, lines.map(function (line, index) {
      var p = document.createElement(index ? "p" : "strong");
      p.className = "block";
      p.textContent = line;
      return p;
    }));
    box.hidden = !lines.length;
    if (look && lines.length) {
      box.scrollIntoView({ block: "start" });
      box.focus({ preventScroll: true });
    }
  }

  function when(at) {
    var d = new Date(at);
    var two = function (n) { return (n < 10 ? "0" : "") + n; };
    return d.getFullYear() + "-" + two(d.getMonth() + 1) + "-" + two(d.getDate()) + " " +
      two(d.getHours()) + ":" + two(d.getMinutes());
  }

  function showBanner() {
    var at = document.body.dataset.offlineCachedAt;
    var banner = document.getElementById("offline-banner");
    if (!at && navigator.onLine) {
      if (banner) banner.hidden = true;
      return;
    }
    if (!banner) {
      banner = document.createElement("p");
      banner.id = "offline-banner";
      banner.className = "offline-banner";
      banner.setAttribute("role", "status");
      document.body.prepend(banner);
    }
    banner.textContent = at ? text.cachedAt.replace("{time}", when(at)) : text.offline;
    banner.hidden = false;
  }

  function item(record, failed) {
    var li = document.createElement("li");
    var what = document.createElement("strong");
    what.textContent = record.label || record.url;
    var made = document.createElement("span");
    made.className = "muted";
    made.textContent = " " + when(record.created);
    li.append(what, made);
    if (failed) {
      var why = document.createElement("p");
      why.className = "error";
      why.textContent = record.message || text.refused;
      var dismiss = document.createElement("button");
      dismiss.type = "button";
      dismiss.className = "secondary";
      dismiss.textContent = text.dismiss;
      dismiss.addEventListener("click", function () {
        OfflineQueue.remove(OfflineQueue.FAILED, record.seq).then(showLists);
      });
      li.append(why, dismiss);
    }
    return li;
  }

  function showLists() {
    return Promise.all([OfflineQueue.all(OfflineQueue.QUEUE), OfflineQueue.all(OfflineQueue.FAILED)])
      .then(function (lists) {
        [["offline-queued", text.queuedTitle, lists[0], false],
          ["offline-failed", text.failedTitle, lists[1], true]].forEach(function (part) {
          var section = document.getElementById(part[0]);
          var records = part[2].filter(function (r) { return r.user === user; });
          // An empty list is left out of the page, not hidden in it, so the page's own first
          // section stays first.
          if (!records.length) {
            if (section) section.remove();
            return;
          }
          if (!section) {
            section = document.createElement("section");
            section.id = part[0];
            section.className = "card offline-list";
            var anchor = document.getElementById("draft-status");
            if (anchor) anchor.after(section); else document.querySelector("main").prepend(section);
          }
          var heading = document.createElement("h2");
          heading.textContent = part[1];
          var list = document.createElement("ul");
          list.className = "list";
          records.forEach(function (r) { list.append(item(r, part[3])); });
          section.replaceChildren(heading, list);
        });
        document.documentElement.dataset.offlineQueued = String(lists[0].length);
        return lists[0].length;
      }, function () { return 0; });
  }

  function report(result) {
    var parts = [];
    if (result.sent) parts.push(counted(text.sent, result.sent));
    if (result.refused) parts.push(counted(text.refusedCount, result.refused));
    if (result.left) parts.push(counted(text.waiting, result.left));
    if (parts.length) notice(parts.join(" "));
  }

  var sending = false;
  function sendQueue() {
    if (sending) return;
    return OfflineQueue.all(OfflineQueue.QUEUE).then(function (records) {
      if (!records.length) return showLists();
      if (!navigator.onLine) {
        notice(counted(text.waiting, records.length));
        return showLists();
      }
      sending = true;
      return OfflineQueue.sendAll(text.pagesUrl).then(function (result) {
        sending = false;
        report(result);
        if (result.sent) refresh(true);
        return showLists();
      }, function () { sending = false; });
    });
  }

  function refresh(force) {
    if (!("serviceWorker" in navigator) || !navigator.onLine) return;
    navigator.serviceWorker.ready.then(function (registration) {
      registration.active.postMessage({ type: "refresh", user: user, force: !!force });
    });
  }

  function register() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.addEventListener("message", function (event) {
      var data = event.data || {};
      if (data.type === "cached") document.documentElement.dataset.offlineCached = String(data.kept);
      if (data.type === "sent") { report(data.result); showLists(); }
    });
    navigator.serviceWorker.register(text.worker, { scope: text.scope }).then(function () {
      refresh(switched);
    }, function () { return null; });
  }

  // Queue a need step; online ones are sent at once, and kept if the signal fails on the way.
  function setUpStepForm(form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var key = form.elements.client_key;
      if (!key) {
        key = document.createElement("input");
        key.type = "hidden";
        key.name = "client_key";
        form.append(key);
      }
      key.value = crypto.randomUUID();
      var record = OfflineQueue.fromForm(form, user, form.dataset.offlineLabel);
      var keep = function () {
        OfflineQueue.add(record).then(function () {
          if ("serviceWorker" in navigator) {
            navigator.serviceWorker.ready.then(function (r) {
              if (r.sync) r.sync.register(OfflineQueue.SYNC_TAG).catch(function () { return null; });
            });
          }
          form.reset();
          var details = form.closest("details");
          if (details) details.open = false;
          return showLists();
        }).then(function (count) {
          notice([text.kept, counted(text.waiting, count)], true);
        });
      };
      if (!navigator.onLine) return keep();
      var token = (document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/) || [])[1] || "";
      OfflineQueue.send(record, decodeURIComponent(token), false).then(function (answer) {
        if (answer.result === "sent") window.location.assign(answer.url);
        else if (answer.result === "failed") keep();
        else form.submit();
      });
    });
  }

  function confirmSignOut(form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.confirmed) return;
      event.preventDefault();
      OfflineQueue.all(OfflineQueue.QUEUE).then(function (records) {
        var mine = records.filter(function (r) { return r.user === user; }).length;
        if (mine && !window.confirm(counted(text.signOut, mine))) return;
        form.dataset.confirmed = "1";
        form.submit();
      }, function () { form.submit(); });
    });
  }

  // Another account used this phone before: its kept pages and records go first.
  var switched = false;
  var before = null;
  try { before = localStorage.getItem(USER_KEY); } catch (e) { before = null; }
  var ready = Promise.resolve();
  if (before !== user) {
    switched = true;
    ready = Promise.all([
      window.caches ? caches.keys().then(function (names) {
        return Promise.all(names.filter(function (n) { return n.indexOf("pages-") === 0 && n !== "pages-" + user; })
          .map(function (n) { return caches.delete(n); }));
      }) : null,
      OfflineQueue.dropOthers(user),
    ]).then(function () {
      try {
        Object.keys(localStorage).forEach(function (k) {
          if (k.indexOf("visit-draft:") === 0) localStorage.removeItem(k);
        });
        localStorage.setItem(USER_KEY, user);
      } catch (e) { return null; }
    }, function () { return null; });
  }

  // For visit_draft.js: the same notice box, so the page has one.
  window.offlineNotice = notice;

  window.offlineForm = function (form, label) {
    // For visit_draft.js: keep a visit the same way, and say how many records wait.
    var record = OfflineQueue.fromForm(form, user, label);
    return OfflineQueue.add(record).then(function () {
      if ("serviceWorker" in navigator) {
        navigator.serviceWorker.ready.then(function (r) {
          if (r.sync) r.sync.register(OfflineQueue.SYNC_TAG).catch(function () { return null; });
        });
      }
      return showLists();
    });
  };

  ready.then(function () {
    showBanner();
    register();
    document.querySelectorAll("form[data-offline-step]").forEach(setUpStepForm);
    var signOut = document.querySelector("form[action='" + text.logout + "']");
    if (signOut) confirmSignOut(signOut);
    sendQueue();
  });
  window.addEventListener("online", function () { showBanner(); sendQueue(); });
  window.addEventListener("offline", showBanner);
})();
