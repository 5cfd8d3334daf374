/* My Photo - the phone page. Pairs with the desktop through the code in the QR link's fragment
   (#pair=...), or uses the signed-in user's token; uploads each chosen file straight to S3 with
   the presigned POST the API hands out, with a progress bar, automatic and manual retry, then
   shows the thumbnail or the reason the file was rejected. */
(function () {
  "use strict";
  const SESSION_KEY = "gdesk.photoSession";
  const $ = (id) => document.getElementById(id);
  let auth = null; // {header, value, expiresAt, name}

  function fail(message) { gdesk.showError($("error"), message); }

  function savedSession() {
    try {
      const saved = JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null");
      if (saved && saved.expiresAt * 1000 > Date.now()) return saved;
    } catch (e) { /* ignore a damaged entry */ }
    sessionStorage.removeItem(SESSION_KEY);
    return null;
  }

  async function claim(code) {
    const response = await fetch(gdesk.url("/photos/pairings/claim"), {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ code }),
    });
    const body = await response.json();
    if (!response.ok) throw new Error((body.error && body.error.message) || "연결하지 못했습니다.");
    const saved = { token: body.session, expiresAt: body.expires_at, name: body.name };
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(saved));
    return saved;
  }

  async function call(path, options) {
    const opts = Object.assign({ method: "GET", headers: {} }, options || {});
    opts.headers = Object.assign({}, opts.headers, { [auth.header]: auth.value });
    if (opts.json !== undefined) {
      opts.body = JSON.stringify(opts.json);
      opts.headers["Content-Type"] = "application/json";
      delete opts.json;
    }
    let response;
    try { response = await fetch(gdesk.url(path), opts); } catch (e) {
      throw { retry: true, message: "네트워크에 연결할 수 없습니다." };
    }
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      const message = (body.error && body.error.message) || "요청을 처리하지 못했습니다.";
      throw { retry: response.status >= 500 || response.status === 429, status: response.status, message };
    }
    return body;
  }

  function remaining() {
    if (!auth.expiresAt) return "";
    const seconds = Math.max(0, Math.round(auth.expiresAt - Date.now() / 1000));
    return " (연결 " + Math.floor(seconds / 60) + "분 " + (seconds % 60) + "초 남음)";
  }

  async function start() {
    const match = location.hash.match(/pair=([A-Za-z0-9_-]{43})/);
    if (match) {
      history.replaceState(null, "", location.pathname); // the code is single-use: never keep it in the URL
      try {
        const saved = await claim(match[1]);
        auth = { header: "X-Photo-Session", value: saved.token, expiresAt: saved.expiresAt, name: saved.name };
      } catch (e) { fail(e.message); }
    }
    if (!auth) {
      const saved = savedSession();
      if (saved) auth = { header: "X-Photo-Session", value: saved.token, expiresAt: saved.expiresAt, name: saved.name };
    }
    if (!auth && gdesk.token()) {
      try {
        const user = await gdesk.api("/me", { noRedirect: true });
        auth = { header: "Authorization", value: "Bearer " + gdesk.token(), name: user.name };
      } catch (e) { /* not signed in any more */ }
    }
    if (!auth) { $("need-pairing").classList.remove("hidden"); return; }
    $("who").textContent = auth.name;
    const target = () => { $("target").textContent = auth.name + " 님의 PC로 보냅니다." + remaining(); };
    target();
    if (auth.expiresAt) setInterval(target, 1000);
    $("uploader").classList.remove("hidden");
    $("files").addEventListener("change", (event) => {
      Array.from(event.target.files || []).forEach((file) => new Upload(file).run());
      event.target.value = "";
    });
  }

  class Upload {
    constructor(file) {
      this.file = file;
      this.attempts = 0;
      const node = $("upload-item").content.firstElementChild.cloneNode(true);
      node.querySelector(".name").textContent = file.name;
      node.querySelector(".retry").addEventListener("click", () => this.run());
      $("uploads").prepend(node);
      this.node = node;
    }

    state(text, kind) {
      this.node.querySelector(".state").textContent = text;
      this.node.classList.remove("ready", "rejected", "failed");
      if (kind) this.node.classList.add(kind);
    }

    progress(value) { this.node.querySelector("progress").value = value; }

    async run() {
      this.node.querySelector(".retry").classList.add("hidden");
      this.attempts += 1;
      try {
        this.state("준비 중…");
        const started = await call("/photos/uploads", { method: "POST", json: {
          filename: this.file.name || "photo.jpg", content_type: this.file.type || "image/jpeg", size: this.file.size } });
        this.photoId = started.photo.photo_id;
        this.node.dataset.photoId = this.photoId;
        await this.send(started.upload);
        this.state("PC로 보내는 중…");
        this.progress(100);
        await this.waitProcessed();
      } catch (err) {
        if (err && err.retry && this.attempts < 3) {
          this.state("연결이 끊겼습니다. 다시 시도합니다…", "failed");
          setTimeout(() => this.run(), 1000 * this.attempts);
          return;
        }
        this.state((err && err.message) || "올리지 못했습니다.", "failed");
        if (!err || err.retry !== false) this.node.querySelector(".retry").classList.remove("hidden");
      }
    }

    send(upload) {
      return new Promise((resolve, reject) => {
        const form = new FormData();
        Object.entries(upload.fields).forEach(([k, v]) => form.append(k, v));
        form.append("file", this.file); // S3 requires the file to be the last field
        const xhr = new XMLHttpRequest();
        xhr.open("POST", upload.url);
        xhr.upload.addEventListener("progress", (e) => {
          if (e.lengthComputable) this.progress(Math.round((e.loaded / e.total) * 95));
          this.state("올리는 중… " + Math.round((e.loaded / Math.max(e.total, 1)) * 100) + "%");
        });
        xhr.addEventListener("load", () => {
          if (xhr.status >= 200 && xhr.status < 300) resolve();
          else reject({ retry: xhr.status >= 500, message: "저장소가 파일을 거부했습니다 (HTTP " + xhr.status + ")." });
        });
        xhr.addEventListener("error", () => reject({ retry: true, message: "연결이 끊겼습니다." }));
        xhr.addEventListener("timeout", () => reject({ retry: true, message: "시간이 초과되었습니다." }));
        xhr.timeout = 120000;
        xhr.send(form);
      });
    }

    async waitProcessed() {
      const deadline = Date.now() + 90000;
      while (Date.now() < deadline) {
        const photo = await call("/photos/" + this.photoId);
        if (photo.status === "ready") {
          const img = this.node.querySelector(".thumb");
          img.src = photo.urls.thumb;
          img.alt = photo.filename;
          img.classList.remove("hidden");
          this.state("PC에 도착했습니다 ✓", "ready");
          return;
        }
        if (photo.status === "rejected") {
          this.state("거부됨: " + photo.reason, "rejected");
          return;
        }
        await new Promise((r) => setTimeout(r, 700));
      }
      throw { retry: false, message: "처리가 늦어지고 있습니다. PC 화면을 확인하세요." };
    }
  }

  start().catch((e) => fail(e.message || String(e)));
})();
