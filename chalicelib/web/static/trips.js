/* /trip: today's trips, the consent notice, one tap → GPS fix → proof → full-screen QR.
   Offline: the fix is kept with its own timestamp and sent when the phone is back online
   (marked "delayed", judged at the fix's time, and flagged for the auditor). */
(function () {
  "use strict";
  const QUEUE_KEY = "gdesk.trips.queue";
  const REFUSED_KEY = "gdesk.trips.refused";  // "1": the user said no on this phone
  const OFFLINE_KEY = "gdesk.trips.offline";  // today's trips as last seen, for opening offline
  const $ = (id) => document.getElementById(id);
  let consentVersion = null;
  let selected = null;
  let busy = false;

  function kst(iso) {
    return new Date(iso).toLocaleString("ko-KR", { timeZone: "Asia/Seoul", month: "long", day: "numeric",
      hour: "2-digit", minute: "2-digit", hour12: false });
  }
  function nonce() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }
  function status(text) { $("tap-status").textContent = text || ""; }
  function error(text) {
    if (!text) { $("error").classList.add("hidden"); return; }
    gdesk.showError($("error"), { message: text });
  }

  // -- the offline queue ------------------------------------------------------------------------
  function queue() {
    try { return JSON.parse(localStorage.getItem(QUEUE_KEY) || "[]"); } catch (e) { return []; }
  }
  function saveQueue(items) { localStorage.setItem(QUEUE_KEY, JSON.stringify(items)); showQueue(); }
  function showQueue() {
    const items = queue();
    const note = $("offline-note");
    if (!items.length) { note.classList.add("hidden"); return; }
    note.textContent = "오프라인에서 기록한 위치 " + items.length + "건이 전송을 기다리고 있습니다. " +
      "연결되면 자동으로 보내며 '지연 전송'으로 표시됩니다.";
    note.classList.remove("hidden");
  }
  async function flushQueue() {
    const items = queue();
    if (!items.length || !navigator.onLine) return;
    const left = [];
    let last = null;
    for (const item of items) {
      try {
        last = await gdesk.api("/trips/" + encodeURIComponent(item.trip_id) + "/proofs",
          { method: "POST", json: item.body });
      } catch (err) {
        if (err.status === 0 || err.status >= 500) left.push(item);  // still offline: keep it
        else error("지연 전송 실패: " + err.message);                // refused: drop, say why
      }
    }
    saveQueue(left);
    if (last) await showProof(last);
  }

  // -- trips ------------------------------------------------------------------------------------
  function tripCard(trip, selectable) {
    const el = document.createElement(selectable ? "button" : "div");
    el.className = "trip";
    el.type = "button";
    el.dataset.tripId = trip.trip_id;
    const title = document.createElement("strong");
    title.textContent = trip.destination;
    const when = document.createElement("div");
    when.className = "when";
    when.textContent = kst(trip.start) + " ~ " + kst(trip.end) + " · 반경 " + trip.radius_m + "m";
    const purpose = document.createElement("div");
    purpose.className = "when";
    purpose.textContent = trip.purpose + (trip.address ? " · " + trip.address : "");
    el.append(title, when, purpose);
    if (trip.last_proof) {
      const last = document.createElement("div");
      last.className = "last";
      last.textContent = "최근 증빙: " + kst(trip.last_proof.created_at) + " · " +
        (trip.last_proof.passed ? "확인" : "미확인") + (trip.last_proof.revoked ? " (취소됨)" : "");
      el.appendChild(last);
    }
    if (selectable) el.addEventListener("click", () => select(trip));
    if (!trip.last_proof) return el;
    const evidence = gdesk.evidenceButton(trip.trip_id, (err) => error(err.message));
    if (!selectable) { el.appendChild(evidence); return el; }
    const wrap = document.createElement("div");  // a button cannot hold another button
    wrap.append(el, evidence);
    return wrap;
  }
  function select(trip) {
    selected = trip;
    document.querySelectorAll("#trip-list .trip").forEach((el) =>
      el.classList.toggle("selected", el.dataset.tripId === trip.trip_id));
    $("tap").disabled = false;
    $("tap").textContent = trip.destination + " 도착 확인";
  }

  function kstDay() { return new Date().toLocaleDateString("ko-KR", { timeZone: "Asia/Seoul" }); }

  /** /trips, or offline the copy of today's trips kept at the last visit today. */
  async function fetchTrips() {
    try {
      const data = await gdesk.api("/trips");
      const keep = Object.assign({}, data, { trips: data.trips.filter((t) => t.today), day: kstDay() });
      localStorage.setItem(OFFLINE_KEY, JSON.stringify(keep));
      return data;
    } catch (err) {
      let saved = null;
      try { saved = JSON.parse(localStorage.getItem(OFFLINE_KEY) || "null"); } catch (e) { saved = null; }
      if (err.status !== 0 || !saved || saved.day !== kstDay()) throw err;
      return Object.assign(saved, { offline: true });
    }
  }

  function showNetwork(offline) {
    const note = $("network-note");
    note.textContent = offline ? "지금은 오프라인입니다. 버튼을 누르면 위치를 이 휴대폰에 저장했다가, " +
      "연결되면 자동으로 보냅니다(‘지연 전송’으로 표시)." : "";
    note.classList.toggle("hidden", !offline);
  }

  async function load() {
    const data = await fetchTrips();
    showNetwork(!!data.offline || !navigator.onLine);
    consentVersion = data.consent_version;
    if (data.retention) $("position-days").textContent = data.retention.position_days;
    const refused = !data.consent && localStorage.getItem(REFUSED_KEY) === "1";
    $("consent").classList.toggle("hidden", !!data.consent || refused);
    $("refused").classList.toggle("hidden", !refused);
    $("consent-manage").classList.toggle("hidden", !data.consent || !!data.offline);
    const today = data.trips.filter((t) => t.today);
    const other = data.trips.filter((t) => !t.today).slice(0, 10);
    $("trip-list").replaceChildren(...today.map((t) => tripCard(t, true)));
    $("other-list").replaceChildren(...other.map((t) => tripCard(t, false)));
    $("today").classList.toggle("hidden", !data.consent || !today.length);
    $("no-trip").classList.toggle("hidden", !data.consent || !!today.length);
    $("other").classList.toggle("hidden", !other.length);
    if (today.length) select(today.find((t) => selected && t.trip_id === selected.trip_id) || today[0]);
  }

  function consentStatus(text) {
    $("consent-status").textContent = text || "";
    $("consent-status").classList.toggle("hidden", !text);
  }

  // -- one tap ----------------------------------------------------------------------------------
  function locate() {
    return new Promise((resolve, reject) => {
      if (!("geolocation" in navigator)) { reject({ code: 2 }); return; }
      navigator.geolocation.getCurrentPosition(resolve, reject,
        { enableHighAccuracy: true, timeout: 20000, maximumAge: 0 });
    });
  }
  const GEO_ERRORS = {
    1: "위치 권한이 거부되었습니다. 브라우저(또는 휴대폰) 설정에서 이 사이트의 위치 권한을 허용한 뒤 다시 누르세요.",
    2: "현재 위치를 확인할 수 없습니다. 위치 서비스(GPS)를 켜고, 실내라면 창가나 실외에서 다시 누르세요.",
    3: "위치 확인 시간이 초과되었습니다. 하늘이 보이는 곳에서 다시 누르세요.",
  };

  async function tap() {
    if (busy || !selected) return;
    busy = true;
    error(null);
    $("tap").disabled = true;
    status("현재 위치를 확인하는 중…");
    let position;
    try {
      position = await locate();
    } catch (err) {
      error(GEO_ERRORS[err.code] || GEO_ERRORS[2]);
      status("");
      busy = false; $("tap").disabled = false;
      return;
    }
    const c = position.coords;
    const body = { lat: c.latitude, lon: c.longitude, accuracy_m: c.accuracy,
      captured_at: new Date(position.timestamp || Date.now()).toISOString(), nonce: nonce() };
    if (c.altitude !== null && c.altitude !== undefined) body.altitude = c.altitude;
    if (c.speed !== null && c.speed !== undefined && c.speed >= 0) body.speed = c.speed;
    if (c.heading !== null && c.heading !== undefined && !isNaN(c.heading)) body.heading = c.heading;
    status("증빙을 만드는 중…");
    try {
      if (!navigator.onLine) throw { status: 0 };
      const proof = await gdesk.api("/trips/" + encodeURIComponent(selected.trip_id) + "/proofs",
        { method: "POST", json: body });
      status("");
      await showProof(proof);
      load().catch(() => {});
    } catch (err) {
      if (err.status === 0) {
        body.delayed = true;
        saveQueue(queue().concat([{ trip_id: selected.trip_id, body: body }]));
        status("오프라인: " + kst(body.captured_at) + " 위치를 저장했습니다. 연결되면 자동으로 전송합니다.");
      } else {
        error(err.message);
        status("");
      }
    } finally {
      busy = false; $("tap").disabled = false;
    }
  }

  async function showProof(proof) {
    const v = proof.verdict;
    const verdict = $("qr-verdict");
    verdict.textContent = v.passed ? "출장지 확인" : "출장지 미확인";
    verdict.className = "qr-verdict " + (v.passed ? "pass" : "fail");
    $("qr-detail").textContent = "목적지에서 " + (v.distance_m >= 1000 ? (v.distance_m / 1000).toFixed(1) + "km"
      : v.distance_m + "m") + " · " + kst(proof.judged_at) + (proof.delayed ? " · 지연 전송" : "") +
      (proof.repeated ? " · 방금 만든 증빙" : "");
    const reasons = (v.reasons || []).map((text) => {
      const li = document.createElement("li");
      li.textContent = text;
      return li;
    });
    $("qr-reasons").replaceChildren(...reasons);
    const response = await fetch(gdesk.url(proof.qr_png), { headers: { Authorization: "Bearer " + gdesk.token() } });
    if (!response.ok) throw { status: response.status, message: "QR 코드를 불러오지 못했습니다." };
    const image = $("qr-image");
    if (image.src.startsWith("blob:")) URL.revokeObjectURL(image.src);
    image.src = URL.createObjectURL(await response.blob());
    image.dataset.proofId = proof.proof_id;
    const failed = document.createElement("p");  // on the full-screen QR, the page's error box is hidden
    failed.className = "qr-failed";
    $("qr-evidence").replaceChildren(gdesk.evidenceButton(proof.trip_id, (err) => { failed.textContent = err.message; },
      "증빙서 PDF 저장 (여비 정산 첨부용)"), failed);
    $("qr-screen").classList.remove("hidden");
  }

  $("agree").addEventListener("click", async () => {
    try {
      await gdesk.api("/trips/consent", { method: "POST", json: { version: consentVersion, agree: true } });
      localStorage.removeItem(REFUSED_KEY);
      consentStatus("");
      await load();
    } catch (err) { error(err.message); }
  });
  $("refuse").addEventListener("click", () => {  // nothing is sent: no consent is the default
    localStorage.setItem(REFUSED_KEY, "1");
    $("consent").classList.add("hidden");
    $("refused").classList.remove("hidden");
    $("review").focus();
  });
  $("review").addEventListener("click", () => {
    localStorage.removeItem(REFUSED_KEY);
    $("refused").classList.add("hidden");
    $("consent").classList.remove("hidden");
    $("agree").focus();
  });
  function showWithdraw(open) {
    $("withdraw-card").classList.toggle("hidden", !open);
    $("withdraw").setAttribute("aria-expanded", String(open));
  }
  $("withdraw").addEventListener("click", () => showWithdraw($("withdraw-card").classList.contains("hidden")));
  $("withdraw-cancel").addEventListener("click", () => { showWithdraw(false); $("withdraw").focus(); });
  $("withdraw-confirm").addEventListener("click", async () => {
    try {
      const result = await gdesk.api("/trips/consent", { method: "DELETE" });
      saveQueue([]);  // fixes waiting on this phone were taken under the consent: they go too
      showWithdraw(false);
      consentStatus("위치정보 동의를 철회했습니다. 증빙 " + result.positions_erased + "건의 정확한 위치를 파기했습니다. " +
        "확인 결과는 정산 보존 기간 동안 남습니다. 다시 동의하면 새 증빙을 만들 수 있습니다.");
      await load();
    } catch (err) { error(err.message); }
  });
  $("tap").addEventListener("click", tap);
  $("qr-close").addEventListener("click", () => $("qr-screen").classList.add("hidden"));
  window.addEventListener("online", () => flushQueue().catch(() => {}));

  window.addEventListener("offline", () => showNetwork(true));
  window.addEventListener("online", () => showNetwork(false));

  (async function start() {
    showQueue();
    try {
      await gdesk.me();
      await load();
      await flushQueue();
    } catch (err) { error(err.message); }
  })();
})();
