// Two small SVG charts, drawn here rather than by a charting library: the page loads nothing from
// elsewhere.
"use strict";

var CreditGateCharts = (function () {
  var SVG = "http://www.w3.org/2000/svg";
  var width = 640, height = 220, left = 64, right = 12, top = 12, bottom = 36;

  function element(name, attributes, text) {
    var made = document.createElementNS(SVG, name);
    Object.keys(attributes).forEach(function (key) { made.setAttribute(key, attributes[key]); });
    if (text !== undefined) made.textContent = text;
    return made;
  }

  function frame(label) {
    var svg = element("svg", { viewBox: "0 0 " + width + " " + height, role: "img", "aria-label": label, class: "chart" });
    svg.appendChild(element("line", { x1: left, y1: height - bottom, x2: width - right, y2: height - bottom, class: "axis" }));
    svg.appendChild(element("line", { x1: left, y1: top, x2: left, y2: height - bottom, class: "axis" }));
    return svg;
  }

  function compact(number) {
    if (number >= 1e6) return (number / 1e6).toFixed(number >= 1e7 ? 0 : 1) + "M";
    if (number >= 1e3) return (number / 1e3).toFixed(number >= 1e4 ? 0 : 1) + "k";
    return String(number);
  }

  function day(time) { return new Date(time).toISOString().slice(0, 10); }

  /// `points`: [{x: Date, y: number}] in time order: a line, the y axis from 0.
  function line(points, label) {
    var svg = frame(label);
    if (points.length === 0) return svg;
    var x0 = points[0].x.getTime(), x1 = Math.max(points[points.length - 1].x.getTime(), x0 + 1);
    var y1 = Math.max(points[points.length - 1].y, 1);
    function X(t) { return left + (t - x0) / (x1 - x0) * (width - left - right); }
    function Y(v) { return height - bottom - v / y1 * (height - top - bottom); }
    var path = points.map(function (p, i) { return (i ? "L" : "M") + X(p.x.getTime()).toFixed(1) + " " + Y(p.y).toFixed(1); }).join(" ");
    svg.appendChild(element("path", { d: path, class: "series" }));
    svg.appendChild(element("text", { x: left - 6, y: top + 10, class: "tick end" }, compact(y1)));
    svg.appendChild(element("text", { x: left - 6, y: height - bottom, class: "tick end" }, "0"));
    svg.appendChild(element("text", { x: left, y: height - 12, class: "tick" }, day(x0)));
    svg.appendChild(element("text", { x: width - right, y: height - 12, class: "tick end" }, day(x1)));
    return svg;
  }

  /// `bars`: [{label, value}] oldest first.
  function bars(items, label) {
    var svg = frame(label);
    if (items.length === 0) return svg;
    var most = Math.max.apply(null, items.map(function (item) { return item.value; }).concat([1]));
    var slot = (width - left - right) / items.length;
    items.forEach(function (item, i) {
      var h = item.value / most * (height - top - bottom);
      var bar = element("rect", { x: (left + i * slot + slot * 0.15).toFixed(1), y: (height - bottom - h).toFixed(1),
        width: Math.max(1, slot * 0.7).toFixed(1), height: h.toFixed(1), class: "bar" });
      bar.appendChild(element("title", {}, item.label + ": " + item.value));
      svg.appendChild(bar);
    });
    svg.appendChild(element("text", { x: left - 6, y: top + 10, class: "tick end" }, compact(most)));
    svg.appendChild(element("text", { x: left - 6, y: height - bottom, class: "tick end" }, "0"));
    svg.appendChild(element("text", { x: left, y: height - 12, class: "tick" }, items[0].label));
    svg.appendChild(element("text", { x: width - right, y: height - 12, class: "tick end" }, items[items.length - 1].label));
    return svg;
  }

  return { line: line, bars: bars, compact: compact, day: day };
})();
