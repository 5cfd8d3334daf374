(async function () {
  const user = await gdesk.me();
  const labels = { employee: "직원", auditor: "감사", admin: "관리자" };
  document.getElementById("roles").textContent =
    "권한: " + user.roles.map((r) => labels[r] || r).join(", ");
})();
