/* G-Desk shared page script: the bearer token, the API wrapper, the header with the user. */
(function () {
  "use strict";
  const TOKEN_KEY = "gdesk.token";
  const USER_KEY = "gdesk.me";  // the signed-in user, so that an installed page opens offline
  const OFFLINE_KEYS = [USER_KEY, "gdesk.trips.offline"];
  // "/<stage>" when the app is reached on API Gateway's default domain, "" otherwise (set by the server).
  const meta = document.querySelector('meta[name="gdesk-base"]');
  const base = (meta && meta.content) || "";

  /** The URL of an app path ("/trips") under the base the page was served from. */
  function url(path) { return path.startsWith("/") && !path.startsWith("//") ? base + path : path; }
  /** The app path of the current page, without the base. */
  function here() {
    const path = location.pathname.startsWith(base + "/") ? location.pathname.slice(base.length) : location.pathname;
    return path + location.search;
  }

  function token() { return localStorage.getItem(TOKEN_KEY); }
  function setToken(value) {
    if (value) { localStorage.setItem(TOKEN_KEY, value); return; }
    localStorage.removeItem(TOKEN_KEY);
    OFFLINE_KEYS.forEach((key) => localStorage.removeItem(key));  // nothing of the user stays behind
  }
  function toLogin() {
    location.href = url("/login?next=" + encodeURIComponent(here()));
  }

  /** fetch() of an app path with the bearer token. A network failure throws {status: 0, …}; a 401
      forgets the token and goes to the login page (unless ``noRedirect``). */
  async function send(path, opts) {
    const options = Object.assign({}, opts, { headers: Object.assign({}, opts.headers) });
    if (token()) options.headers["Authorization"] = "Bearer " + token();
    let response;
    try {
      response = await fetch(url(path), options);
    } catch (e) {
      throw { status: 0, code: "network", message: "네트워크에 연결할 수 없습니다." };
    }
    if (response.status === 401 && !opts.noRedirect) { setToken(null); toLogin(); }
    return response;
  }

  /** Calls the API with the bearer token; returns parsed JSON, throws {status, code, message}. */
  async function api(path, options) {
    const opts = Object.assign({ method: "GET", headers: {} }, options || {});
    opts.headers = Object.assign({}, opts.headers);
    if (opts.json !== undefined) {
      opts.body = JSON.stringify(opts.json);
      opts.headers["Content-Type"] = "application/json";
      delete opts.json;
    }
    const response = await send(path, opts);
    const type = response.headers.get("content-type") || "";
    const body = type.includes("application/json") ? await response.json() : await response.text();
    if (!response.ok) {
      const err = (body && body.error) || {};
      throw { status: response.status, code: err.code || "error", message: err.message || "요청을 처리하지 못했습니다." };
    }
    return body;
  }

  /** Fetches a file the API serves to signed-in users (a PDF) and saves it under ``filename``:
      a plain link cannot carry the bearer token. Throws {status, message} in Korean. */
  async function download(path, filename, accept) {
    const response = await send(path, { headers: { Accept: accept || "*/*" } });
    if (!response.ok) throw { status: response.status, message: "파일을 받지 못했습니다. 잠시 후 다시 시도하세요." };
    const link = document.createElement("a");
    link.href = URL.createObjectURL(await response.blob());
    link.download = filename;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 60000);
  }

  /** Puts the user's name and a sign-out link in <header class="bar">. */
  function showUser(user, offline) {
    const who = document.querySelector("header.bar .who");
    if (!who) return;
    const name = document.createElement("span");
    name.textContent = user.name + " · " + user.department + (offline ? " (오프라인)" : "");
    const out = document.createElement("a");
    out.href = "#"; out.textContent = "로그아웃"; out.id = "logout";
    out.addEventListener("click", (e) => {
      e.preventDefault();
      setToken(null);
      location.href = url("/login?signed_out=1");  // no silent SSO straight back in
    });
    who.replaceChildren(name, out);
  }

  /** The signed-in user (the header shows them); without a network, the one last seen on this
      device, marked ``offline: true``. Without a token: to the login page. */
  async function me(options) {
    if (!token()) { toLogin(); return new Promise(() => {}); }
    let user;
    try {
      user = await api("/me", options);
      localStorage.setItem(USER_KEY, JSON.stringify({ name: user.name, department: user.department, roles: user.roles }));
    } catch (err) {
      const saved = err.status === 0 && JSON.parse(localStorage.getItem(USER_KEY) || "null");
      if (!saved) throw err;
      user = Object.assign({}, saved, { offline: true });
    }
    showUser(user, user.offline);
    return user;
  }

  // The installable pages (those with a web app manifest) keep a copy of themselves for offline use.
  if ("serviceWorker" in navigator && document.querySelector('link[rel="manifest"]')) {
    navigator.serviceWorker.register(url("/sw.js"), { scope: url("/") }).catch(() => {});
  }

  function showError(el, err) {
    el.textContent = (err && err.message) || String(err);
    el.classList.remove("hidden");
  }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  }

  /** The button that saves a trip's one-page evidence sheet (PDF) for the expense claim. */
  function evidenceButton(tripId, onError, label) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "secondary evidence";
    button.textContent = label || "증빙서 PDF 저장";
    button.addEventListener("click", () => download("/trips/" + encodeURIComponent(tripId) + "/evidence.pdf",
      "출장증빙-" + tripId + ".pdf", "application/pdf").catch(onError));
    return button;
  }

  window.gdesk = { api, me, url, token, setToken, toLogin, showError, showUser, escapeHtml, download, evidenceButton };
})();
