// Progressive enhancement only: every page works without this script.
(function () {
  "use strict";

  // Confirmation before destructive or irreversible steps.
  document.addEventListener("submit", function (e) {
    var msg = e.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) {
      e.preventDefault();
    }
  }, true);

  // Filters that apply on change.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
    el.addEventListener("change", function () { el.form.submit(); });
  });

  // Live code checks through the public validation API.
  document.querySelectorAll("input[data-check]").forEach(function (el) {
    var out = el.parentElement.nextElementSibling;
    if (!out || !out.classList.contains("check-result")) { return; }
    el.addEventListener("blur", function () {
      var v = el.value.trim();
      out.textContent = ""; out.className = "check-result";
      if (!v) { return; }
      fetch("/api/v1/codes/validate?type=" + encodeURIComponent(el.getAttribute("data-check")) + "&value=" + encodeURIComponent(v),
        { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (res) {
          out.textContent = res.valid ? "✓ 格式有效" : "✗ " + res.error;
          out.className = "check-result " + (res.valid ? "ok" : "bad");
        })
        .catch(function () { /* the server checks again on submit */ });
    });
  });
})();
