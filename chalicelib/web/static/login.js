/* Login: OIDC sign-in with the organisation's IdP (authorization code + PKCE S256, state, nonce;
   a public client, so no secret), the local dev issuer's user list, or a pasted token.
   Silent sign-in: with SSO on and no dev issuer, the page first asks the IdP with prompt=none, so
   a user whose IdP session is alive (first visit, or an expired token) gets in without a click.
   Not after 로그아웃 (?signed_out=1), and at most once a minute per tab (no redirect loop when
   the API refuses what the IdP gives). */
(async function () {
  "use strict";
  const FLOW_KEY = "gdesk.oidc";  // sessionStorage: {state, nonce, verifier, next, redirect_uri, ...}
  const SILENT_KEY = "gdesk.oidc.silent_at";  // sessionStorage: when a silent attempt last started
  const SILENT_EVERY_MS = 60000;
  // The IdP's answers to prompt=none that mean "the user must interact": show the button, no error.
  const NEEDS_USER = ["login_required", "interaction_required", "consent_required", "account_selection_required"];
  const errorBox = document.getElementById("error");
  const params = new URLSearchParams(location.search);

  /** ``value`` as a path on this origin, or "/". Decided on the parsed URL, the way the browser
      will read it: the parser drops tab/CR/LF, reads "\\" as "/" and resolves "/./", so a string
      check alone lets "/%09/evil.example" or "/.//evil.example" through to another site. */
  function sameSitePath(value) {
    if (typeof value !== "string" || !value.startsWith("/")) return "/";
    let parsed;
    try { parsed = new URL(value, location.origin); } catch (e) { return "/"; }
    const path = parsed.pathname + parsed.search + parsed.hash;
    if (parsed.origin !== location.origin || !path.startsWith("/") || /^\/[\/\\]/.test(path)) return "/";
    return path;
  }
  let safeNext = sameSitePath(params.get("next") || "/");
  function fail(message) { gdesk.showError(errorBox, { message: message }); }
  function done(token, next) { gdesk.setToken(token); location.href = gdesk.url(sameSitePath(next)); }

  function base64url(bytes) {
    let text = "";
    for (const b of new Uint8Array(bytes)) text += String.fromCharCode(b);
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function randomString(byteCount) {
    return base64url(crypto.getRandomValues(new Uint8Array(byteCount)));
  }
  async function s256(text) {
    return base64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  }
  function jwtPayload(token) {
    const part = String(token).split(".")[1] || "";
    const b64 = part.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((part.length + 3) % 4);
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  }
  async function discovery(issuer) {
    const response = await fetch(issuer.replace(/\/+$/, "") + "/.well-known/openid-configuration");
    if (!response.ok) throw new Error("discovery " + response.status);
    const doc = await response.json();
    if (doc.issuer !== issuer || !doc.authorization_endpoint || !doc.token_endpoint) {
      throw new Error("discovery document does not match the issuer");
    }
    return doc;
  }

  /** Step 1: to the IdP's authorization endpoint with a fresh PKCE verifier, state and nonce
      (``silent``: prompt=none, the IdP answers at once with a code or login_required). */
  async function startSso(config, silent) {
    try {
      const doc = await discovery(config.issuer);
      const flow = {
        state: randomString(32), nonce: randomString(32), verifier: randomString(48),  // 64 chars
        next: safeNext, redirect_uri: config.redirect_uri, client_id: config.client_id,
        token_endpoint: doc.token_endpoint, issuer: config.issuer, started: Date.now(), silent: !!silent,
      };
      sessionStorage.setItem(FLOW_KEY, JSON.stringify(flow));
      const url = new URL(doc.authorization_endpoint);
      url.searchParams.set("response_type", "code");
      url.searchParams.set("client_id", config.client_id);
      url.searchParams.set("redirect_uri", config.redirect_uri);
      url.searchParams.set("scope", config.scopes);
      url.searchParams.set("state", flow.state);
      url.searchParams.set("nonce", flow.nonce);
      url.searchParams.set("code_challenge", await s256(flow.verifier));
      url.searchParams.set("code_challenge_method", "S256");
      if (silent) {
        url.searchParams.set("prompt", "none");
        sessionStorage.setItem(SILENT_KEY, String(Date.now()));
      }
      location.assign(url.toString());
    } catch (e) {
      if (silent) return false;  // the button is still there
      fail("인증 서버에 연결할 수 없습니다. 잠시 후 다시 시도하세요. (" + (e.message || e) + ")");
    }
    return true;
  }
  function silentAllowed() {
    const last = Number(sessionStorage.getItem(SILENT_KEY) || 0);
    return !params.has("signed_out") && Date.now() - last > SILENT_EVERY_MS;
  }

  /** Step 2: back from the IdP with ?code&state (or ?error): check, exchange, check the nonce. */
  async function finishSso() {
    const raw = sessionStorage.getItem(FLOW_KEY);
    sessionStorage.removeItem(FLOW_KEY);  // one use, whatever happens
    history.replaceState(null, "", location.pathname);  // the code must not stay in the address bar
    let flow;
    try { flow = JSON.parse(raw || "null"); } catch (e) { flow = null; }
    if (flow && flow.silent && NEEDS_USER.includes(params.get("error"))) {
      safeNext = sameSitePath(flow.next);  // for the click that follows
      history.replaceState(null, "", location.pathname + "?next=" + encodeURIComponent(safeNext));
      return;
    }
    if (params.get("error")) {
      fail("기관 인증 서버가 로그인을 거부했습니다: " + params.get("error") +
        (params.get("error_description") ? " (" + params.get("error_description") + ")" : ""));
      return;
    }
    if (!flow || !params.get("state") || params.get("state") !== flow.state) {
      fail("로그인 요청이 올바르지 않습니다(state 불일치). 처음부터 다시 로그인하세요.");
      return;
    }
    let body;
    try {
      const response = await fetch(flow.token_endpoint, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          grant_type: "authorization_code", code: params.get("code") || "",
          redirect_uri: flow.redirect_uri, client_id: flow.client_id, code_verifier: flow.verifier,
        }),
      });
      body = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error(body.error_description || body.error || "HTTP " + response.status);
    } catch (e) {
      fail("토큰을 받지 못했습니다. 다시 로그인하세요. (" + (e.message || e) + ")");
      return;
    }
    let claims;
    try { claims = jwtPayload(body.id_token); } catch (e) { claims = null; }
    if (!claims) { fail("인증 서버가 ID 토큰을 주지 않았습니다. 관리자에게 문의하세요."); return; }
    if (claims.nonce !== flow.nonce) { fail("ID 토큰의 nonce가 일치하지 않습니다. 다시 로그인하세요."); return; }
    // The signature, iss, aud and exp are verified by the API on every request.
    done(body.id_token, flow.next);
  }

  document.getElementById("use-token").addEventListener("click", () => {
    const value = document.getElementById("token").value.trim();
    if (value) done(value, safeNext);
  });

  let sso = null;
  try { sso = await gdesk.api("/auth/config", { noRedirect: true }); } catch (e) { sso = null; }
  if (sso && sso.sso === false) sso = null;  // {"sso": false}: SSO is off
  let devUsers = null;
  try { devUsers = await gdesk.api("/dev/users", { noRedirect: true }); } catch (e) { devUsers = null; }
  const returning = params.has("state") || params.has("error");
  if (sso && !devUsers && !returning && silentAllowed() && await startSso(sso, true)) return;
  if (sso) {
    document.getElementById("sso-login").classList.remove("hidden");
    document.getElementById("sso-button").addEventListener("click", () => startSso(sso, false));
  }
  if (returning) await finishSso();

  try {
    if (!devUsers) throw new Error("no dev issuer");
    const data = devUsers;
    const list = document.getElementById("user-list");
    const labels = { employee: "직원", auditor: "감사", admin: "관리자" };
    for (const u of data.users) {
      const b = document.createElement("button");
      b.className = "secondary";
      b.style.cssText = "display:block;width:100%;margin:6px 0;text-align:left";
      b.dataset.user = u.id;
      b.textContent = `${u.name} (${u.id}) · ${u.department} · ${u.roles.map((r) => labels[r] || r).join(", ")}`;
      b.addEventListener("click", async () => {
        try { done((await gdesk.api("/dev/login", { method: "POST", json: { user: u.id }, noRedirect: true })).token, safeNext); }
        catch (e) { gdesk.showError(errorBox, e); }
      });
      list.appendChild(b);
    }
    document.getElementById("dev-users").classList.remove("hidden");
  } catch (e) {
    document.getElementById("sso").classList.remove("hidden");
  }
})();
