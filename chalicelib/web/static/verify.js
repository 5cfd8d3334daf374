/* /verify: a token from the link's fragment, a paste, an uploaded QR image or the camera →
   POST /proofs/verify → a green or red answer in Korean. Signed-in auditors get the record. */
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const FLAG_TEXT = { accuracy_suspicious: "정확도 값 의심", speed_implausible: "비현실적 이동 속도",
    clock_skew: "단말기 시각 차이", repeated_fix: "이전과 같은 좌표", delayed: "오프라인 지연 전송" };

  function tokenFrom(text) {
    const value = (text || "").trim();
    const hash = value.lastIndexOf("#");
    return hash >= 0 ? value.slice(hash + 1) : value;
  }
  function item(dl, key, value) {
    const dt = document.createElement("dt"); dt.textContent = key;
    const dd = document.createElement("dd"); dd.textContent = value === undefined || value === null ? "-" : value;
    dl.append(dt, dd);
  }
  function error(message) {
    if (!message) { $("error").classList.add("hidden"); return; }
    gdesk.showError($("error"), { message: message });
  }

  function showResult(result) {
    const box = $("result");
    box.className = "result " + (result.valid ? "valid" : "invalid");
    const title = document.createElement("h2");
    title.id = "verdict";
    title.textContent = result.valid ? "✔ 유효한 출장 증빙입니다" : "✖ 유효하지 않은 증빙입니다";
    const parts = [title];
    const s = result.summary;
    if (s) {
      const line = document.createElement("p");
      line.textContent = "판정 " + s.judged_at + " · 발급 " + s.issued_at + " (한국 시각)";
      parts.push(line);
      if (s.message) { const m = document.createElement("p"); m.textContent = s.message; parts.push(m); }
      if (s.flags && s.flags.length) {
        const f = document.createElement("p");
        f.textContent = "주의: " + s.flags.map((x) => FLAG_TEXT[x] || x).join(", ");
        parts.push(f);
      }
    }
    if (result.reasons && result.reasons.length) {
      const ul = document.createElement("ul");
      ul.id = "reasons";
      for (const reason of result.reasons) {
        const li = document.createElement("li"); li.textContent = reason; ul.appendChild(li);
      }
      parts.push(ul);
    }
    box.replaceChildren(...parts);
    showRecord(result.record);
  }

  function showRecord(record) {
    const card = $("record");
    if (!record) { card.classList.add("hidden"); return; }
    const title = document.createElement("h2");
    title.textContent = "감사용 상세 기록 (열람이 기록되었습니다)";
    const dl = document.createElement("dl");
    dl.className = "kv";
    item(dl, "출장자", record.traveller.name + " (" + record.traveller.employee_id + ") · " + record.traveller.department);
    if (record.trip) {
      item(dl, "출장지", record.trip.destination + (record.trip.address ? " · " + record.trip.address : ""));
      item(dl, "출장 목적", record.trip.purpose);
      item(dl, "출장 시간", record.trip.start.replace("T", " ").slice(0, 16) + " ~ " + record.trip.end.replace("T", " ").slice(0, 16));
      item(dl, "허용 반경", record.trip.radius_m + "m");
    }
    if (record.position) {
      item(dl, "위치", record.position.lat.toFixed(6) + ", " + record.position.lon.toFixed(6));
      item(dl, "정확도", record.position.accuracy_m + "m");
      item(dl, "목적지 거리", record.position.distance_m + "m");
    } else {
      item(dl, "위치", record.position_note);
    }
    item(dl, "판정", record.verdict.message);
    if (record.revoked) item(dl, "취소", record.revoked.reason + " (" + record.revoked.by + ")");
    card.replaceChildren(title, dl);
    if (record.trip) card.appendChild(gdesk.evidenceButton(record.trip.trip_id, (err) => error(err.message)));
    card.classList.remove("hidden");
  }

  async function verify(text) {
    const token = tokenFrom(text);
    if (!token) { error("토큰을 입력하세요."); return; }
    error(null);
    $("token").value = token;
    try {
      const result = await gdesk.api("/proofs/verify", { method: "POST", json: { token: token }, noRedirect: true });
      showResult(result);
    } catch (err) {
      error(err.message);
    }
  }

  async function decodeImage(file) {
    if ("BarcodeDetector" in window) {
      try {
        const detector = new BarcodeDetector({ formats: ["qr_code"] });
        const codes = await detector.detect(await createImageBitmap(file));
        if (codes.length) return codes[0].rawValue;
      } catch (e) { /* fall back to the server */ }
    }
    const response = await fetch(gdesk.url("/proofs/decode-qr"), { method: "POST", body: file,
      headers: { "Content-Type": file.type || "application/octet-stream" } });
    const body = await response.json();
    if (!response.ok) throw body.error || { message: "QR 코드를 읽지 못했습니다." };
    return body.text;
  }

  async function scan() {
    if (!("BarcodeDetector" in window) || !navigator.mediaDevices) {
      error("이 브라우저는 카메라 QR 읽기를 지원하지 않습니다. 휴대폰 기본 카메라로 QR을 비추거나 이미지를 올리세요.");
      return;
    }
    const video = $("camera");
    const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    video.srcObject = stream;
    video.classList.remove("hidden");
    await video.play();
    const detector = new BarcodeDetector({ formats: ["qr_code"] });
    const stop = () => { stream.getTracks().forEach((t) => t.stop()); video.classList.add("hidden"); };
    const started = Date.now();
    (async function loop() {
      if (Date.now() - started > 60000) { stop(); return; }
      try {
        const codes = await detector.detect(video);
        if (codes.length) { stop(); await verify(codes[0].rawValue); return; }
      } catch (e) { /* keep trying */ }
      requestAnimationFrame(loop);
    })();
  }

  $("check").addEventListener("click", () => verify($("token").value));
  $("image").addEventListener("change", async (e) => {
    const file = e.target.files && e.target.files[0];
    if (!file) return;
    try { await verify(await decodeImage(file)); } catch (err) { error(err.message || String(err)); }
  });
  $("scan").addEventListener("click", () => scan().catch((err) => error("카메라를 열 수 없습니다: " + (err.message || err))));
  window.addEventListener("hashchange", () => verify(location.hash.slice(1)));

  // Signed out: the auditor's way in. The token being checked waits in this tab's session storage
  // (never in the login URL: a query string reaches server logs, the fragment does not).
  const PENDING_KEY = "gdesk.verify.pending";
  $("login-link").addEventListener("click", () => {
    const pending = tokenFrom(location.hash.slice(1) || $("token").value);
    if (pending) sessionStorage.setItem(PENDING_KEY, pending);
  });
  function signedOut() { $("auditor-login").classList.remove("hidden"); }
  if (gdesk.token()) {
    gdesk.api("/me", { noRedirect: true }).then((user) => gdesk.showUser(user)).catch(signedOut);
  } else {
    signedOut();
  }
  const pending = sessionStorage.getItem(PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  if (location.hash.length > 1) verify(location.hash.slice(1));
  else if (pending) verify(pending);
})();
