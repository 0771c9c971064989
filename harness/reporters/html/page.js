// report.html's script: maps the precomputed data (report-data.ts) to pixels.
// Lanes are drawn on one canvas, only the rows in view, so 1,000+ agents cost
// a few dozen rows per frame and no DOM node per segment.
(function () {
  'use strict';
  var started = performance.now();
  var D = JSON.parse(document.getElementById('report-data').textContent);
  var C = { ws: '#0072b2', poll: '#e69f00', down: '#d55e00', fail: '#111827', ink: '#1f2937', muted: '#6b7280', grid: '#eceef1', flagged: '#c24e00', redeploy: '#cc79a7' };
  var STATE_COLOR = [C.ws, C.poll, C.down];
  var STATE_NAME = ['WebSocket up', 'polling (WebSocket down)', 'down (no WebSocket, not polling)'];
  var dpr = window.devicePixelRatio || 1;

  // The time window every view shows, ms; zooming a chart moves it for all.
  var view = { from: 0, to: D.endMs };
  var charts = [];
  var syncing = false;

  function fmtMs(ms) {
    if (ms < 1000) return Math.round(ms) + ' ms';
    if (ms < 120000) return (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + ' s';
    return (ms / 60000).toFixed(1) + ' min';
  }
  function fmtS(s) { return s >= 120 ? (s / 60).toFixed(s % 60 ? 1 : 0) + 'm' : +s.toFixed(2) + 's'; }
  function niceStep(span, target) {
    var raw = span / target, pow = Math.pow(10, Math.floor(Math.log10(raw))), steps = [1, 2, 5, 10];
    for (var i = 0; i < steps.length; i++) if (steps[i] * pow >= raw) return steps[i] * pow;
    return 10 * pow;
  }
  function hatch(ctx) {
    var p = document.createElement('canvas');
    p.width = p.height = 6 * dpr;
    var c = p.getContext('2d');
    c.strokeStyle = 'rgba(17,24,39,0.22)';
    c.lineWidth = dpr;
    c.beginPath(); c.moveTo(0, 6 * dpr); c.lineTo(6 * dpr, 0); c.stroke();
    return ctx.createPattern(p, 'repeat');
  }

  // ---- timeline ----------------------------------------------------------
  var L = D.lanes;
  var laneH = L.ids.length <= 40 ? 18 : L.ids.length <= 150 ? 11 : 6;
  var labels = laneH >= 11;
  var flaggedOrder = [], allOrder = [];
  for (var i = 0; i < L.ids.length; i++) { allOrder.push(i); if (L.flagged[i]) flaggedOrder.push(i); }
  var order = allOrder;
  var faultNames = [];
  D.faults.forEach(function (f) { if (faultNames.indexOf(f.name) < 0) faultNames.push(f.name); });
  var axisRows = faultNames.length + (D.redeploys.length ? 1 : 0);
  var AXIS_H = 26 + axisRows * 16;
  var axis = document.getElementById('tl-axis');
  var lanesCanvas = document.getElementById('tl-lanes');
  var scroll = document.getElementById('tl-scroll');
  var spacer = document.getElementById('tl-spacer');
  var tip = document.getElementById('tl-tip');
  var host = document.getElementById('timeline-view');
  var measure = document.createElement('canvas').getContext('2d');
  measure.font = '11px ui-monospace, monospace';
  var gutter = 90;
  L.ids.forEach(function (id) { gutter = Math.max(gutter, measure.measureText(id).width + 26); });
  gutter = Math.min(gutter, 190);
  faultNames.forEach(function (n) { gutter = Math.max(gutter, Math.min(190, measure.measureText(n).width + 16)); });

  function plotW() { return host.clientWidth - gutter - 10; }
  function xOf(ms) { return gutter + (ms - view.from) / (view.to - view.from) * plotW(); }
  function msOf(x) { return view.from + (x - gutter) / plotW() * (view.to - view.from); }
  function sizeCanvas(cv, w, h) {
    if (cv.width !== Math.round(w * dpr) || cv.height !== Math.round(h * dpr)) {
      cv.width = Math.round(w * dpr); cv.height = Math.round(h * dpr);
      cv.style.width = w + 'px'; cv.style.height = h + 'px';
    }
    var ctx = cv.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    return ctx;
  }
  function viewportH() { return Math.min(order.length * laneH, 540); }

  function drawBands(ctx, top, height) {
    var pattern = hatch(ctx);
    D.faults.forEach(function (f) {
      var x0 = Math.max(gutter, xOf(f.fromMs)), x1 = Math.min(gutter + plotW(), xOf(f.toMs));
      if (x1 <= x0) return;
      ctx.fillStyle = pattern; ctx.fillRect(x0, top, x1 - x0, height);
      ctx.strokeStyle = 'rgba(17,24,39,0.55)'; ctx.setLineDash([3, 3]); ctx.lineWidth = 1;
      ctx.beginPath(); ctx.moveTo(x0 + 0.5, top); ctx.lineTo(x0 + 0.5, top + height); ctx.moveTo(x1 - 0.5, top); ctx.lineTo(x1 - 0.5, top + height); ctx.stroke();
      ctx.setLineDash([]);
    });
    D.redeploys.forEach(function (r) {
      var x0 = Math.max(gutter, xOf(r.fromMs)), x1 = Math.min(gutter + plotW(), Math.max(xOf(r.toMs), x0 + 2));
      if (x1 <= x0) return;
      ctx.fillStyle = 'rgba(204,121,167,0.30)'; ctx.fillRect(x0, top, x1 - x0, height);
      ctx.fillStyle = C.redeploy; ctx.fillRect(x0, top, 1.5, height);
    });
  }

  function drawAxis() {
    var w = host.clientWidth;
    var ctx = sizeCanvas(axis, w, AXIS_H);
    ctx.clearRect(0, 0, w, AXIS_H);
    ctx.font = '11px system-ui, sans-serif'; ctx.textBaseline = 'middle';
    var spanS = (view.to - view.from) / 1000, step = niceStep(spanS, Math.max(2, plotW() / 90));
    ctx.fillStyle = C.muted; ctx.strokeStyle = '#d1d5db';
    for (var s = Math.ceil(view.from / 1000 / step) * step; s <= view.to / 1000 + 1e-9; s += step) {
      var x = Math.round(xOf(s * 1000)) + 0.5;
      ctx.beginPath(); ctx.moveTo(x, 16); ctx.lineTo(x, AXIS_H); ctx.stroke();
      ctx.textAlign = 'center'; ctx.fillText(fmtS(s), x, 8);
    }
    // Phase marks; a label that would overlap the previous one is left out (ramp and steady are often ms apart).
    var labelEnd = -Infinity;
    ctx.textAlign = 'left';
    D.phases.forEach(function (p) {
      var x = xOf(p.t), text = '▾ ' + p.phase, width = ctx.measureText(text).width;
      if (x < gutter - 1 || x > gutter + plotW() + 1) return;
      x = Math.min(x - 4, gutter + plotW() - width);
      if (x < labelEnd + 4) return;
      ctx.fillStyle = C.ink; ctx.fillText(text, x, 21);
      labelEnd = x + width;
    });
    var row = 0;
    ctx.textAlign = 'right';
    faultNames.forEach(function (name) {
      var y = 30 + row * 16;
      ctx.fillStyle = C.ink; ctx.fillText(name, gutter - 8, y + 5);
      D.faults.forEach(function (f) {
        if (f.name !== name) return;
        var x0 = Math.max(gutter, xOf(f.fromMs)), x1 = Math.min(gutter + plotW(), xOf(f.toMs));
        if (x1 > x0) { ctx.fillStyle = '#4b5563'; ctx.fillRect(x0, y, Math.max(1, x1 - x0), 10); }
      });
      row++;
    });
    if (D.redeploys.length) {
      var y = 30 + row * 16;
      ctx.fillStyle = C.ink; ctx.fillText('hub redeploy', gutter - 8, y + 5);
      D.redeploys.forEach(function (r) {
        var x0 = Math.max(gutter, xOf(r.fromMs)), x1 = Math.min(gutter + plotW(), xOf(r.toMs));
        ctx.fillStyle = C.redeploy; ctx.fillRect(x0, y, Math.max(2, x1 - x0), 10);
      });
    }
  }

  function drawLanes() {
    var w = host.clientWidth, h = viewportH();
    scroll.style.height = h + 'px';
    spacer.style.height = Math.max(0, order.length * laneH - h) + 'px';
    var ctx = sizeCanvas(lanesCanvas, w, h);
    ctx.clearRect(0, 0, w, h);
    var top = scroll.scrollTop;
    var first = Math.floor(top / laneH), last = Math.min(order.length, Math.ceil((top + h) / laneH));
    var left = gutter, right = gutter + plotW(), msPerPx = (view.to - view.from) / plotW();
    ctx.font = '11px ui-monospace, monospace'; ctx.textBaseline = 'middle'; ctx.textAlign = 'right';
    for (var r = first; r < last; r++) {
      var li = order[r], y = r * laneH - top, segs = L.segs[li], gap = laneH >= 11 ? 2 : 1;
      for (var k = 0; k < segs.length; k += 4) {
        var from = segs[k], to = segs[k + 1], state = segs[k + 2];
        if (to < view.from || from > view.to) continue;
        var x0 = Math.max(left, Math.round(xOf(from))), x1 = Math.min(right, Math.round(xOf(to)));
        // A 1 ms connection is far narrower than a pixel; draw it 2 px wide so loops show.
        if (state === 0 && x1 - x0 < 2) x1 = x0 + 2;
        else if (x1 <= x0) continue;
        ctx.fillStyle = STATE_COLOR[state];
        ctx.fillRect(x0, y, x1 - x0, laneH - gap);
      }
      var fails = L.fails[li];
      if (fails.length && msPerPx > 0) {
        ctx.fillStyle = C.fail;
        for (var f = 0; f < fails.length; f++) {
          if (fails[f] < view.from || fails[f] > view.to) continue;
          ctx.fillRect(Math.round(xOf(fails[f])), y + (laneH - gap) / 3, 1.5, (laneH - gap) / 3);
        }
      }
      if (labels) {
        ctx.fillStyle = L.flagged[li] ? C.flagged : C.muted;
        ctx.font = (L.flagged[li] ? 'bold ' : '') + '11px ui-monospace, monospace';
        ctx.fillText((L.flagged[li] ? '● ' : '') + L.ids[li], gutter - 8, y + (laneH - gap) / 2);
      } else if (L.flagged[li]) {
        ctx.fillStyle = C.flagged; ctx.fillRect(gutter - 6, y, 4, laneH - gap);
      }
    }
    if (!labels) {
      ctx.fillStyle = C.muted; ctx.textAlign = 'left';
      if (last > first) ctx.fillText(L.ids[order[first]], 2, 8), ctx.fillText(L.ids[order[last - 1]], 2, h - 8);
    }
    drawBands(ctx, 0, Math.min(h, (last - first) * laneH + laneH));
    // Read by the browser test (and handy in devtools): what is on screen, and where lane geometry starts.
    host.dataset.lanesDrawn = String(last - first);
    host.dataset.lanesTotal = String(order.length);
    host.dataset.gutter = String(gutter);
    host.dataset.laneHeight = String(laneH);
    host.dataset.faultWindows = String(D.faults.length);
    host.dataset.redeployWindows = String(D.redeploys.length);
    host.dataset.view = Math.round(view.from) + '-' + Math.round(view.to);
  }

  function drawTimeline() { drawAxis(); drawLanes(); }

  function segmentAt(li, ms, slackMs) {
    var segs = L.segs[li], hit = -1;
    for (var k = 0; k < segs.length; k += 4) {
      if (segs[k] <= ms + slackMs && segs[k + 1] >= ms - slackMs) {
        // Prefer a WebSocket segment in reach: it is drawn wider than it lasted.
        if (segs[k + 2] === 0) return k;
        if (hit < 0 && segs[k] <= ms && segs[k + 1] >= ms) hit = k;
      }
      if (segs[k] > ms + slackMs) break;
    }
    return hit;
  }

  lanesCanvas.addEventListener('mousemove', function (ev) {
    var rect = lanesCanvas.getBoundingClientRect(), x = ev.clientX - rect.left, y = ev.clientY - rect.top;
    var r = Math.floor((y + scroll.scrollTop) / laneH), li = order[r];
    if (li === undefined) { tip.hidden = true; return; }
    var lines = [L.ids[li] + (L.flagged[li] ? '  (named by a failed check)' : '') + (L.group[li] >= 0 ? '  · group ' + D.groups[L.group[li]] : '')];
    if (x >= gutter) {
      var ms = msOf(x), k = segmentAt(li, ms, (view.to - view.from) / plotW());
      if (k >= 0) {
        var segs = L.segs[li];
        lines.push(STATE_NAME[segs[k + 2]] + ': ' + fmtMs(segs[k]) + ' → ' + fmtMs(segs[k + 1]) + ' (' + fmtMs(segs[k + 1] - segs[k]) + ')');
        if (segs[k + 3] >= 0) lines.push('closed ' + D.closes[segs[k + 3]]);
      }
      var active = D.faults.filter(function (f) { return ms >= f.fromMs && ms <= f.toMs; }).map(function (f) { return f.name + ' (' + f.kind + ' on ' + f.target + ')'; });
      if (active.length) lines.push('fault: ' + active.join(', '));
      D.redeploys.forEach(function (d) { if (ms >= d.fromMs && ms <= d.toMs) lines.push('hub redeploy: ' + d.name + ' (' + d.kind + (d.ended ? '' : ', never ended') + ')'); });
      lines.push('at ' + fmtMs(ms));
    }
    tip.textContent = lines.join('\n');
    tip.hidden = false;
    var hostRect = host.getBoundingClientRect();
    var left = ev.clientX - hostRect.left + 14;
    tip.style.left = Math.min(left, host.clientWidth - tip.offsetWidth - 4) + 'px';
    tip.style.top = (ev.clientY - hostRect.top + 14) + 'px';
  });
  lanesCanvas.addEventListener('mouseleave', function () { tip.hidden = true; });
  var pending = false;
  scroll.addEventListener('scroll', function () {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () { pending = false; drawLanes(); });
  });
  document.getElementById('flagged-only').addEventListener('change', function (ev) {
    order = ev.target.checked ? flaggedOrder : allOrder;
    scroll.scrollTop = 0;
    drawLanes();
  });

  // ---- charts ------------------------------------------------------------
  function setView(fromMs, toMs, source) {
    view.from = Math.max(0, fromMs); view.to = Math.min(D.endMs, toMs);
    if (view.to - view.from < 1) view.to = view.from + 1;
    drawTimeline();
    syncing = true;
    charts.forEach(function (u) { if (u !== source) u.setScale('x', { min: view.from / 1000, max: view.to / 1000 }); });
    syncing = false;
  }
  document.getElementById('reset-zoom').addEventListener('click', function () { setView(0, D.endMs, null); });

  function bandsPlugin() {
    return { hooks: { drawClear: [function (u) {
      var ctx = u.ctx, b = u.bbox;
      ctx.save();
      D.faults.forEach(function (f) {
        var x0 = Math.max(b.left, u.valToPos(f.fromMs / 1000, 'x', true)), x1 = Math.min(b.left + b.width, u.valToPos(f.toMs / 1000, 'x', true));
        if (x1 > x0) { ctx.fillStyle = 'rgba(17,24,39,0.07)'; ctx.fillRect(x0, b.top, x1 - x0, b.height); }
      });
      D.redeploys.forEach(function (r) {
        var x0 = Math.max(b.left, u.valToPos(r.fromMs / 1000, 'x', true)), x1 = Math.min(b.left + b.width, u.valToPos(r.toMs / 1000, 'x', true));
        if (x1 >= x0) { ctx.fillStyle = 'rgba(204,121,167,0.25)'; ctx.fillRect(x0, b.top, Math.max(2 * dpr, x1 - x0), b.height); }
      });
      ctx.restore();
    }] } };
  }
  // Time ticks on round seconds and minutes: uPlot's decimal steps put a 2 h soak's ticks at 33.3m and 66.7m.
  var X_INCRS = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400];
  function xAxis() { return { stroke: C.muted, grid: { stroke: C.grid }, incrs: X_INCRS, values: function (u, v) { return v.map(fmtS); } }; }
  function chartWidth(el) { return Math.max(280, el.clientWidth - 24); }
  function timeChart(id, series, data, extra) {
    var el = document.getElementById(id);
    var opts = Object.assign({
      width: chartWidth(el), height: 210,
      scales: { x: { time: false, min: view.from / 1000, max: view.to / 1000 } },
      axes: [xAxis(), { stroke: C.muted, grid: { stroke: C.grid }, size: 48 }],
      cursor: { sync: { key: 'edge-chaos' }, drag: { x: true, y: false } },
      legend: { live: true },
      series: [{ label: 'time', value: function (u, v) { return v == null ? '–' : fmtS(v); } }].concat(series),
      plugins: [bandsPlugin()],
      hooks: { setScale: [function (u, key) { if (key === 'x' && !syncing && ready) setView(u.scales.x.min * 1000, u.scales.x.max * 1000, u); }] },
    }, extra || {});
    var u = new uPlot(opts, data, el);
    charts.push(u);
    return u;
  }
  var ready = false;
  var stepped = uPlot.paths.stepped({ align: 1 });
  var F = D.fleet;
  timeChart('chart-agents', [
    { label: 'connected', stroke: C.ws, width: 2, paths: stepped },
    { label: 'polling', stroke: C.poll, width: 2, paths: stepped },
    { label: 'down', stroke: C.down, width: 2, dash: [6, 3], paths: stepped },
  ], [F.t, F.connected, F.polling, F.down]);
  timeChart('chart-churn', [
    { label: 'connects/s', stroke: C.ws, width: 1.5, fill: 'rgba(0,114,178,0.12)', paths: stepped },
    { label: 'disconnects/s', stroke: C.down, width: 1.5, dash: [5, 3], fill: 'rgba(213,94,0,0.10)', paths: stepped },
  ], [F.t, F.connectsPerS, F.disconnectsPerS]);

  var lat = D.latency;
  var caption = document.querySelector('#chart-latency figcaption');
  var latNote = document.createElement('span');
  latNote.className = 'sub';
  latNote.textContent = lat.issued === 0 ? 'no commands were issued' : lat.issued + ' issued' + (lat.lostT.length ? ', ' + lat.lostT.length + ' never applied (▲ at the top)' : ', all applied') + (lat.sampled ? '; points thinned' : '');
  caption.appendChild(latNote);
  var maxLat = lat.ms.reduce(function (m, v) { return Math.max(m, v); }, 1);
  var minLat = lat.ms.reduce(function (m, v) { return Math.min(m, Math.max(v, 0.1)); }, maxLat);
  var logY = maxLat / minLat > 100;
  var xs = lat.t.map(function (t, i) { return [t, lat.ms[i], null]; }).concat(lat.lostT.map(function (t) { return [t, null, maxLat * 1.3]; }));
  xs.sort(function (a, b) { return a[0] - b[0]; });
  timeChart('chart-latency', [
    { label: 'latency', stroke: C.ws, fill: C.ws, paths: function () { return null; }, points: { show: true, size: 5, fill: C.ws, stroke: C.ws }, value: function (u, v) { return v == null ? '–' : fmtMs(v); } },
    { label: 'never applied', stroke: C.down, paths: function () { return null; }, points: { show: true, size: 8, fill: C.down, stroke: C.down }, value: function (u, v) { return v == null ? '–' : 'lost'; } },
  ], [xs.map(function (p) { return p[0]; }), xs.map(function (p) { return p[1] == null ? null : logY ? Math.max(p[1], 0.1) : p[1]; }), xs.map(function (p) { return p[2]; })], {
    scales: { x: { time: false, min: view.from / 1000, max: view.to / 1000 }, y: logY ? { distr: 3 } : { range: function (u, mn, mx) { return [0, Math.max(1, mx) * 1.1]; } } },
    axes: [xAxis(), { stroke: C.muted, grid: { stroke: C.grid }, size: 66, values: function (u, v) { return v.map(function (x) { return x == null ? '' : fmtMs(x); }); } }],
  });

  var H = D.durations, n = H.labels.length, idx = [];
  for (var b = 0; b < n; b++) idx.push(b);
  var bars = uPlot.paths.bars({ size: [0.72, 90] });
  var durEl = document.getElementById('chart-durations');
  var durChart = new uPlot({
    width: chartWidth(durEl), height: 210,
    scales: { x: { time: false, range: [-0.5, n - 0.5] }, y: { range: function (u, mn, mx) { return [0, Math.max(1, mx) * 1.1]; } } },
    axes: [
      { stroke: C.muted, grid: { show: false }, splits: function () { return idx; }, values: function (u, v) { return v.map(function (i) { return H.labels[i] || ''; }); }, rotate: n > 8 ? -30 : 0, size: n > 8 ? 56 : 30 },
      { stroke: C.muted, grid: { stroke: C.grid }, size: 48 },
    ],
    cursor: { drag: { x: false, y: false } },
    series: [
      { label: 'bin', value: function (u, v) { return v == null ? '–' : H.labels[v]; } },
      { label: 'all (incl. open at end)', stroke: '#56b4e9', fill: 'rgba(86,180,233,0.55)', paths: bars, points: { show: false } },
      { label: 'closed', stroke: C.ws, fill: 'rgba(0,114,178,0.85)', paths: bars, points: { show: false } },
    ],
  }, [idx, H.closed.map(function (c, i) { return c + H.openAtEnd[i]; }), H.closed], durEl);

  // ---- resources ---------------------------------------------------------
  // One chart per metric, one line per component. Components sample at their
  // own instants, so uPlot.join aligns them: a slot one component has no sample
  // for is undefined and the line runs across it, while the null point
  // report-data put between two processes breaks the line.
  var R = D.resources;
  var RES_COLORS = ['#0072b2', '#009e73', '#d55e00', '#56b4e9', '#e69f00', '#111827'];
  var resCharts = 0;
  function fmtVal(v, unit) {
    if (v == null) return '–';
    var digits = Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2;
    return (unit === '' ? String(Math.round(v * 10) / 10) : v.toFixed(digits)) + (unit ? ' ' + unit : '');
  }
  function resourcePlugin(chart) {
    // Drawn after the axes and before the series, so the samples stay on top where a trend runs right along them.
    return { hooks: { drawAxes: [function (u) {
      var ctx = u.ctx, b = u.bbox;
      ctx.save();
      ctx.beginPath(); ctx.rect(b.left, b.top, b.width, b.height); ctx.clip();
      ctx.font = (11 * dpr) + 'px system-ui, sans-serif'; ctx.textBaseline = 'bottom';
      chart.trends.forEach(function (tr) {
        var color = RES_COLORS[tr.component % RES_COLORS.length];
        tr.lines.forEach(function (l) {
          ctx.beginPath();
          ctx.moveTo(u.valToPos(l[0], 'x', true), u.valToPos(l[1], 'y', true));
          ctx.lineTo(u.valToPos(l[2], 'x', true), u.valToPos(l[3], 'y', true));
          ctx.setLineDash([7 * dpr, 4 * dpr]); ctx.strokeStyle = color; ctx.globalAlpha = 0.75; ctx.lineWidth = 2.5 * dpr; ctx.stroke();
          ctx.globalAlpha = 1;
        });
      });
      if (chart.bound) {
        var y = u.valToPos(chart.bound.value, 'y', true);
        if (y >= b.top && y <= b.top + b.height) {
          ctx.strokeStyle = C.down; ctx.lineWidth = dpr; ctx.setLineDash([4 * dpr, 3 * dpr]);
          ctx.beginPath(); ctx.moveTo(b.left, y); ctx.lineTo(b.left + b.width, y); ctx.stroke();
          ctx.fillStyle = C.down; ctx.textAlign = 'right';
          ctx.fillText('check bound ' + fmtVal(chart.bound.value, 'ms'), b.left + b.width - 4 * dpr, y - 2 * dpr);
        }
      }
      ctx.restore();
    }] } };
  }
  if (R) R.charts.forEach(function (chart) {
    var tables = [], series = [];
    chart.values.forEach(function (vals, ci) {
      if (!vals) return;
      var comp = R.components[ci];
      tables.push([comp.t, vals]);
      series.push({
        label: comp.name, stroke: RES_COLORS[ci % RES_COLORS.length], width: 1.5,
        points: { show: false },
        value: function (u, v) { return fmtVal(v, chart.unit); },
      });
    });
    var fromZero = chart.metric === 'handles' || chart.metric === 'lag';
    // Memory keeps its own range so a trend is visible, but spans at least a quarter of its peak:
    // 20 KB of jitter on 4 MiB is flat, not a sawtooth. Counts and delays start at 0, where 0 means something.
    var yRange = fromZero
      ? function (u, mn, mx) { return [0, Math.max(1, mx) * 1.1]; }
      : function (u, mn, mx) {
        if (mn == null) return [0, 1];
        var half = Math.max(mx - mn, mx * 0.25) / 2 * 1.1 || 1, mid = (mn + mx) / 2;
        return [Math.max(0, mid - half), mid + half];
      };
    var el = document.getElementById('res-' + chart.metric);
    timeChart('res-' + chart.metric, series, uPlot.join(tables), {
      height: 170,
      scales: {
        x: { time: false, min: view.from / 1000, max: view.to / 1000 },
        y: { range: yRange },
      },
      axes: [
        xAxis(),
        // A short chart: ticks 24 px apart rather than uPlot's 30, so the y axis gets at least two labels.
        { stroke: C.muted, grid: { stroke: C.grid }, size: 48, space: 24 },
      ],
      plugins: [bandsPlugin(), resourcePlugin(chart)],
    });
    el.dataset.series = String(series.length);
    el.dataset.trends = String(chart.trends.length);
    resCharts++;
  });
  if (R) document.getElementById('resources').dataset.charts = String(resCharts);

  // ---- machine -----------------------------------------------------------
  // Busy share and run queue per core on one chart (two y scales), each
  // component's CPU in cores on another, both with the run's phases marked and
  // the machine-headroom check's saturated windows shaded under the bands.
  var M = D.machine;
  function machinePlugin() {
    return { hooks: { drawClear: [function (u) {
      var ctx = u.ctx, b = u.bbox, drawn = 0;
      ctx.save();
      ctx.beginPath(); ctx.rect(b.left, b.top, b.width, b.height); ctx.clip();
      M.saturated.forEach(function (w) {
        var x0 = Math.max(b.left, u.valToPos(w.fromMs / 1000, 'x', true)), x1 = Math.min(b.left + b.width, u.valToPos(w.toMs / 1000, 'x', true));
        if (x1 < x0) return;
        ctx.fillStyle = 'rgba(213,94,0,0.16)'; ctx.fillRect(x0, b.top, Math.max(2 * dpr, x1 - x0), b.height);
        ctx.fillStyle = C.down; ctx.fillRect(x0, b.top, Math.max(2 * dpr, x1 - x0), 4 * dpr);
        drawn++;
      });
      ctx.restore();
      // Read by the browser test: the saturated windows in view at the last draw.
      if (u.root.parentNode) u.root.parentNode.dataset.saturatedDrawn = String(drawn);
    }], draw: [function (u) {
      // Phase marks over the series, labelled at the top like the timeline's axis; a label that would overlap the previous one is left out.
      var ctx = u.ctx, b = u.bbox, labelEnd = -Infinity;
      ctx.save();
      ctx.font = (11 * dpr) + 'px system-ui, sans-serif'; ctx.textBaseline = 'top'; ctx.textAlign = 'left';
      D.phases.forEach(function (p) {
        var x = Math.round(u.valToPos(p.t / 1000, 'x', true)) + 0.5;
        if (x < b.left || x > b.left + b.width) return;
        ctx.strokeStyle = 'rgba(31,41,55,0.35)'; ctx.lineWidth = dpr; ctx.setLineDash([2 * dpr, 3 * dpr]);
        ctx.beginPath(); ctx.moveTo(x, b.top); ctx.lineTo(x, b.top + b.height); ctx.stroke();
        var text = p.phase, width = ctx.measureText(text).width, lx = Math.min(x + 3 * dpr, b.left + b.width - width);
        if (lx < labelEnd + 4 * dpr) return;
        ctx.fillStyle = C.muted; ctx.fillText(text, lx, b.top + 6 * dpr);
        labelEnd = lx + width;
      });
      ctx.restore();
    }] } };
  }
  var machineCharts = 0;
  if (M.load) {
    var ML = M.load, loadEl = document.getElementById('machine-load');
    timeChart('machine-load', [
      { label: 'busy', scale: '%', stroke: C.down, width: 1.5, fill: 'rgba(213,94,0,0.08)', value: function (u, v) { return v == null ? '–' : v.toFixed(1) + ' %'; } },
      { label: 'run queue per core', scale: 'rq', stroke: C.ws, width: 1.5, dash: [5, 3], value: function (u, v) { return v == null ? '–' : v.toFixed(2); } },
    ], [ML.t, ML.busyPct, ML.runQueuePerCore], {
      height: 170,
      scales: {
        x: { time: false, min: view.from / 1000, max: view.to / 1000 },
        '%': { range: [0, 100] },
        // 1.5 at least, so "1 runnable per core" sits mid-chart on an idle run rather than at the top.
        rq: { range: function (u, mn, mx) { return [0, Math.max(1.5, (mx || 0) * 1.1)]; } },
      },
      axes: [
        xAxis(),
        { scale: '%', stroke: C.muted, grid: { stroke: C.grid }, size: 48, space: 24, values: function (u, v) { return v.map(function (x) { return x + '%'; }); } },
        { scale: 'rq', side: 1, stroke: C.ws, grid: { show: false }, size: 40, space: 24 },
      ],
      plugins: [machinePlugin(), bandsPlugin()],
    });
    loadEl.dataset.series = '2';
    machineCharts++;
  }
  if (M.cpu.length) {
    var cpuEl = document.getElementById('machine-cpu'), cores = M.load ? M.load.cores : 0;
    timeChart('machine-cpu', M.cpu.map(function (c, ci) {
      return { label: c.name, stroke: RES_COLORS[ci % RES_COLORS.length], width: 1.5, points: { show: false }, value: function (u, v) { return v == null ? '–' : v.toFixed(2) + ' cores'; } };
    }), uPlot.join(M.cpu.map(function (c) { return [c.t, c.cores]; })), {
      height: 170,
      scales: {
        x: { time: false, min: view.from / 1000, max: view.to / 1000 },
        // Up to the machine's cores when known, so a component at the ceiling looks like one.
        y: { range: function (u, mn, mx) { return [0, Math.max(cores, (mx || 0) * 1.1, 0.1)]; } },
      },
      axes: [xAxis(), { stroke: C.muted, grid: { stroke: C.grid }, size: 48, space: 24 }],
      plugins: [machinePlugin(), bandsPlugin(), { hooks: { drawAxes: [function (u) {
        if (!cores) return;
        var ctx = u.ctx, b = u.bbox, y = u.valToPos(cores, 'y', true);
        ctx.save();
        ctx.strokeStyle = C.down; ctx.lineWidth = dpr; ctx.setLineDash([4 * dpr, 3 * dpr]);
        ctx.beginPath(); ctx.moveTo(b.left, y); ctx.lineTo(b.left + b.width, y); ctx.stroke();
        ctx.font = (11 * dpr) + 'px system-ui, sans-serif'; ctx.textBaseline = 'top'; ctx.textAlign = 'right'; ctx.fillStyle = C.down;
        ctx.fillText('all ' + cores + ' cores', b.left + b.width - 4 * dpr, y + 2 * dpr);
        ctx.restore();
      }] } }],
    });
    cpuEl.dataset.series = String(M.cpu.length);
    machineCharts++;
  }
  document.getElementById('machine').dataset.charts = String(machineCharts);

  // ---- header ------------------------------------------------------------
  document.querySelectorAll('button.copy').forEach(function (btn) {
    btn.addEventListener('click', function () {
      var el = document.getElementById(btn.dataset.copy);
      var done = function () {
        btn.textContent = 'Copied';
        btn.dataset.copied = 'true';
        setTimeout(function () { btn.textContent = 'Copy'; }, 1500);
      };
      var fallback = function () {
        // file:// pages may have no async clipboard; a selection plus execCommand still works there.
        var range = document.createRange(); range.selectNodeContents(el);
        var sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
        try { document.execCommand('copy'); done(); } catch (e) { btn.textContent = 'Select + Ctrl-C'; btn.dataset.copied = 'false'; }
      };
      if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(el.textContent).then(done, fallback);
      else fallback();
    });
  });

  var resizePending = false;
  window.addEventListener('resize', function () {
    if (resizePending) return;
    resizePending = true;
    requestAnimationFrame(function () {
      resizePending = false;
      charts.concat([durChart]).forEach(function (u) { u.setSize({ width: chartWidth(u.root.parentNode), height: u.height }); });
      drawTimeline();
    });
  });

  drawTimeline();
  ready = true;
  document.body.dataset.renderMs = String(Math.round(performance.now() - started));
  document.body.dataset.ready = 'true';
})();
