/* Cafeteria widget for the internal portal (framed): the level, the wait and the best time. */
(function () {
  "use strict";
  const REFRESH_MS = 15000;
  const $ = (id) => document.getElementById(id);

  async function refresh() {
    if (!gdesk.token()) { $("signin").classList.remove("hidden"); $("badge").textContent = "-"; return; }
    try {
      const now = await gdesk.api("/cafeteria/now", { noRedirect: true });
      const fc = await gdesk.api("/cafeteria/forecast", { noRedirect: true });
      const o = now.overall;
      const badge = $("badge");
      const none = o.stale || !o.level;
      badge.className = "badge " + (none ? "level-none" : "level-" + o.level_code);
      badge.textContent = none ? (o.stale && o.updated_at ? "카메라 응답 없음" : "데이터 없음") : o.level;
      badge.dataset.level = none ? "" : o.level;
      $("wait").textContent = none ? "" : "예상 대기 " + o.wait_minutes + "분";
      $("best").textContent = fc.best ? "한가한 시간 " + fc.best.start + "~" + fc.best.end : "";
      $("updated").textContent = o.updated_at ? o.updated_at.slice(11, 16) + (now.replay ? " 기준 (데모 재생 시각)" : " 기준") : "";
      $("signin").classList.add("hidden");
    } catch (err) {
      if (err && err.status === 401) { $("signin").classList.remove("hidden"); return; }
      $("updated").textContent = (err && err.message) || "불러오지 못했습니다.";
    }
  }

  refresh();
  setInterval(refresh, REFRESH_MS);
})();
