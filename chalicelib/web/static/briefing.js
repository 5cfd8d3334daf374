/* AI 비서 page: my matched items (filters, feedback, paging) and the profile editor. */
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const TYPES = { webhook: "웹훅", slack: "Slack 호환", dooray: "두레이", naverworks: "네이버웍스", email: "이메일" };
  const STATUS = {
    queued: "메신저 발송 중", sent: "메신저로 보냄", digest: "아침 요약에 포함",
    held_quiet: "방해 금지 시간 → 아침 요약", held_cap: "시간당 한도 초과 → 아침 요약",
    undeliverable: "발송 실패 (채널 설정 확인)", no_channel: "알림 채널 없음", failed: "재시도 중",
  };
  let cursor = null;
  let profile = null;

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (k === "class") node.className = v; else node.setAttribute(k, v);
    });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function when(iso) { return iso ? String(iso).slice(0, 16).replace("T", " ") : ""; }

  function showError(err) { gdesk.showError($("error"), err); }

  function itemCard(item) {
    const card = el("article", { class: "card item", "data-item-id": item.item_id });
    const h = el("h3");
    const link = el("a", { href: item.url, target: "_blank", rel: "noopener noreferrer" }, item.title);
    h.appendChild(link);
    const badge = el("span", { class: "badge " + (item.tier || "") }, item.tier === "alert" ? "즉시 알림" : "아침 요약");
    h.appendChild(badge);
    card.appendChild(h);
    const status = STATUS[item.status] ? " · " + STATUS[item.status] : "";
    card.appendChild(el("div", { class: "meta" }, (item.agency || "") + " · " + when(item.published_at) + status));
    card.appendChild(el("p", { class: "reason" }, "사유: " + (item.reason || "")));
    (item.attachments || []).forEach((a) => {
      const p = el("div", { class: "meta attachment" });
      p.appendChild(el("a", { href: a.url, target: "_blank", rel: "noopener noreferrer" }, "첨부: " + (a.name || a.kind || "파일")));
      if (a.status === "unreadable" || a.status === "skipped") {
        p.appendChild(el("span", { class: "unreadable" }, " · 읽지 못함: " + (a.reason || "")));
      }
      card.appendChild(p);
      if (a.excerpt) card.appendChild(el("p", { class: "excerpt" }, a.excerpt));
    });
    const fb = el("div", { class: "feedback" });
    [["useful", "👍 유용해요"], ["not_useful", "👎 관련 없어요"]].forEach(([value, label]) => {
      const b = el("button", { type: "button", class: "secondary", "data-value": value,
        "aria-pressed": String(item.feedback === value) }, label);
      if (item.feedback === value) b.classList.add("chosen");
      b.addEventListener("click", () => sendFeedback(item.item_id, value, fb));
      fb.appendChild(b);
    });
    card.appendChild(fb);
    return card;
  }

  async function sendFeedback(itemId, value, box) {
    try {
      await gdesk.api("/briefing/items/" + encodeURIComponent(itemId) + "/feedback", { method: "POST", json: { value } });
      box.querySelectorAll("button").forEach((b) => {
        b.classList.toggle("chosen", b.dataset.value === value);
        b.setAttribute("aria-pressed", String(b.dataset.value === value));
      });
    } catch (err) { showError(err); }
  }

  function query() {
    const params = new URLSearchParams({ limit: "20" });
    ["tier", "agency", "feedback"].forEach((name) => { const v = $("f-" + name).value; if (v) params.set(name, v); });
    if (cursor) params.set("cursor", cursor);
    return params.toString();
  }

  async function loadItems(reset) {
    if (reset) { cursor = null; $("items").textContent = ""; }
    try {
      const page = await gdesk.api("/briefing/items?" + query());
      page.items.forEach((item) => { $("items").appendChild(itemCard(item)); addAgency(item.agency); });
      cursor = page.next_cursor;
      $("more").classList.toggle("hidden", !cursor);
      $("empty").classList.toggle("hidden", $("items").children.length > 0);
    } catch (err) { showError(err); }
  }

  function addAgency(name) {
    if (!name) return;
    const select = $("f-agency");
    if ([...select.options].some((o) => o.value === name)) return;
    select.appendChild(el("option", { value: name }, name));
  }

  function channelRow(ch) {
    const row = el("div", { class: "channel", "data-id": ch.id || "", "data-type": ch.type });
    const head = el("div", { class: "row" });
    head.appendChild(el("strong", {}, TYPES[ch.type] || ch.type));
    const on = el("label", { class: "inline" });
    const box = el("input", { type: "checkbox", "data-field": "enabled" });
    box.checked = ch.enabled !== false;
    on.appendChild(box); on.appendChild(document.createTextNode(" 사용"));
    head.appendChild(on);
    const remove = el("button", { type: "button", class: "secondary" }, "삭제");
    remove.addEventListener("click", () => row.remove());
    head.appendChild(remove);
    row.appendChild(head);
    const field = (name, label, attrs) => {
      const id = "ch-" + Math.random().toString(36).slice(2);
      row.appendChild(el("label", { for: id }, label));
      const input = el("input", Object.assign({ id, "data-field": name }, attrs || {}));
      row.appendChild(input);
      return input;
    };
    if (ch.type === "webhook") {
      field("url", "웹훅 URL").value = ch.url || "";
      field("secret", "서명 키 (16자 이상)", { type: "password", placeholder: ch.secret_set ? "설정됨 — 바꿀 때만 입력" : "" });
    } else if (ch.type === "slack" || ch.type === "dooray") {
      field("url", "웹훅 URL", { placeholder: ch.url_set ? "설정됨 (" + ch.url_hint + ") — 바꿀 때만 입력" : "https://" });
    } else if (ch.type === "email") {
      field("address", "이메일 주소", { type: "email" }).value = ch.address || "";
    } else if (ch.type === "naverworks") {
      field("recipient", "받는 사람 (user:계정ID 또는 channel:채널ID)").value = ch.recipient || "";
    }
    return row;
  }

  /** Says in words what the quiet hours mean: equal start and end switch them off. */
  function quietNote() {
    const start = $("p-quiet-start").value, end = $("p-quiet-end").value;
    let text = "";
    if (start && end && start === end) text = "방해 금지 시간 없음 — 알림을 언제든 바로 보냅니다.";
    else if (start && end) {
      text = "방해 금지: " + start + "부터 " + (end < start ? "다음 날 " : "") + end + "까지는 알림을 보내지 않고 아침 요약에 모읍니다.";
    }
    $("quiet-note").textContent = text;
  }

  function list(id) { return $(id).value.split(",").map((s) => s.trim()).filter(Boolean); }

  function fillProfile(p) {
    profile = p;
    $("p-department").value = p.department || "";
    $("p-duties").value = p.duties || "";
    $("p-keywords").value = (p.keywords || []).join(", ");
    $("p-exclusions").value = (p.exclusions || []).join(", ");
    $("p-agencies").value = (p.agencies || []).join(", ");
    $("p-quiet-start").value = p.quiet_hours.start;
    $("p-quiet-end").value = p.quiet_hours.end;
    quietNote();
    $("p-cap").value = p.hourly_cap;
    $("p-enabled").checked = p.enabled;
    $("channels").textContent = "";
    p.channels.forEach((ch) => $("channels").appendChild(channelRow(ch)));
    showSuggested(p.suggested_keywords || []);
    const learned = (p.learned_weights || []).map((w) => w.term + " ×" + w.weight).join(", ");
    $("learned").textContent = learned ? "피드백으로 조정된 가중치: " + learned : "";
  }

  // Keywords suggested from the duty table (사무분장): one click adds one to the keyword field;
  // saving the profile makes them the person's own.
  function showSuggested(words) {
    const box = $("p-suggested");
    box.textContent = "";
    const current = new Set(list("p-keywords"));
    const open = words.filter((w) => !current.has(w));
    box.classList.toggle("hidden", open.length === 0);
    if (!open.length) return;
    box.appendChild(el("span", {}, "사무분장에서 제안된 키워드: "));
    open.forEach((word) => {
      const chip = el("button", { type: "button", class: "secondary chip", "data-keyword": word }, "+ " + word);
      chip.addEventListener("click", () => {
        $("p-keywords").value = list("p-keywords").concat([word]).join(", ");
        showSuggested(words);
      });
      box.appendChild(chip);
    });
  }

  function readChannels() {
    return [...$("channels").children].map((row) => {
      const ch = { type: row.dataset.type };
      if (row.dataset.id) ch.id = row.dataset.id;
      row.querySelectorAll("[data-field]").forEach((input) => {
        const name = input.dataset.field;
        if (name === "enabled") { ch.enabled = input.checked; return; }
        if (input.value.trim()) ch[name] = input.value.trim();
      });
      return ch;
    });
  }

  async function saveProfile(event) {
    event.preventDefault();
    $("saved").classList.add("hidden");
    $("error").classList.add("hidden");
    const body = {
      department: $("p-department").value, duties: $("p-duties").value,
      keywords: list("p-keywords"), exclusions: list("p-exclusions"), agencies: list("p-agencies"),
      quiet_hours: { start: $("p-quiet-start").value, end: $("p-quiet-end").value },
      hourly_cap: parseInt($("p-cap").value, 10) || 5, enabled: $("p-enabled").checked,
      channels: readChannels(),
    };
    try {
      fillProfile(await gdesk.api("/briefing/profile", { method: "PUT", json: body }));
      $("saved").classList.remove("hidden");
    } catch (err) { showError(err); }
  }

  async function start() {
    await gdesk.me();
    ["f-tier", "f-agency", "f-feedback"].forEach((id) => $(id).addEventListener("change", () => loadItems(true)));
    $("more").addEventListener("click", () => loadItems(false));
    $("add-channel").addEventListener("click", () => $("channels").appendChild(channelRow({ type: $("new-channel-type").value })));
    $("profile").addEventListener("submit", saveProfile);
    ["p-quiet-start", "p-quiet-end"].forEach((id) => $(id).addEventListener("input", quietNote));
    try { fillProfile(await gdesk.api("/briefing/profile")); } catch (err) { showError(err); }
    (profile && profile.agencies || []).forEach(addAgency);
    await loadItems(true);
  }

  start();
})();
