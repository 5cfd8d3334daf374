"""Printable evidence sheet (A4 HTML) and the settlement CSV. Pure: values in, text out."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from html import escape
from typing import Any

from chalicelib.trips.orders import TripOrder
from chalicelib.trips.verdict import kst_text, window_text

FLAG_KO = {"accuracy_suspicious": "정확도 값 의심", "speed_implausible": "비현실적 이동 속도",
           "clock_skew": "단말기 시각 차이", "repeated_fix": "이전과 같은 좌표",
           "delayed": "오프라인 지연 전송"}
QR_ON_SHEET = 2  # proofs shown with their QR; the rest are listed (one A4 page)

_STYLE = """
@page { size: A4; margin: 14mm; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans CJK KR", "Noto Sans KR", "Malgun Gothic", sans-serif; color: #111;
  font-size: 11pt; margin: 0 auto; max-width: 182mm; }
h1 { font-size: 18pt; text-align: center; margin: 0 0 4mm; letter-spacing: .2em; }
table { width: 100%; border-collapse: collapse; margin-bottom: 4mm; }
th, td { border: 1px solid #444; padding: 1.6mm 2mm; text-align: left; vertical-align: top; }
th { background: #eef1f5; width: 26mm; font-weight: 600; }
.proof { display: flex; gap: 5mm; border: 1px solid #444; padding: 3mm; margin-bottom: 3mm;
  page-break-inside: avoid; }
.proof svg { width: 48mm; height: 48mm; flex: none; }
.proof .pass { color: #1a7f37; font-weight: 700; } .proof .fail { color: #c62828; font-weight: 700; }
.proof .revoked { color: #c62828; font-weight: 700; }
.small { font-size: 9pt; color: #444; }
.foot { font-size: 8.5pt; color: #444; border-top: 1px solid #999; padding-top: 2mm; margin-top: 4mm; }
@media screen { body { padding: 10mm; background: #fff; } .print { margin: 0 0 4mm; } }
@media print { .print { display: none; } }
"""


def _verdict_line(proof: dict[str, Any]) -> str:
    verdict = proof["verdict"]
    cls, label = ("pass", "출장지 확인") if verdict["passed"] else ("fail", "출장지 미확인")
    return f'<span class="{cls}">{label}</span> · 목적지에서 {int(verdict["distance_m"]):,}m'


def evidence_html(order: TripOrder, proofs: list[dict[str, Any]], qr_svgs: dict[str, str],
                  generated_at: datetime, verify_base: str) -> str:
    """The one-page sheet for the expense claim: the order, the latest proofs with their QR."""
    rows = [("출장자", f"{order.name} ({order.employee_id}) · {order.department}"),
            ("출장지", order.destination + (f" · {order.address}" if order.address else "")),
            ("출장 기간", f"{window_text(order.start, order.end)} (한국 시각)"),
            ("출장 목적", order.purpose), ("허용 반경", f"{order.radius_m:,}m"), ("출장 번호", order.trip_id)]
    parts = ["<!doctype html><html lang=\"ko\"><head><meta charset=\"utf-8\">",
             f"<title>출장 증빙서 · {escape(order.destination)}</title><style>{_STYLE}</style></head><body>",
             '<p class="print small">인쇄하려면 브라우저의 인쇄(Ctrl+P)를 사용하세요. '
             "A4 한 장에 맞춰집니다.</p>",
             "<h1>출장 방문 증빙서</h1><table>"]
    parts += [f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows]
    parts.append("</table>")
    if not proofs:
        parts.append("<p>이 출장에 대한 증빙이 없습니다.</p>")
    for proof in proofs[:QR_ON_SHEET]:
        verdict = proof["verdict"]
        notes = "".join(f"<li>{escape(r)}</li>" for r in verdict.get("reasons", []))
        flags = ", ".join(FLAG_KO.get(f, f) for f in verdict.get("flags", []))
        revoked = proof.get("revoked")
        parts.append(
            f'<div class="proof">{qr_svgs.get(proof["proof_id"], "")}<div>'
            f'<div>{_verdict_line(proof)}</div>'
            f'<div>판정 시각: {escape(kst_text(_dt(proof["judged_at"])))} (한국 시각)'
            f'{" · 오프라인 지연 전송" if proof.get("delayed") else ""}</div>'
            f'<div>발급 시각: {escape(kst_text(_dt(proof["created_at"])))}</div>'
            + (f"<div>주의: {escape(flags)}</div>" if flags else "")
            + (f'<div class="revoked">취소됨: {escape(revoked["reason"])}</div>' if revoked else "")
            + (f'<ul class="small">{notes}</ul>' if notes else "")
            + f'<div class="small">증빙 번호 {escape(proof["proof_id"])} · QR을 휴대폰 카메라로 비추면 '
              f'{escape(verify_base)}/verify 에서 진위를 확인합니다.</div></div></div>')
    if len(proofs) > QR_ON_SHEET:
        parts.append('<table><tr><th>그 밖의 증빙</th><td class="small">')
        parts.append("<br>".join(
            f'{escape(kst_text(_dt(p["judged_at"])))} · {_verdict_line(p)} · {escape(p["proof_id"])}'
            + (" · 취소됨" if p.get("revoked") else "") for p in proofs[QR_ON_SHEET:]))
        parts.append("</td></tr></table>")
    parts.append(
        '<div class="foot">이 증빙은 G-Desk가 출장자의 GPS 위치와 출장 명령을 대조해 '
        "전자서명(ES256)한 것입니다. QR에는 이름과 정확한 위치가 암호화되어 있으며, 서명은 "
        f"{escape(verify_base)}/.well-known/jwks.json 의 공개키로 누구나 확인할 수 있습니다. "
        f"출력 {escape(kst_text(generated_at))} (한국 시각)</div>")
    parts.append("</body></html>")
    return "".join(parts)


def _dt(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


CSV_HEADER = ["증빙번호", "출장번호", "사번", "성명", "부서", "출장지", "출장시작", "출장종료",
              "판정시각(KST)", "발급시각(KST)", "결과", "시간내", "반경내", "목적지거리(m)",
              "정확도충족", "주의", "사유", "지연전송", "취소", "취소사유"]


def _cell(value: Any) -> Any:
    """Text that Excel would run as a formula (=, +, -, @, tab, CR) is quoted with a leading '."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def proofs_csv(rows: list[tuple[dict[str, Any], TripOrder | None]]) -> bytes:
    """Settlement export: UTF-8 with BOM (Excel opens Korean correctly), CRLF, no exact positions."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    yes = {True: "Y", False: "N"}
    for proof, order in rows:
        verdict = proof["verdict"]
        revoked = proof.get("revoked") or {}
        writer.writerow([_cell(v) for v in [
            proof["proof_id"], proof["trip_id"], proof["employee_id"], order.name if order else "",
            order.department if order else "", order.destination if order else "",
            kst_text(order.start) if order else "", kst_text(order.end) if order else "",
            kst_text(_dt(proof["judged_at"])), kst_text(_dt(proof["created_at"])),
            "확인" if verdict["passed"] else "미확인", yes[bool(verdict["within_window"])],
            yes[bool(verdict["within_radius"])], int(verdict["distance_m"]),
            yes[bool(verdict["accuracy_ok"])],
            ", ".join(FLAG_KO.get(f, f) for f in verdict.get("flags", [])),
            " / ".join(verdict.get("reasons", [])), yes[bool(proof.get("delayed"))],
            yes[bool(revoked)], revoked.get("reason", ""),
        ]])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
