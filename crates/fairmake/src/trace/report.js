// Draws the build timeline of fairmake-report from the page's JSON data:
// lanes of job bars (labels where they fit), the token waits before the
// bars and the critical path around them, a time axis with gridlines, and
// the jobs in flight against -jN. Wheel zooms around the pointer, dragging
// pans, a double-click shows the whole build again.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("data").textContent);
  const box = document.getElementById("timeline");
  const NS = "http://www.w3.org/2000/svg";
  const LEFT = 170, RIGHT = 20, ROW = 21, GAP = 10, AXIS = 26, CURVE = 130;
  const span = Math.max(1, data.span);
  let view = { from: 0, to: span };

  const measure = document.createElement("canvas").getContext("2d");
  measure.font = "11px 'DejaVu Sans', Helvetica, Arial, sans-serif";

  function el(name, attrs, parent, text) {
    const node = document.createElementNS(NS, name);
    for (const k in attrs) node.setAttribute(k, attrs[k]);
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }

  // A round step (1, 2 or 5 times a power of ten) giving about `count` ticks.
  function niceStep(range, count) {
    const raw = range / Math.max(1, count);
    const power = Math.pow(10, Math.floor(Math.log10(raw)));
    for (const m of [1, 2, 5, 10]) if (m * power >= raw) return m * power;
    return 10 * power;
  }

  // Microseconds as seconds, with as many decimals as the step needs.
  function seconds(us, step) {
    const decimals = Math.max(0, Math.min(6, -Math.floor(Math.log10(step / 1e6))));
    return (us / 1e6).toFixed(decimals) + " s";
  }

  function duration(us) {
    return us >= 1e6 ? (us / 1e6).toFixed(2) + " s" : (us / 1e3).toFixed(1) + " ms";
  }

  // Jobs in flight (work jobs, not sub-makes) as a step function, and its
  // integral at any time, so that each pixel shows the mean over its time.
  const edges = [];
  for (const j of data.jobs) if (!j.r) { edges.push([j.s, 1]); edges.push([j.e, -1]); }
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const times = [0], levels = [0], areas = [0];
  let peak = 0;
  for (const [t, d] of edges) {
    const i = times.length - 1;
    areas.push(areas[i] + levels[i] * (t - times[i]));
    times.push(t);
    levels.push(levels[i] + d);
    peak = Math.max(peak, levels[i] + d);
  }
  function integral(t) {
    let lo = 0, hi = times.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (times[mid] <= t) lo = mid; else hi = mid - 1;
    }
    return areas[lo] + levels[lo] * (t - times[lo]);
  }

  function legend() {
    const items = [
      ["job", "rect", "job"],
      ["sub-make run (its jobs are in its own lane)", "rect", "job recursive"],
      ["failed", "rect", "job failed"],
      ["critical path", "rect", "job critical"],
      ["waiting for a token (under the job's bar)", "strip", "wait"],
      ["jobs in flight (mean per pixel)", "rect", "curve"],
      ["-jN", "line", "slots-line"],
    ];
    const node = document.getElementById("legend");
    for (const [label, shape, cls] of items) {
      const item = document.createElement("span");
      const svg = el("svg", { width: 26, height: 14 }, item);
      if (shape === "rect") el("rect", { x: 2, y: 2, width: 22, height: 10, class: cls }, svg);
      else if (shape === "strip") el("rect", { x: 2, y: 5, width: 22, height: 4, class: cls }, svg);
      else el("line", { x1: 1, y1: 7, x2: 25, y2: 7, class: cls }, svg);
      item.appendChild(document.createTextNode(label));
      node.appendChild(item);
    }
  }

  function defs(svg) {
    return el("defs", {}, svg);
  }

  function draw() {
    const width = Math.max(640, box.clientWidth);
    const plot = width - LEFT - RIGHT;
    const range = view.to - view.from;
    const x = (t) => LEFT + (t - view.from) / range * plot;
    const tops = [];
    let y = AXIS;
    for (const m of data.makes) { tops.push(y); y += m.rows * ROW + GAP; }
    const curveTop = y + 22, curveBottom = curveTop + CURVE;
    const height = curveBottom + 34;
    const svg = el("svg", { width: width, height: height, xmlns: NS });
    const d = defs(svg);
    const clip = el("clipPath", { id: "plot" }, d);
    el("rect", { x: LEFT, y: 0, width: plot, height: height }, clip);

    // Lanes: a band and a name per make.
    data.makes.forEach((m, i) => {
      el("rect", { x: 0, y: tops[i] - 2, width: width, height: m.rows * ROW + 4, class: "lane-band" }, svg);
      const name = el("text", { x: 6, y: tops[i] + 13, class: "lane-name" }, svg, m.name);
      el("title", {}, name, m.full);
    });

    // Time axis: ticks and gridlines, labels at the top and the bottom.
    const step = niceStep(range, plot / 110);
    for (let t = Math.ceil(view.from / step) * step; t <= view.to; t += step) {
      const px = x(t);
      el("line", { x1: px, y1: AXIS - 6, x2: px, y2: curveBottom, class: "grid" }, svg);
      el("text", { x: px, y: AXIS - 10, "text-anchor": "middle", class: "tick" }, svg, seconds(t, step));
      el("text", { x: px, y: curveBottom + 16, "text-anchor": "middle", class: "tick" }, svg, seconds(t, step));
    }
    el("text", { x: 6, y: curveBottom + 16, class: "axis-title" }, svg, "time since start");

    // Bars, labels where they fit, and under each bar's row a strip for
    // the time the job waited for a token before it started (the slot's
    // previous job may still be running then, so it has a row of its own).
    const bars = el("g", { "clip-path": "url(#plot)" }, svg);
    for (const j of data.jobs) {
      if (j.e < view.from || j.s - j.w > view.to) continue;
      const top = tops[j.lane] + j.row * ROW;
      if (j.w > 0) {
        const wx = x(j.s - j.w);
        const wait = el("rect", { x: wx, y: top + ROW - 5, width: Math.max(1, x(j.s) - wx), height: 4,
          class: "wait" }, bars);
        el("title", {}, wait, j.t + " waited " + duration(j.w) + " for a token");
      }
      const bx = x(j.s), bw = Math.max(1.5, x(j.e) - bx);
      const cls = "job" + (j.r ? " recursive" : "") + (j.f ? " failed" : "") + (j.k ? " critical" : "");
      const rect = el("rect", { x: bx, y: top + 1, width: bw, height: ROW - 7, rx: 2, class: cls }, bars);
      let tip = j.t + " (" + duration(j.e - j.s) + ")";
      if (j.w > 0) tip += ", waited " + duration(j.w) + " for a token";
      if (j.k) tip += ", on the critical path";
      if (j.c) tip += "\n" + j.c;
      el("title", {}, rect, tip);
      const visible = Math.min(x(j.e), LEFT + plot) - Math.max(bx, LEFT);
      const label = measure.measureText(j.t).width;
      if (label + 8 <= visible) {
        el("text", { x: Math.max(bx, LEFT) + 4, y: top + ROW - 9,
          class: "bar-label" + (j.r ? " dark" : "") }, bars, j.t);
      }
    }

    // Jobs in flight, the mean over each pixel's time, against -jN.
    const slots = data.slots || 0;
    const top = Math.max(1, peak, slots);
    const yOf = (level) => curveBottom - level / top * CURVE;
    const ystep = Math.max(1, niceStep(top, 4));
    for (let v = 0; v <= top; v += ystep) {
      el("line", { x1: LEFT, y1: yOf(v), x2: LEFT + plot, y2: yOf(v), class: "grid" }, svg);
      el("text", { x: LEFT - 6, y: yOf(v) + 4, "text-anchor": "end", class: "tick" }, svg, String(v));
    }
    el("text", { x: 6, y: curveTop + 12, class: "lane-name" }, svg, "jobs in flight");
    el("text", { x: 6, y: curveTop + 28, class: "axis-title" }, svg, "peak " + peak);
    const points = [[LEFT, curveBottom]];
    for (let px = 0; px < plot; px++) {
      const a = view.from + px / plot * range, b = view.from + (px + 1) / plot * range;
      const mean = (integral(b) - integral(a)) / (b - a);
      points.push([LEFT + px, yOf(mean)], [LEFT + px + 1, yOf(mean)]);
    }
    points.push([LEFT + plot, curveBottom]);
    el("polygon", { points: points.map((p) => p[0].toFixed(1) + "," + p[1].toFixed(1)).join(" "),
      class: "curve" }, svg);
    if (slots > 0) {
      el("line", { x1: LEFT, y1: yOf(slots), x2: LEFT + plot, y2: yOf(slots), class: "slots-line" }, svg);
      el("text", { x: LEFT + plot - 4, y: yOf(slots) - 4, "text-anchor": "end", class: "slots-label" },
        svg, "-j" + slots);
    }
    box.replaceChildren(svg);
  }

  // Zoom keeps the time under the pointer where it is.
  function zoom(factor, at) {
    const range = view.to - view.from;
    const next = Math.min(span, Math.max(span / 1e5, range * factor, 10));
    const t = at === undefined ? view.from + range / 2 : at;
    const left = (t - view.from) / range;
    view.from = t - left * next;
    view.to = view.from + next;
    clamp();
    schedule();
  }

  function clamp() {
    const range = view.to - view.from;
    if (view.from < 0) { view.from = 0; view.to = range; }
    if (view.to > span) { view.to = span; view.from = span - range; }
  }

  function timeAt(clientX) {
    const rect = box.getBoundingClientRect();
    const plot = Math.max(640, box.clientWidth) - LEFT - RIGHT;
    const frac = Math.min(1, Math.max(0, (clientX - rect.left - LEFT) / plot));
    return view.from + frac * (view.to - view.from);
  }

  let pending = false;
  function schedule() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; draw(); });
  }

  box.addEventListener("wheel", (e) => {
    e.preventDefault();
    zoom(e.deltaY < 0 ? 1 / 1.25 : 1.25, timeAt(e.clientX));
  }, { passive: false });
  let drag = null;
  box.addEventListener("mousedown", (e) => {
    drag = { x: e.clientX, from: view.from, to: view.to };
    box.classList.add("dragging");
  });
  window.addEventListener("mousemove", (e) => {
    if (!drag) return;
    const plot = Math.max(640, box.clientWidth) - LEFT - RIGHT;
    const shift = (drag.x - e.clientX) / plot * (drag.to - drag.from);
    view.from = drag.from + shift;
    view.to = drag.to + shift;
    clamp();
    schedule();
  });
  window.addEventListener("mouseup", () => { drag = null; box.classList.remove("dragging"); });
  box.addEventListener("dblclick", () => { view = { from: 0, to: span }; schedule(); });
  document.getElementById("zoom-in").onclick = () => zoom(1 / 2);
  document.getElementById("zoom-out").onclick = () => zoom(2);
  document.getElementById("reset").onclick = () => { view = { from: 0, to: span }; schedule(); };
  window.addEventListener("resize", schedule);
  // `#zoom=FROM,TO` in seconds shows that part of the build first.
  const m = /#zoom=([\d.]+),([\d.]+)/.exec(location.hash);
  if (m) { view = { from: parseFloat(m[1]) * 1e6, to: parseFloat(m[2]) * 1e6 }; clamp(); }
  legend();
  draw();
})();
