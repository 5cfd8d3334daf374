/* My Photo - the desktop page. Shows a pairing QR (single use, 5 minutes, renewed when it
   expires) and polls the photo list every second with If-None-Match: the server answers 304
   until a photo arrives, is processed or is deleted, so a new photo shows within ~1 s of being
   processed. Per photo: download (logged), copy to the clipboard, "보내기", delete. */
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const POLL_MS = 1000;
  let etag = null;
  let pairingExpires = 0;
  let pairingId = null;
  let pairedUntil = 0;
  let cursor = null;
  const seen = new Set();
  let first = true;

  function fail(err) { gdesk.showError($("error"), (err && err.message) || String(err)); }

  async function newPairing() {
    const pairing = await gdesk.api("/photos/pairings", { method: "POST" });
    $("qr").src = "data:image/svg+xml;base64," + btoa(pairing.qr_svg);
    $("qr").dataset.link = pairing.link;
    $("pair-link").textContent = pairing.link;
    pairingExpires = pairing.expires_at;
    pairingId = pairing.pairing_id;
    pairedUntil = 0;
    $("qr-box").classList.remove("hidden");
    $("paired").classList.add("hidden");
  }

  function clock(seconds) {
    return Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
  }

  async function tick() {
    const now = Date.now() / 1000;
    if (pairedUntil) { // a phone scanned the QR: show how long it stays connected
      const left = Math.round(pairedUntil - now);
      if (left <= 0) { await newPairing(); return; }
      $("paired").textContent = "📱 휴대폰이 연결되었습니다 · 연결 " + clock(left) + " 남음";
      return;
    }
    const left = Math.round(pairingExpires - now);
    if (pairingExpires && left <= 0) {
      pairingExpires = 0;
      await newPairing();
      return;
    }
    $("countdown").textContent = "QR 유효 시간 " + clock(left);
    if (pairingId && Math.round(now) % 2 === 0) {
      const state = await gdesk.api("/photos/pairings/" + pairingId);
      if (state.status === "paired") {
        pairedUntil = state.session_expires_at;
        $("qr-box").classList.add("hidden");
        $("paired").classList.remove("hidden");
        $("paired").textContent = "📱 휴대폰이 연결되었습니다 · 연결 " + clock(Math.round(pairedUntil - now)) + " 남음";
      }
    }
  }

  async function poll() {
    const headers = { Authorization: "Bearer " + gdesk.token() };
    if (etag) headers["If-None-Match"] = etag;
    try {
      const response = await fetch(gdesk.url("/photos?limit=30"), { headers });
      if (response.status === 401) { gdesk.setToken(null); gdesk.toLogin(); return; }
      if (response.status === 200) {
        etag = response.headers.get("ETag");
        const page = await response.json();
        render(page.photos, false);
        cursor = page.next_cursor;
        $("more").classList.toggle("hidden", !cursor);
        $("error").classList.add("hidden");
      }
    } catch (e) { /* offline for a moment: the next poll tries again */ }
    setTimeout(poll, POLL_MS);
  }

  function describe(photo) {
    const parts = [];
    if (photo.taken_at) parts.push(photo.taken_at.replace("T", " ").slice(0, 16));
    if (photo.camera) parts.push(photo.camera);
    if (photo.width) parts.push(photo.width + "×" + photo.height);
    if (photo.has_location && !photo.location_kept) parts.push("위치 정보 지움");
    return parts.join(" · ");
  }

  function card(photo) {
    const node = $("photo-card").content.firstElementChild.cloneNode(true);
    node.dataset.photoId = photo.photo_id;
    node.dataset.status = photo.status;
    node.querySelector(".name").textContent = photo.filename;
    node.querySelector(".view").setAttribute("aria-label", "크게 보기: " + photo.filename);
    [["download", "다운로드"], ["copy", "복사"], ["send", "보내기"], ["delete", "삭제"]].forEach(([c, label]) =>
      node.querySelector("." + c).setAttribute("aria-label", label + ": " + photo.filename));
    const img = node.querySelector(".image");
    if (photo.status === "ready") {
      img.src = photo.urls.web;
      img.alt = photo.filename;
      node.querySelector(".view").href = photo.urls.web;
      node.querySelector(".meta").textContent = describe(photo);
    } else {
      node.querySelector(".meta").textContent = photo.status === "uploading" ? "올리는 중…" : "";
      node.querySelector(".reason").textContent = photo.status === "rejected" ? "거부됨: " + photo.reason : "";
      ["download", "copy", "send"].forEach((c) => { node.querySelector("." + c).disabled = true; });
    }
    const note = (text) => { node.querySelector(".note").textContent = text; };
    node.querySelector(".download").addEventListener("click", () => download(photo, note));
    node.querySelector(".copy").addEventListener("click", () => copy(node, note));
    node.querySelector(".send").addEventListener("click", () => send(photo, note));
    node.querySelector(".delete").addEventListener("click", () => remove(photo, node, note));
    if (!first && !seen.has(photo.photo_id + photo.status)) node.classList.add("new");
    seen.add(photo.photo_id + photo.status);
    return node;
  }

  function render(photos, append) {
    const grid = $("grid");
    const existing = new Map(Array.from(grid.children).map((n) => [n.dataset.photoId, n]));
    const nodes = photos.map((p) => {
      const old = existing.get(p.photo_id);
      return old && old.dataset.status === p.status ? old : card(p); // keep loaded images
    });
    if (append) nodes.forEach((n) => grid.appendChild(n));
    else {
      // Keep older pages loaded with "더 보기" (ids sort by time: older ids are smaller).
      const lastId = photos.length ? photos[photos.length - 1].photo_id : "";
      const older = Array.from(grid.children).filter((n) => lastId && n.dataset.photoId < lastId);
      grid.replaceChildren(...nodes, ...older);
    }
    first = false;
    const ready = photos.filter((p) => p.status === "ready").length;
    $("status").textContent = photos.length ? "사진 " + grid.children.length + "장 (최근 " + ready + "장 준비됨)"
      : "아직 사진이 없습니다. 휴대폰으로 QR을 찍고 사진을 올려 보세요.";
  }

  async function more() {
    const page = await gdesk.api("/photos?limit=30&cursor=" + encodeURIComponent(cursor));
    render(page.photos, true);
    cursor = page.next_cursor;
    $("more").classList.toggle("hidden", !cursor);
  }

  async function download(photo, note) {
    try {
      const link = await gdesk.api("/photos/" + photo.photo_id + "/download");
      const a = document.createElement("a");
      a.href = link.url; a.download = link.filename; document.body.appendChild(a); a.click(); a.remove();
      note("내려받기를 시작했습니다.");
    } catch (e) { note(e.message); }
  }

  async function copy(node, note) {
    try {
      const img = node.querySelector(".image");
      const blob = await (await fetch(img.src, { mode: "cors" })).blob();
      const bitmap = await createImageBitmap(blob);
      const canvas = document.createElement("canvas");
      canvas.width = bitmap.width; canvas.height = bitmap.height;
      canvas.getContext("2d").drawImage(bitmap, 0, 0);
      const png = await new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
      await navigator.clipboard.write([new ClipboardItem({ "image/png": png })]);
      note("클립보드에 복사했습니다. 문서에 붙여 넣으세요.");
    } catch (e) { note("복사하지 못했습니다: " + (e.message || e)); }
  }

  async function send(photo, note) {
    try {
      await gdesk.api("/photos/" + photo.photo_id + "/send", { method: "POST" });
      note("업무 시스템으로 보냈습니다.");
    } catch (e) { note(e.message); }
  }

  async function remove(photo, node, note) {
    if (!confirm("이 사진을 삭제할까요? 원본과 모든 사본이 지워집니다.")) return;
    try {
      await gdesk.api("/photos/" + photo.photo_id, { method: "DELETE" });
      node.remove();
    } catch (e) { note(e.message); }
  }

  async function start() {
    await gdesk.me();
    const settings = await gdesk.api("/photos/settings");
    $("keep-location").checked = settings.keep_location;
    $("keep-location").addEventListener("change", (e) => {
      gdesk.api("/photos/settings", { method: "PUT", json: { keep_location: e.target.checked } }).catch(fail);
    });
    $("new-qr").addEventListener("click", () => newPairing().catch(fail));
    $("more").addEventListener("click", () => more().catch(fail));
    await newPairing();
    setInterval(() => tick().catch(() => {}), 1000);
    tick().catch(() => {});
    poll();
  }

  start().catch(fail);
})();
