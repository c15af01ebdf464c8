"""The style sheet and the script of the HTML report, inlined into every report file.

The script (no library, ~4 kB) draws each learning-curve plot as SVG from the
JSON in ``<script id="trainlab-data" type="application/json">``: one path per
series (gaps where a value is not finite), axes with ticks, a legend whose
buttons hide and show a series, and a log-scale switch. It also makes every
``table.sortable`` sort by a clicked column (numbers by value, by the
``data-value`` of a cell when present) and every ``input.table-filter`` hide
the rows of its table that do not contain the typed text. Nothing is fetched:
the report works from a file with the network off.
"""

from __future__ import annotations

__all__ = ["SCRIPT", "STYLE"]

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:0 auto;max-width:1200px;padding:1em 2em;
 color:#222;line-height:1.4}
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}h3{font-size:1.05em}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em}
th,td{border:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums}
th{background:#f3f3f3}table.sortable th{cursor:pointer;user-select:none}
th[data-sort=asc]::after{content:" \\25B2"}th[data-sort=desc]::after{content:" \\25BC"}
.status{padding:.1em .5em;border-radius:.6em;font-size:.85em;color:#fff;background:#777}
.status-completed{background:#2a7d2a}.status-failed{background:#b22}.status-interrupted{background:#c77a00}
.status-running{background:#2762b3}
.severity-error{color:#b22;font-weight:bold}.severity-warning{color:#c77a00;font-weight:bold}
.plots{display:flex;flex-wrap:wrap;gap:1em}.plot{border:1px solid #ddd;padding:.4em;width:560px}
.plot svg{display:block}.legend{display:flex;flex-wrap:wrap;gap:.3em;margin-top:.3em;font-size:.85em}
.legend button{border:1px solid #bbb;background:#fff;border-radius:.3em;cursor:pointer;padding:.1em .5em}
.legend button[aria-pressed=false]{opacity:.4;text-decoration:line-through}
.readout{font-size:.85em;min-height:1.2em}.swatch{display:inline-block;width:.9em;height:.25em;margin-right:.3em;vertical-align:middle}
.figures img{max-width:100%;border:1px solid #eee;margin:.3em 0}
.table-filter{padding:.3em;width:22em;margin:.3em 0}.muted{color:#777}
pre{background:#f7f7f7;padding:.6em;overflow:auto;max-height:24em;font-size:.8em}
.columns{display:flex;flex-wrap:wrap;gap:2em}.nowrap{white-space:nowrap}
"""

SCRIPT = r"""
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                "#bcbd22", "#17becf"];
  var W = 560, H = 320, L = 64, R = 12, T = 24, B = 40;
  var data = JSON.parse(document.getElementById("trainlab-data").textContent);

  function svg(tag, attrs, parent) {
    var e = document.createElementNS(NS, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function ticks(lo, hi, n) {
    var step = Math.pow(10, Math.floor(Math.log10((hi - lo) / n || 1)));
    var err = (hi - lo) / n / step;
    step *= err >= 7.5 ? 10 : err >= 3.5 ? 5 : err >= 1.5 ? 2 : 1;
    var out = [];
    for (var v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(v);
    return out;
  }
  function fmt(v) {
    if (v === 0) return "0";
    var a = Math.abs(v);
    return (a >= 1e4 || a < 1e-3) ? v.toExponential(1) : String(+v.toPrecision(3));
  }

  function labels(values) {  // tick labels with the digits that tell neighbouring ticks apart
    var gap = Infinity, top = 0;
    values.forEach(function (v, i) {
      top = Math.max(top, Math.abs(v));
      if (i) gap = Math.min(gap, Math.abs(v - values[i - 1]));
    });
    if (!isFinite(gap) || gap === 0 || top === 0) return values.map(fmt);
    var digits = Math.min(12, Math.max(3, Math.ceil(Math.log10(top / gap)) + 1));
    return values.map(function (v) {
      if (v === 0) return "0";
      var a = Math.abs(v);
      return (a >= 1e4 || a < 1e-3) ? v.toExponential(digits - 1) : String(+v.toPrecision(digits));
    });
  }

  function Plot(div, spec) {
    this.div = div; this.spec = spec; this.hidden = {};
    var positive = spec.series.every(function (s) { return s.y.every(function (v) { return v === null || v > 0; }); });
    this.log = positive && spec.log !== false;
    div.innerHTML = "";
    var title = document.createElement("div");
    title.className = "plot-title"; title.textContent = spec.title; div.appendChild(title);
    this.svg = svg("svg", {width: W, height: H, viewBox: "0 0 " + W + " " + H, role: "img"}, div);
    var legend = document.createElement("div"); legend.className = "legend"; div.appendChild(legend);
    this.readout = document.createElement("div"); this.readout.className = "readout muted";
    this.readout.textContent = "\u00a0"; div.appendChild(this.readout);
    var self = this;
    this.svg.addEventListener("mousemove", function (event) { self.hover(event); });
    spec.series.forEach(function (s, i) {
      var b = document.createElement("button");
      b.type = "button"; b.className = "legend-item"; b.setAttribute("aria-pressed", "true");
      b.dataset.series = s.name;
      var sw = document.createElement("span"); sw.className = "swatch"; sw.style.background = COLORS[i % COLORS.length];
      b.appendChild(sw); b.appendChild(document.createTextNode(s.name));
      b.addEventListener("click", function () {
        self.hidden[s.name] = !self.hidden[s.name];
        b.setAttribute("aria-pressed", self.hidden[s.name] ? "false" : "true");
        self.draw();
      });
      legend.appendChild(b);
    });
    var label = document.createElement("label");
    var box = document.createElement("input"); box.type = "checkbox"; box.className = "log-toggle";
    box.checked = this.log; box.disabled = !positive;
    box.addEventListener("change", function () { self.log = box.checked; self.draw(); });
    label.appendChild(box); label.appendChild(document.createTextNode(" log scale"));
    legend.appendChild(label);
    this.draw();
  }
  Plot.prototype.hover = function (event) {  // the values of the shown series at the nearest x
    if (!this.toX) return;
    var box = this.svg.getBoundingClientRect(), self = this;
    var x = this.toX((event.clientX - box.left) * W / box.width), parts = [], at = null;
    this.spec.series.forEach(function (s) {
      if (self.hidden[s.name]) return;
      var best = -1;
      s.x.forEach(function (v, j) {
        if (v !== null && s.y[j] !== null && (best < 0 || Math.abs(v - x) < Math.abs(s.x[best] - x))) best = j;
      });
      if (best >= 0) { at = s.x[best]; parts.push(s.name + " " + String(+s.y[best].toPrecision(5))); }
    });
    if (parts.length) this.readout.textContent = this.spec.xlabel + " " + fmt(at) + ": " + parts.join(", ");
  };
  Plot.prototype.draw = function () {
    var self = this, g = this.svg, spec = this.spec;
    while (g.firstChild) g.removeChild(g.firstChild);
    var tf = this.log ? Math.log10 : function (v) { return v; };
    var xs = [], ys = [];
    spec.series.forEach(function (s) {
      if (self.hidden[s.name]) return;
      s.x.forEach(function (x, j) {
        var y = s.y[j];
        if (x !== null && y !== null && (!self.log || y > 0)) { xs.push(x); ys.push(tf(y)); }
      });
    });
    svg("text", {x: L + (W - L - R) / 2, y: H - 6, "text-anchor": "middle", "font-size": 12}, g).textContent = spec.xlabel;
    if (!xs.length) {
      svg("text", {x: W / 2, y: H / 2, "text-anchor": "middle", fill: "#777"}, g).textContent = "no series shown";
      return;
    }
    var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs);
    var y0 = Math.min.apply(null, ys), y1 = Math.max.apply(null, ys);
    if (x1 === x0) { x0 -= 1; x1 += 1; }
    if (y1 === y0) { y0 -= 1; y1 += 1; }
    var pad = (y1 - y0) * 0.04; y0 -= pad; y1 += pad;
    var px = function (x) { return L + (x - x0) / (x1 - x0) * (W - L - R); };
    var py = function (y) { return T + (1 - (y - y0) / (y1 - y0)) * (H - T - B); };
    this.toX = function (p) { return x0 + (p - L) / (W - L - R) * (x1 - x0); };
    svg("rect", {x: L, y: T, width: W - L - R, height: H - T - B, fill: "none", stroke: "#999"}, g);
    var xt = ticks(x0, x1, 6), xnames = labels(xt);
    xt.forEach(function (v, i) {
      svg("line", {x1: px(v), x2: px(v), y1: H - B, y2: H - B + 4, stroke: "#999"}, g);
      svg("text", {x: px(v), y: H - B + 16, "text-anchor": "middle", "font-size": 11}, g).textContent = xnames[i];
    });
    var yt = ticks(y0, y1, 6);
    if (this.log) {  // decades when the axis spans two, else round values placed on the log axis
      yt = ticks(Math.floor(y0), Math.ceil(y1), 6).filter(function (v) {
        return v >= y0 && v <= y1 && Math.abs(v - Math.round(v)) < 1e-9; });
      if (yt.length < 2) yt = ticks(Math.pow(10, y0), Math.pow(10, y1), 5).filter(function (v) {
        return v > 0; }).map(Math.log10);
    }
    var names = labels(yt.map(function (v) { return self.log ? Math.pow(10, v) : v; }));
    yt.forEach(function (v, i) {
      svg("line", {x1: L, x2: W - R, y1: py(v), y2: py(v), stroke: "#eee"}, g);
      svg("text", {x: L - 4, y: py(v) + 4, "text-anchor": "end", "font-size": 11}, g).textContent = names[i];
    });
    spec.series.forEach(function (s, i) {
      if (self.hidden[s.name]) return;
      var d = "", pen = "M";
      s.x.forEach(function (x, j) {
        var y = s.y[j];
        if (x === null || y === null || (self.log && y <= 0)) { pen = "M"; return; }
        d += pen + px(x).toFixed(1) + "," + py(tf(y)).toFixed(1); pen = "L";
      });
      var p = svg("path", {d: d, fill: "none", stroke: COLORS[i % COLORS.length], "stroke-width": 1.6,
                           "class": "curve", "data-series": s.name}, g);
      svg("title", {}, p).textContent = s.name;
    });
  };

  document.querySelectorAll("div.plot[data-plot]").forEach(function (div) {
    var spec = data.plots[div.dataset.plot];
    if (spec) new Plot(div, spec);
  });

  function cellValue(td) {
    var raw = td.dataset.value !== undefined ? td.dataset.value : td.textContent.trim();
    var n = parseFloat(raw);
    return raw !== "" && isFinite(n) && String(n) !== "NaN" && /^[-+]?[\d.]/.test(raw) ? n : raw.toLowerCase();
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    table.querySelectorAll("thead th").forEach(function (th, col) {
      th.addEventListener("click", function () {
        var dir = th.dataset.sort === "asc" ? "desc" : "asc";
        table.querySelectorAll("thead th").forEach(function (o) { delete o.dataset.sort; });
        th.dataset.sort = dir;
        var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var u = cellValue(a.cells[col]), v = cellValue(b.cells[col]);
          var c = (typeof u === typeof v) ? (u < v ? -1 : u > v ? 1 : 0) : (typeof u === "number" ? -1 : 1);
          return dir === "asc" ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
  document.querySelectorAll("input.table-filter").forEach(function (input) {
    var table = document.getElementById(input.dataset.table);
    input.addEventListener("input", function () {
      var q = input.value.trim().toLowerCase();
      Array.prototype.forEach.call(table.tBodies[0].rows, function (r) {
        r.hidden = q !== "" && r.textContent.toLowerCase().indexOf(q) < 0;
      });
    });
  });
})();
"""
