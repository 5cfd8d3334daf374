(async function () {
  const next = new URLSearchParams(location.search).get("next") || "/";
  const safeNext = next.startsWith("/") && !next.startsWith("//") ? next : "/";
  const errorBox = document.getElementById("error");
  function done(token) { gdesk.setToken(token); location.href = safeNext; }

  document.getElementById("use-token").addEventListener("click", () => {
    const value = document.getElementById("token").value.trim();
    if (value) done(value);
  });
  try {
    const data = await gdesk.api("/dev/users", { noRedirect: true });
    const list = document.getElementById("user-list");
    const labels = { employee: "직원", auditor: "감사", admin: "관리자" };
    for (const u of data.users) {
      const b = document.createElement("button");
      b.className = "secondary";
      b.style.cssText = "display:block;width:100%;margin:6px 0;text-align:left";
      b.dataset.user = u.id;
      b.textContent = `${u.name} (${u.id}) · ${u.department} · ${u.roles.map((r) => labels[r] || r).join(", ")}`;
      b.addEventListener("click", async () => {
        try { done((await gdesk.api("/dev/login", { method: "POST", json: { user: u.id }, noRedirect: true })).token); }
        catch (e) { gdesk.showError(errorBox, e); }
      });
      list.appendChild(b);
    }
  } catch (e) {
    document.getElementById("dev-users").classList.add("hidden");
    document.getElementById("sso").classList.remove("hidden");
  }
})();
