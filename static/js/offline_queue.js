// Records made without a signal (visits, need steps), kept in IndexedDB in the order they were
// made and sent one at a time when the signal returns. Shared by the pages and the service
// worker; each record carries its form's submission key, which the server stores once.
(function (root) {
  "use strict";
  var DB = "shuanglian-offline";
  var QUEUE = "queue";
  var FAILED = "failed";
  var SYNC_TAG = "offline-queue";

  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(QUEUE, { keyPath: "seq", autoIncrement: true });
        request.result.createObjectStore(FAILED, { keyPath: "seq", autoIncrement: true });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function run(store, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(store, mode);
        var result;
        Promise.resolve(work(tx.objectStore(store))).then(function (value) { result = value; });
        tx.oncomplete = function () { db.close(); resolve(result); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function request(req) {
    return new Promise(function (resolve, reject) {
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  function all(store) {
    return run(store, "readonly", function (s) { return request(s.getAll()); });
  }

  function add(record, store) {
    return run(store || QUEUE, "readwrite", function (s) { return request(s.add(record)); });
  }

  function remove(store, seq) {
    return run(store, "readwrite", function (s) { return request(s.delete(seq)); });
  }

  // Another account's records never leave this phone under the signed-in one.
  function dropOthers(user) {
    return Promise.all([QUEUE, FAILED].map(function (store) {
      return all(store).then(function (records) {
        return Promise.all(records.filter(function (r) { return r.user !== user; })
          .map(function (r) { return remove(store, r.seq); }));
      });
    }));
  }

  function clear() {
    return new Promise(function (resolve) {
      var req = indexedDB.deleteDatabase(DB);
      req.onsuccess = req.onerror = req.onblocked = function () { resolve(); };
    });
  }

  // A record from a form: every field, photos as Blobs with their file names.
  function fromForm(form, user, label) {
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (name === "csrfmiddlewaretoken") return;
      if (typeof value === "string") fields.push([name, value]);
      else if (value.size) fields.push([name, value, value.name]);
    });
    return {
      url: form.action,
      user: user,
      label: label || "",
      created: new Date().toISOString(),
      fields: fields,
    };
  }

  function messageOf(response) {
    return response.json().then(function (data) {
      if (data.message) return data.message;
      var errors = data.errors || {};
      var texts = [];
      Object.keys(errors).forEach(function (field) {
        [].concat(errors[field]).forEach(function (e) {
          if (e && e.message) texts.push(e.message);
        });
      });
      return texts.join(" ");
    }, function () { return ""; });
  }

  // "sent" (stored, now or before), "refused" (with the server's message: kept to be shown),
  // or "failed" (no answer, or the session ended: it stays queued).
  function send(record, token, queued) {
    var body = new FormData();
    record.fields.forEach(function (f) {
      if (f.length > 2) body.append(f[0], f[1], f[2]);
      else body.append(f[0], f[1]);
    });
    body.set("csrfmiddlewaretoken", token);
    var headers = { Accept: "application/json", "X-CSRFToken": token };
    if (queued) headers["X-Offline-Queue"] = "1";
    var abort = new AbortController();
    var timer = setTimeout(function () { abort.abort(); }, 30000);
    // A redirect is to the sign-in page (the session ended): not followed, as the sign-in page
    // would hand the phone a new CSRF cookie and break a sign-in form open meanwhile; the
    // record stays queued.
    return fetch(record.url, {
      method: "POST", body: body, credentials: "same-origin", headers: headers, signal: abort.signal,
      redirect: "manual",
    }).then(function (response) {
      clearTimeout(timer);
      if (response.type === "opaqueredirect") return { result: "failed" };
      if (response.ok) {
        return response.json().then(function (d) { return { result: "sent", url: d.url }; },
          function () { return { result: "sent", url: response.url }; });
      }
      if (response.status >= 500) return { result: "failed" };
      return messageOf(response).then(function (m) { return { result: "refused", message: m }; });
    }, function () {
      clearTimeout(timer);
      return { result: "failed" };
    });
  }

  function locked(work) {
    var locks = root.navigator && root.navigator.locks;
    return locks ? locks.request(SYNC_TAG, work) : work();
  }

  // Sends the queue in order, one at a time, with a fresh CSRF token from the server; only
  // records of the account signed in now. Stops at the first record without an answer.
  function sendAll(pagesUrl) {
    return locked(function () {
      var done = { sent: 0, refused: 0, left: 0 };
      return fetch(pagesUrl, { credentials: "same-origin", cache: "no-store", redirect: "manual" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .catch(function () { return null; })
        .then(function (info) {
          return all(QUEUE).then(function (records) {
            if (!info) { done.left = records.length; return done; }
            var mine = records.filter(function (r) { return r.user === info.user; });
            var index = 0;
            function next() {
              var record = mine[index++];
              if (!record) return Promise.resolve();
              return send(record, info.csrf, true).then(function (answer) {
                if (answer.result === "failed") return;
                var moved = answer.result === "sent" ? Promise.resolve() : add({
                  user: record.user, label: record.label, created: record.created,
                  message: answer.message, fields: record.fields, url: record.url,
                }, FAILED);
                if (answer.result === "sent") done.sent += 1; else done.refused += 1;
                return moved.then(function () { return remove(QUEUE, record.seq); }).then(next);
              });
            }
            return next().then(function () {
              return all(QUEUE).then(function (left) { done.left = left.length; return done; });
            });
          });
        });
    });
  }

  root.OfflineQueue = {
    SYNC_TAG: SYNC_TAG,
    QUEUE: QUEUE,
    FAILED: FAILED,
    all: all,
    add: add,
    remove: remove,
    dropOthers: dropOthers,
    clear: clear,
    fromForm: fromForm,
    send: send,
    sendAll: sendAll,
  };
})(self);
