// Photos and the phone's location for the visit form. Photos are made smaller on the phone
// (long edge 1600 px, about 300 KB), which also drops their metadata; the time each was taken
// is read from its EXIF data first and sent beside it. The shrunk files replace the input's
// own, so a plain submit, or anything that reads new FormData(form), sends the small ones.
// While photos are being shrunk the form carries data-photos-busy="1"; when they are ready it
// gets a "visit-photos-ready" event, and a submit made meanwhile is made again then.
(function () {
  "use strict";
  var LONG_EDGE = 1600;
  var TARGET_BYTES = 300 * 1024;
  var QUALITIES = [0.85, 0.78, 0.7, 0.62, 0.55, 0.48, 0.4];
  var CONSENT = "visit-location-consent";
  var script = document.currentScript;
  var text = script ? script.dataset : {};

  function say(box, message) {
    if (!box) return;
    box.textContent = message || "";
    box.hidden = !message;
  }

  // --- the time a photo was taken, from the JPEG's APP1 (EXIF) segment ------------------

  function ascii(view, start, length) {
    var out = "";
    for (var i = 0; i < length && start + i < view.byteLength; i++) {
      var code = view.getUint8(start + i);
      if (!code) break;
      out += String.fromCharCode(code);
    }
    return out;
  }

  function readIfd(view, tiff, offset, little, wanted) {
    var found = {};
    if (tiff + offset + 2 > view.byteLength) return found;
    var count = view.getUint16(tiff + offset, little);
    for (var i = 0; i < count; i++) {
      var entry = tiff + offset + 2 + i * 12;
      if (entry + 12 > view.byteLength) break;
      var tag = view.getUint16(entry, little);
      if (wanted.indexOf(tag) < 0) continue;
      var type = view.getUint16(entry + 2, little);
      var length = view.getUint32(entry + 4, little);
      if (type === 2) {
        var start = length > 4 ? tiff + view.getUint32(entry + 8, little) : entry + 8;
        found[tag] = ascii(view, start, length);
      } else {
        found[tag] = view.getUint32(entry + 8, little);
      }
    }
    return found;
  }

  // "2026:11:30 09:15:00", with "+08:00" when the camera wrote its offset; "" when none.
  function takenTime(buffer) {
    try {
      var view = new DataView(buffer);
      if (view.getUint16(0) !== 0xffd8) return "";
      var at = 2;
      while (at + 4 <= view.byteLength) {
        var marker = view.getUint16(at);
        var size = view.getUint16(at + 2);
        if (marker === 0xffe1 && ascii(view, at + 4, 4) === "Exif") {
          var tiff = at + 10;
          var little = view.getUint16(tiff) === 0x4949;
          var ifd0 = readIfd(view, tiff, view.getUint32(tiff + 4, little), little, [0x8769]);
          if (!ifd0[0x8769]) return "";
          var exif = readIfd(view, tiff, ifd0[0x8769], little, [0x9003, 0x9011]);
          var time = exif[0x9003] || "";
          if (!/^\d{4}:\d\d:\d\d \d\d:\d\d:\d\d$/.test(time)) return "";
          return /^[+-]\d\d:\d\d$/.test(exif[0x9011] || "") ? time + exif[0x9011] : time;
        }
        if ((marker & 0xff00) !== 0xff00 || marker === 0xffda) return "";
        at += 2 + size;
      }
    } catch (e) {
      // A damaged header: the photo is still sent, without its time.
    }
    return "";
  }

  // --- shrinking -------------------------------------------------------------------------

  function encode(canvas, quality) {
    return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", quality); });
  }

  function smallest(canvas, index) {
    return encode(canvas, QUALITIES[index]).then(function (blob) {
      if (!blob) return null;
      if (blob.size <= TARGET_BYTES || index === QUALITIES.length - 1) return blob;
      return smallest(canvas, index + 1);
    });
  }

  function thumbnail(bitmap) {
    var canvas = document.createElement("canvas");
    var scale = 96 / Math.max(bitmap.width, bitmap.height);
    canvas.width = Math.max(1, Math.round(bitmap.width * scale));
    canvas.height = Math.max(1, Math.round(bitmap.height * scale));
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    return canvas;
  }

  // Resolves with { file, takenAt, thumb }; the original file when this browser cannot
  // shrink it (the server shrinks it then).
  function shrink(file, number) {
    var name = "photo-" + number + ".jpg";
    return file.slice(0, 256 * 1024).arrayBuffer().then(function (head) {
      var takenAt = takenTime(head);
      if (!window.createImageBitmap) return { file: file, takenAt: takenAt, thumb: null };
      // Upright as the camera meant it; the canvas then keeps no EXIF, GPS or camera data.
      return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
        var scale = Math.min(1, LONG_EDGE / Math.max(bitmap.width, bitmap.height));
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(bitmap.width * scale);
        canvas.height = Math.round(bitmap.height * scale);
        var context = canvas.getContext("2d");
        context.fillStyle = "#fff";
        context.fillRect(0, 0, canvas.width, canvas.height);
        context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
        var thumb = thumbnail(bitmap);
        if (bitmap.close) bitmap.close();
        return smallest(canvas, 0).then(function (blob) {
          if (!blob) return { file: file, takenAt: takenAt, thumb: thumb };
          var small = new File([blob], name, { type: "image/jpeg", lastModified: Date.now() });
          return { file: small, takenAt: takenAt, thumb: thumb };
        });
      });
    });
  }

  function setUpPhotos(form, input) {
    var max = +input.dataset.max || 4;
    var list = document.getElementById("photo-list");
    var status = document.getElementById("photo-status");
    var items = [];
    var resubmit = false;
    var counter = 0;

    function syncInput() {
      var transfer = new DataTransfer();
      items.forEach(function (item) { transfer.items.add(item.file); });
      input.files = transfer.files;
      form.querySelectorAll("input[name=photo_taken_at]").forEach(function (el) { el.remove(); });
      items.forEach(function (item) {
        var hidden = document.createElement("input");
        hidden.type = "hidden";
        hidden.name = "photo_taken_at";
        hidden.value = item.takenAt || "";
        form.appendChild(hidden);
      });
    }

    function render() {
      list.replaceChildren.apply(list, items.map(function (item, index) {
        var li = document.createElement("li");
        var label = (text.photo || "").replace("{n}", String(index + 1));
        if (item.thumb) {
          item.thumb.setAttribute("role", "img");
          item.thumb.setAttribute("aria-label", label);
          li.appendChild(item.thumb);
        } else {
          var span = document.createElement("span");
          span.textContent = label;
          li.appendChild(span);
        }
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "secondary";
        remove.textContent = text.remove || "×";
        remove.setAttribute("aria-label", (text.remove || "") + " " + label);
        remove.addEventListener("click", function () {
          items.splice(items.indexOf(item), 1);
          syncInput();
          render();
        });
        li.appendChild(remove);
        return li;
      }));
    }

    function ready(message) {
      delete form.dataset.photosBusy;
      syncInput();
      render();
      say(status, message || "");
      form.dispatchEvent(new CustomEvent("visit-photos-ready"));
      if (resubmit) {
        resubmit = false;
        form.requestSubmit();
      }
    }

    // Stale times from a page sent back with mistakes: its files were not kept.
    form.querySelectorAll("input[name=photo_taken_at]").forEach(function (el) { el.remove(); });

    input.addEventListener("change", function () {
      var chosen = Array.prototype.slice.call(input.files || []);
      if (!chosen.length) {
        syncInput();
        return;
      }
      var room = max - items.length;
      var note = chosen.length > room ? (text.tooMany || "").replace("{n}", String(max)) : "";
      chosen = chosen.slice(0, Math.max(0, room));
      form.dataset.photosBusy = "1";
      say(status, text.busy);
      var work = chosen.map(function (file) {
        counter += 1;
        return shrink(file, counter).catch(function () {
          note = text.unreadable;
          return null;
        });
      });
      Promise.all(work).then(function (done) {
        done.forEach(function (item) { if (item) items.push(item); });
        ready(note);
      });
    });

    // Before the other submit listeners (this script is included first): hold a submit made
    // while photos are being shrunk, and make it again when they are ready.
    form.addEventListener("submit", function (event) {
      if (!form.dataset.photosBusy) return;
      event.preventDefault();
      event.stopImmediatePropagation();
      resubmit = true;
    });
    form.addEventListener("reset", function () {
      items = [];
      setTimeout(function () { syncInput(); render(); say(status, ""); }, 0);
    });
  }

  // --- location, only with the cadre's consent ------------------------------------------

  function setUpLocation(form, box) {
    var status = document.getElementById("location-status");
    var fields = ["latitude", "longitude", "accuracy"].map(function (name) {
      return form.elements[name];
    });

    function clear() { fields.forEach(function (field) { field.value = ""; }); }

    function locate() {
      clear();
      if (!navigator.geolocation) return say(status, text.unavailable);
      say(status, text.locating);
      navigator.geolocation.getCurrentPosition(
        function (position) {
          if (!box.checked) return;
          var c = position.coords;
          fields[0].value = c.latitude.toFixed(6);
          fields[1].value = c.longitude.toFixed(6);
          fields[2].value = String(Math.round(c.accuracy));
          say(status, (text.accuracy || "").replace("{n}", String(Math.round(c.accuracy))));
        },
        function (error) {
          clear();
          say(status, error.code === 1 ? text.refused : error.code === 3 ? text.timeout : text.unavailable);
        },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    }

    function remember(agreed) {
      try {
        if (agreed) localStorage.setItem(CONSENT, "1");
        else localStorage.removeItem(CONSENT);
      } catch (e) {
        // Storage disabled: the box is simply not remembered.
      }
    }

    box.addEventListener("change", function () {
      remember(box.checked);
      if (box.checked) locate();
      else {
        clear();
        say(status, "");
      }
    });
    var agreed = false;
    try { agreed = localStorage.getItem(CONSENT) === "1"; } catch (e) { agreed = false; }
    if (agreed) {
      box.checked = true;
      locate();
    } else if (box.checked) {
      locate();
    } else {
      clear();
    }
  }

  var form = document.getElementById("visit-form");
  if (!form) return;
  var input = form.querySelector("input[type=file][name=photos]");
  if (input && window.DataTransfer) setUpPhotos(form, input);
  var consent = form.elements.location_consent;
  if (consent) setUpLocation(form, consent);
})();
