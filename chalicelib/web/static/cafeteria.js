/* Cafeteria crowding page: level badge, wait, zones, and today's curve over the usual band (inline SVG). */
(function () {
  "use strict";
  const REFRESH_MS = 15000;
  const SVG = "http://www.w3.org/2000/svg";
  const $ = (id) => document.getElementById(id);
  let cycle = 0;
  let forecast = null;

  function toMinute(hhmm) { const p = hhmm.split(":"); return Number(p[0]) * 60 + Number(p[1]); }
  function hhmm(minute) {
    const h = Math.floor(minute / 60), m = minute % 60;
    return String(h).padStart(2, "0") + ":" + String(m).padStart(2, "0");
  }
  function clock(iso) { return iso ? iso.slice(11, 19) : ""; }

  // Counters report every zone every few seconds, 0 included (their heartbeat): a zone whose
  // cameras were heard from and then fell silent has a dead counter, not an empty queue.
  function silence(item) { return item && item.stale && item.updated_at ? "카메라 응답 없음" : "데이터 없음"; }

  function setBadge(el, item, small) {
    const none = !item || item.stale || !item.level;
    el.className = "badge " + (none ? "level-none" : "level-" + item.level_code) + (small ? " small" : "");
    el.textContent = none ? silence(item) : item.level;
    el.dataset.level = none ? "" : item.level;
  }

  function renderNow(now) {
    const o = now.overall;
    setBadge($("badge"), o, false);
    if (o.stale) {
      $("wait").textContent = silence(o);
      $("count").textContent = o.updated_at
        ? clock(o.updated_at) + " 이후 카메라 응답이 없습니다. 카운터 PC와 카메라를 확인해 주세요."
        : "최근 2분 동안 카메라 보고가 없습니다.";
      $("trend").textContent = "";
    } else {
      $("wait").textContent = "예상 대기 " + o.wait_minutes + "분";
      $("count").textContent = "대기 인원 " + o.count + "명";
      const shortest = now.zones.find((z) => z.zone === o.shortest_zone);
      $("trend").textContent = shortest ? "가장 짧은 줄: " + shortest.name + " (" + shortest.wait_minutes + "분)" : "";
    }
    $("wait").dataset.wait = o.stale ? "" : String(o.wait_minutes);
    const replay = now.replay;
    $("replay").classList.toggle("hidden", !replay);
    if (replay) {
      $("replay").textContent = "데모 재생 중: 카메라 시뮬레이터가 점심시간을 " + replay.speed + "배속으로 재생합니다. " +
        "화면의 시각(" + clock(now.now).slice(0, 5) + ")은 실제 시각이 아닙니다. 실제 시각 " + clock(replay.real_now).slice(0, 5) + ".";
    }
    const label = replay ? " 기준 (재생 시각)" : " 기준 (현재 " + clock(now.now) + ")";
    $("updated").textContent = o.updated_at ? clock(o.updated_at) + label : "";
    const box = $("zones");
    box.textContent = "";
    now.zones.forEach((z) => {
      const card = document.createElement("div");
      card.className = "card zone";
      card.dataset.zone = z.zone;
      const head = document.createElement("div");
      head.className = "head";
      const name = document.createElement("strong");
      name.textContent = z.name;
      const badge = document.createElement("span");
      setBadge(badge, z, true);
      head.append(name, badge);
      const line = document.createElement("div");
      line.textContent = z.stale ? silence(z) : "대기 " + z.count + "명 · 약 " + z.wait_minutes + "분";
      const trend = document.createElement("div");
      trend.className = "muted";
      const arrow = { up: "↑", down: "↓", flat: "→" }[z.trend.direction] || "";
      trend.textContent = z.stale ? "" : "추세 " + arrow + " " + z.trend.label;
      card.append(head, line, trend);
      if (z.cameras_expected && z.cameras_reporting < z.cameras_expected && !z.stale) {
        const cams = document.createElement("div");
        cams.className = "muted warn";
        cams.textContent = "카메라 " + z.cameras_reporting + "/" + z.cameras_expected + "대 응답 (일부 누락)";
        card.append(cams);
      }
      box.append(card);
    });
  }

  function renderBest(fc) {
    if (fc.best) {
      $("best").textContent = fc.best.start + " ~ " + fc.best.end;
      $("best-note").textContent = "예상 대기 " + fc.best.wait_minutes + "분 · 지난 " + fc.history_days.length + "주 같은 요일 기준";
    } else {
      $("best").textContent = "-";
      const over = fc.slots.length && !fc.slots.some((s) => s.remaining);
      $("best-note").textContent = over ? "오늘 점심 시간이 끝났습니다." : "예측할 이력이 아직 없습니다.";
    }
  }

  function el(name, attrs, text) {
    const node = document.createElementNS(SVG, name);
    Object.keys(attrs).forEach((k) => node.setAttribute(k, attrs[k]));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /** Splits [x, y] points into runs without gaps longer than `gap` (x units). */
  function runs(points, gap) {
    const out = [];
    let run = [];
    points.forEach((p) => {
      if (run.length && p[0] - run[run.length - 1][0] > gap) { out.push(run); run = []; }
      run.push(p);
    });
    if (run.length) out.push(run);
    return out;
  }

  function renderChart(today, fc) {
    // Drawn at the box's own width, so the labels keep their real size on a phone.
    const wrap = $("chart-wrap");
    const W = Math.max(280, Math.round(wrap.clientWidth || 720)), H = W < 480 ? 220 : 260;
    const L = 36, R = 8, T = 12, B = 28;
    const tickEvery = W < 480 ? 60 : 30;
    const start = toMinute(today.lunch.start) - 30, end = toMinute(today.lunch.end) + 30;
    const todayPts = today.overall.map((p) => [toMinute(p.minute), p.wait_minutes])
      .filter((p) => p[0] >= start && p[0] <= end);
    const slots = (fc && fc.slots || []).filter((s) => s.wait_minutes !== null)
      .map((s) => [toMinute(s.start) + fc.slot_minutes / 2, s.low, s.wait_minutes, s.high]);
    let ymax = 5;
    todayPts.forEach((p) => { ymax = Math.max(ymax, p[1]); });
    slots.forEach((s) => { ymax = Math.max(ymax, s[3]); });
    ymax = Math.ceil(ymax / 5) * 5;
    const x = (m) => L + (m - start) / (end - start) * (W - L - R);
    const y = (v) => T + (1 - v / ymax) * (H - T - B);
    const svg = el("svg", { viewBox: "0 0 " + W + " " + H, role: "img", id: "chart",
      "aria-label": "오늘 대기 시간 그래프", "data-points": String(todayPts.length) });
    for (let v = 0; v <= ymax; v += ymax / 5) {
      svg.append(el("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), class: "grid" }));
      svg.append(el("text", { x: L - 6, y: y(v) + 4, "text-anchor": "end" }, String(Math.round(v))));
    }
    for (let m = Math.ceil(start / tickEvery) * tickEvery; m <= end; m += tickEvery) {
      // the first and last labels lean inwards so that none is cut at the edge
      const anchor = x(m) - L < 20 ? "start" : W - R - x(m) < 20 ? "end" : "middle";
      svg.append(el("text", { x: x(m), y: H - 8, "text-anchor": anchor }, hhmm(m)));
    }
    svg.append(el("line", { x1: L, x2: L, y1: T, y2: H - B, class: "axis" }));
    svg.append(el("line", { x1: L, x2: W - R, y1: H - B, y2: H - B, class: "axis" }));
    svg.append(el("text", { x: L + 4, y: T + 10 }, "분"));
    runs(slots, fc ? fc.slot_minutes : 10).forEach((run) => {
      const upper = run.map((s) => x(s[0]) + "," + y(s[3]));
      const lower = run.slice().reverse().map((s) => x(s[0]) + "," + y(s[1]));
      svg.append(el("polygon", { points: upper.concat(lower).join(" "), class: "band" }));
      svg.append(el("polyline", { points: run.map((s) => x(s[0]) + "," + y(s[2])).join(" "), class: "median" }));
    });
    runs(todayPts, 2).forEach((run) => {
      const attrs = { points: run.map((p) => x(p[0]) + "," + y(p[1])).join(" "), class: "today" };
      if (run.length === 1) attrs.points += " " + (x(run[0][0]) + 2) + "," + y(run[0][1]);
      svg.append(el("polyline", attrs));
    });
    const nowMinute = toMinute(today.now.slice(11, 16));
    if (nowMinute >= start && nowMinute <= end) {
      svg.append(el("line", { x1: x(nowMinute), x2: x(nowMinute), y1: T, y2: H - B, class: "nowline" }));
    }
    if (todayPts.length) {
      svg.dataset.lastWait = String(todayPts[todayPts.length - 1][1]);
      svg.dataset.maxWait = String(Math.max.apply(null, todayPts.map((p) => p[1])));
    }
    wrap.textContent = "";
    wrap.append(svg);
  }

  async function refresh() {
    try {
      const calls = [gdesk.api("/cafeteria/now"), gdesk.api("/cafeteria/today")];
      if (!forecast || cycle % 4 === 0) calls.push(gdesk.api("/cafeteria/forecast"));
      const results = await Promise.all(calls);
      if (results[2]) forecast = results[2];
      renderNow(results[0]);
      renderBest(forecast);
      renderChart(results[1], forecast);
      $("error").classList.add("hidden");
    } catch (err) {
      gdesk.showError($("error"), err);
    }
    cycle += 1;
  }

  gdesk.me().then(() => {
    refresh();
    setInterval(refresh, REFRESH_MS);
  });
})();
