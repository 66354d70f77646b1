// SympoQ pages work without this file; it adds small conveniences.
(function () {
  "use strict";

  // Move focus to the error summary of a form that failed, so keyboard
  // and screen reader users land on it.
  var summary = document.querySelector("[data-focus]");
  if (summary) { summary.focus(); }

  // Copy buttons: data-copy names the id of the element whose text or
  // value is copied.
  document.querySelectorAll("[data-copy]").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", function () {
      var el = document.getElementById(b.getAttribute("data-copy"));
      if (!el) { return; }
      var text = el.value !== undefined ? el.value : el.textContent;
      navigator.clipboard.writeText(text).then(function () {
        var old = b.textContent;
        b.textContent = "Copied";
        setTimeout(function () { b.textContent = old; }, 1500);
      });
    });
  });

  // Select all: a checkbox with data-select-all="name" toggles every
  // checkbox of that name in its form.
  document.querySelectorAll("[data-select-all]").forEach(function (all) {
    all.hidden = false;
    var name = all.getAttribute("data-select-all");
    all.addEventListener("change", function () {
      document.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (c) { c.checked = all.checked; });
    });
  });

  // Canned replies: with JavaScript the chosen reply is inserted into the
  // message at once (data-insert-into names the textarea); without it the
  // server fills it in on submit.
  document.querySelectorAll("select[data-insert-into]").forEach(function (sel) {
    sel.addEventListener("change", function () {
      var opt = sel.options[sel.selectedIndex];
      var body = opt && opt.getAttribute("data-body");
      var ta = document.getElementById(sel.getAttribute("data-insert-into"));
      if (!body || !ta) { return; }
      var start = ta.selectionStart || ta.value.length;
      ta.value = ta.value.slice(0, start) + body + ta.value.slice(ta.selectionEnd || start);
      ta.focus();
      sel.selectedIndex = 0;
    });
  });

  // Article links: with JavaScript the chosen article's address is added
  // to the end of the message at once (data-append-into names the
  // textarea); without it the server adds it on submit.
  document.querySelectorAll("select[data-append-into]").forEach(function (sel) {
    sel.addEventListener("change", function () {
      var opt = sel.options[sel.selectedIndex];
      var url = opt && opt.getAttribute("data-url");
      var ta = document.getElementById(sel.getAttribute("data-append-into"));
      if (!url || !ta) { return; }
      var text = ta.value.replace(/\s+$/, "");
      ta.value = (text ? text + "\n\n" : "") + url;
      ta.focus();
      sel.selectedIndex = 0;
    });
  });

  // Bulk actions: show only the choice the chosen action needs (without
  // the script all are shown, and the server ignores the others).
  var action = document.getElementById("bulk-action");
  if (action) {
    var sync = function () {
      document.querySelectorAll("[data-bulk-for]").forEach(function (el) {
        el.hidden = el.getAttribute("data-bulk-for") !== action.value;
      });
    };
    action.addEventListener("change", sync);
    sync();
  }

  // Confirm dangerous buttons (data-confirm holds the question).
  document.querySelectorAll("[data-confirm]").forEach(function (b) {
    b.addEventListener("click", function (e) {
      if (!window.confirm(b.getAttribute("data-confirm"))) { e.preventDefault(); }
    });
  });

  // Live example of a ticket ID format: data-preview is the address that
  // renders a format with the server's own code, data-for the input.
  document.querySelectorAll("output[data-preview]").forEach(function (out) {
    var input = document.getElementById(out.getAttribute("data-for"));
    if (!input) { return; }
    var timer = null, seq = 0;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var n = ++seq;
        fetch(out.getAttribute("data-preview") + "?format=" + encodeURIComponent(input.value), { credentials: "same-origin" })
          .then(function (r) { return r.text().then(function (t) { return { ok: r.ok, text: t }; }); })
          .then(function (res) {
            if (n !== seq) { return; }
            out.textContent = "";
            var el = document.createElement(res.ok ? "code" : "span");
            if (!res.ok) { el.className = "field-error"; }
            el.textContent = res.text;
            out.appendChild(el);
          });
      }, 150);
    });
  });
})();
