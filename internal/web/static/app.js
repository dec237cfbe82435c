// Progressive enhancement only: every page works without this script.
(function () {
  "use strict";

  // Confirmation before destructive or irreversible steps.
  // A button may ask its own question; {n} is the number of rows ticked
  // for the form (checkboxes that belong to it by their form attribute).
  document.addEventListener("submit", function (e) {
    var form = e.target, by = e.submitter;
    var msg = (by && by.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (msg && msg.indexOf("{n}") >= 0 && form.id) {
      var n = document.querySelectorAll('input[type=checkbox][form="' + form.id + '"]:checked').length;
      msg = msg.split("{n}").join(String(n));
    }
    if (msg && !window.confirm(msg)) {
      e.preventDefault();
    }
  }, true);

  // Filters that apply on change (the pages' CSP allows no inline handlers).
  document.querySelectorAll("[data-autosubmit]").forEach(function (el) {
    el.addEventListener("change", function () { el.form.submit(); });
  });

  // "Tick all on this page" and the count of ticked rows of a bulk form:
  // the rows' checkboxes belong to the form by their form attribute.
  document.querySelectorAll("[data-check-all]").forEach(function (all) {
    var id = all.getAttribute("data-check-all");
    var boxes = document.querySelectorAll('input[type=checkbox][form="' + id + '"]');
    var count = document.querySelector('[data-checked-count="' + id + '"]');
    function update() {
      var n = 0;
      boxes.forEach(function (b) { if (b.checked) { n++; } });
      if (count) { count.textContent = String(n); }
      all.checked = n > 0 && n === boxes.length;
    }
    all.addEventListener("change", function () {
      boxes.forEach(function (b) { b.checked = all.checked; });
      update();
    });
    boxes.forEach(function (b) { b.addEventListener("change", update); });
    update();
  });

  // Print buttons.
  document.querySelectorAll("[data-print]").forEach(function (el) {
    el.addEventListener("click", function () { window.print(); });
  });

  // Progress bars: the width from aria-valuenow / aria-valuemax (the CSP
  // allows no style attributes; a style set from script is allowed).
  document.querySelectorAll(".progress[aria-valuemax]").forEach(function (bar) {
    var fill = bar.querySelector("span"), max = Number(bar.getAttribute("aria-valuemax"));
    if (fill && max > 0) { fill.style.width = (100 * Number(bar.getAttribute("aria-valuenow")) / max).toFixed(1) + "%"; }
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

// 楼盘表: show a unit's details beside the grid instead of leaving the page.
(function () {
  "use strict";
  var panel = document.getElementById("unit-panel");
  if (!panel) { return; }
  function esc(s) { var d = document.createElement("div"); d.textContent = s == null ? "" : String(s); return d.innerHTML; }
  document.addEventListener("click", function (e) {
    var a = e.target.closest ? e.target.closest("a.cell[data-unit]") : null;
    if (!a) { return; }
    e.preventDefault();
    fetch("/api/v1/units/" + a.getAttribute("data-unit"), { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (d) {
        var u = d.unit, f = u.forecast, m = u.measured;
        panel.innerHTML = '<button class="btn small close" type="button">关闭</button>' +
          "<h2>" + esc(u.room) + "</h2><dl class=\"facts\">" +
          "<dt>状态</dt><dd><span class=\"swatch s-" + esc(u.state) + "\"></span> " + esc(u.state_label) + "</dd>" +
          "<dt>不动产单元号</dt><dd class=\"mono\">" + esc(u.unit_no) + "</dd>" +
          "<dt>用途</dt><dd>" + esc(u.purpose) + "</dd>" +
          "<dt>预测建筑面积</dt><dd>" + esc(f.total) + "㎡（套内 " + esc(f.inner) + "，分摊 " + esc(f.shared) + "）</dd>" +
          (m ? "<dt>实测建筑面积</dt><dd>" + esc(m.total) + "㎡</dd>" : "") +
          "</dl><p><a href=\"/units/" + esc(u.id) + "\">查看详情</a></p>";
        panel.hidden = false;
        panel.querySelector(".close").addEventListener("click", function () { panel.hidden = true; });
      })
      .catch(function () { window.location = a.href; });
  });
})();

// 交房即交证 countdown: the calendar time left to the end of the clock's
// due day (the working days left are counted on the server). The server's
// time when the page was made is the reference, not the computer's clock.
(function () {
  "use strict";
  var boxes = document.querySelectorAll(".countdown[data-deadline]");
  if (!boxes.length) { return; }
  var holder = document.querySelector("[data-server-now]");
  var offset = holder ? Number(holder.getAttribute("data-server-now")) - Date.now() : 0;
  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function tick() {
    var now = Date.now() + offset;
    boxes.forEach(function (box) {
      var out = box.querySelector(".clock-remaining");
      var left = Number(box.getAttribute("data-deadline")) - now;
      if (!out) { return; }
      if (left <= 0) { out.textContent = "时限已届满"; return; }
      var s = Math.floor(left / 1000), d = Math.floor(s / 86400);
      s -= d * 86400;
      var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
      out.textContent = "距时限届满还有 " + d + " 天 " + pad(h) + ":" + pad(m) + ":" + pad(s % 60);
    });
  }
  tick();
  window.setInterval(tick, 1000);
})();

// 交房批量办理: follow the batch's progress while it runs; when it stops,
// reload the page for the per-unit results.
(function () {
  "use strict";
  var box = document.querySelector("[data-poll]");
  if (!box || box.getAttribute("data-state") !== "running") { return; }
  var bar = box.querySelector(".progress"), fill = bar ? bar.querySelector("span") : null;
  function set(id, v) { var el = document.getElementById(id); if (el) { el.textContent = String(v); } }
  function poll() {
    fetch(box.getAttribute("data-poll"), { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (e) {
        var moved = e.done + e.blocked;
        set("done", e.done); set("blocked", e.blocked); set("pending", e.total - moved); set("same-day", e.same_day);
        if (fill && e.total) { fill.style.width = (100 * moved / e.total).toFixed(1) + "%"; bar.setAttribute("aria-valuenow", moved); }
        if (e.state !== "running") { window.location.reload(); return; }
        window.setTimeout(poll, 1500);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();

// 受理: pick a flat from the 楼盘表 (project → building → flat) into the
// line's 不动产单元号; the picker shows only where scripts run, the number
// can always be typed or scanned. A scanner ends its number with Enter,
// which must not send a half-filled form: it moves to the next field.
(function () {
  "use strict";
  function fill(select, first, items) {
    select.innerHTML = "";
    var o = document.createElement("option");
    o.value = ""; o.textContent = first; select.appendChild(o);
    items.forEach(function (it) {
      var opt = document.createElement("option");
      opt.value = it.value; opt.textContent = it.label;
      if (it.unitNo) { opt.setAttribute("data-unit-no", it.unitNo); }
      select.appendChild(opt);
    });
    select.disabled = items.length === 0;
  }
  function get(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); });
  }
  document.querySelectorAll("[data-picker]").forEach(function (box) {
    var line = box.closest("[data-line]");
    var input = line ? line.querySelector('input[name^="unit_no_"]') : null;
    var project = box.querySelector('[data-pick="project"]'), building = box.querySelector('[data-pick="building"]'),
      unit = box.querySelector('[data-pick="unit"]');
    if (!input || !project || !building || !unit) { return; }
    box.hidden = false;
    // A list is filled only from the answer to the latest choice: a clerk
    // who changes the project (or building) again before the first answer
    // comes must not get the first one's list under the second's name.
    var asked = { building: 0, unit: 0 };
    project.addEventListener("change", function () {
      var turn = ++asked.building;
      asked.unit++;
      fill(building, "请先选项目", []); fill(unit, "请先选幢", []);
      if (!project.value) { return; }
      building.disabled = true;
      get("/api/v1/projects/" + encodeURIComponent(project.value)).then(function (d) {
        if (turn !== asked.building) { return; }
        fill(building, "请选择幢", (d.buildings || []).map(function (b) { return { value: b.id, label: b.name + "（" + b.units + "户）" }; }));
      }).catch(function () {
        if (turn === asked.building) { fill(building, "楼盘表读取失败，请输入不动产单元号", []); }
      });
    });
    building.addEventListener("change", function () {
      var turn = ++asked.unit;
      fill(unit, "请先选幢", []);
      if (!building.value) { return; }
      get("/api/v1/buildings/" + encodeURIComponent(building.value) + "/table").then(function (d) {
        if (turn !== asked.unit) { return; }
        var items = [];
        (d.floors || []).forEach(function (f) {
          (f.units || []).forEach(function (u) {
            items.push({ value: u.id, label: u.room + "（" + ((d.states || {})[u.state] || u.state) + "）", unitNo: u.unit_no });
          });
        });
        fill(unit, "请选择户", items);
      }).catch(function () {
        if (turn === asked.unit) { fill(unit, "楼盘表读取失败，请输入不动产单元号", []); }
      });
    });
    unit.addEventListener("change", function () {
      var opt = unit.options[unit.selectedIndex];
      var no = opt ? opt.getAttribute("data-unit-no") : "";
      if (!no) { return; }
      input.value = no;
      input.dispatchEvent(new Event("blur"));
    });
  });
  // The browser sends a form on Enter from the key's press, which may come
  // as an event of its own after the key's down: both are stopped, and the
  // focus moves on only when the key is released, so that the press does
  // not reach (and send the form from) the next field.
  document.querySelectorAll("input[data-scan]").forEach(function (el) {
    el.addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); }
    });
    el.addEventListener("keypress", function (e) {
      if (e.key === "Enter") { e.preventDefault(); }
    });
    el.addEventListener("keyup", function (e) {
      if (e.key !== "Enter") { return; }
      var fields = Array.prototype.slice.call(el.form.querySelectorAll("input, select, textarea, button"));
      var next = fields[fields.indexOf(el) + 1];
      if (next) { next.focus(); }
    });
  });
})();
