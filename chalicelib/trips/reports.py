"""Printable evidence sheet (A4 HTML) and the settlement CSV. Pure: values in, text out."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from html import escape
from pathlib import Path
from typing import Any

from chalicelib.trips.orders import TripOrder
from chalicelib.trips.verdict import kst_text, window_text

FLAG_KO = {"accuracy_suspicious": "정확도 값 의심", "speed_implausible": "비현실적 이동 속도",
           "clock_skew": "단말기 시각 차이", "repeated_fix": "이전과 같은 좌표",
           "delayed": "오프라인 지연 전송"}
QR_ON_SHEET = 2  # proofs shown with their QR; the next ones are listed, the rest counted (one A4 page)
LISTED_ON_SHEET = 8
TITLE = "출장 방문 증빙서"
NO_PROOFS = "이 출장에 대한 증빙이 없습니다."

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


def _verdict_parts(proof: dict[str, Any]) -> tuple[bool, str, str]:
    verdict = proof["verdict"]
    label = "출장지 확인" if verdict["passed"] else "출장지 미확인"
    return verdict["passed"], label, f"목적지에서 {int(verdict['distance_m']):,}m"


def _verdict_line(proof: dict[str, Any]) -> str:
    passed, label, distance = _verdict_parts(proof)
    return f'<span class="{"pass" if passed else "fail"}">{label}</span> · {distance}'


def _order_rows(order: TripOrder) -> list[tuple[str, str]]:
    return [("출장자", f"{order.name} ({order.employee_id}) · {order.department}"),
            ("출장지", order.destination + (f" · {order.address}" if order.address else "")),
            ("출장 기간", f"{window_text(order.start, order.end)} (한국 시각)"),
            ("출장 목적", order.purpose), ("허용 반경", f"{order.radius_m:,}m"), ("출장 번호", order.trip_id)]


def _proof_details(proof: dict[str, Any]) -> list[str]:
    """The lines under a proof's verdict, the same on the HTML and the PDF sheet."""
    verdict = proof["verdict"]
    flags = ", ".join(FLAG_KO.get(f, f) for f in verdict.get("flags", []))
    return [f'판정 시각: {kst_text(_dt(proof["judged_at"]))} (한국 시각)'
            + (" · 오프라인 지연 전송" if proof.get("delayed") else ""),
            f'발급 시각: {kst_text(_dt(proof["created_at"]))}'] + ([f"주의: {flags}"] if flags else [])


def _proof_note(proof: dict[str, Any], verify_base: str) -> str:
    return (f'증빙 번호 {proof["proof_id"]} · QR을 휴대폰 카메라로 비추면 {verify_base}/verify 에서 '
            "진위를 확인합니다.")


def _listed(proofs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return proofs[QR_ON_SHEET:QR_ON_SHEET + LISTED_ON_SHEET]


def _more(proofs: list[dict[str, Any]]) -> str:
    rest = len(proofs) - QR_ON_SHEET - LISTED_ON_SHEET
    return f"외 {rest:,}건 (전체 목록은 정산 CSV에 있습니다)" if rest > 0 else ""


def _footer(verify_base: str, generated_at: datetime) -> str:
    return ("이 증빙은 G-Desk가 출장자의 GPS 위치와 출장 명령을 대조해 전자서명(ES256)한 것입니다. QR에는 "
            "이름과 정확한 위치가 암호화되어 있으며, 서명은 "
            f"{verify_base}/.well-known/jwks.json 의 공개키로 누구나 확인할 수 있습니다. "
            f"출력 {kst_text(generated_at)} (한국 시각)")


def evidence_html(order: TripOrder, proofs: list[dict[str, Any]], qr_svgs: dict[str, str],
                  generated_at: datetime, verify_base: str) -> str:
    """The one-page sheet for the expense claim: the order, the latest proofs with their QR."""
    parts = ["<!doctype html><html lang=\"ko\"><head><meta charset=\"utf-8\">",
             f"<title>{TITLE} · {escape(order.destination)}</title><style>{_STYLE}</style></head><body>",
             '<p class="print small">인쇄하려면 브라우저의 인쇄(Ctrl+P)를 사용하세요. '
             "A4 한 장에 맞춰집니다.</p>",
             f"<h1>{TITLE}</h1><table>"]
    parts += [f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in _order_rows(order)]
    parts.append("</table>")
    if not proofs:
        parts.append(f"<p>{NO_PROOFS}</p>")
    for proof in proofs[:QR_ON_SHEET]:
        notes = "".join(f"<li>{escape(r)}</li>" for r in proof["verdict"].get("reasons", []))
        revoked = proof.get("revoked")
        parts.append(
            f'<div class="proof">{qr_svgs.get(proof["proof_id"], "")}<div>'
            f'<div>{_verdict_line(proof)}</div>'
            + "".join(f"<div>{escape(line)}</div>" for line in _proof_details(proof))
            + (f'<div class="revoked">취소됨: {escape(revoked["reason"])}</div>' if revoked else "")
            + (f'<ul class="small">{notes}</ul>' if notes else "")
            + f'<div class="small">{escape(_proof_note(proof, verify_base))}</div></div></div>')
    if len(proofs) > QR_ON_SHEET:
        parts.append('<table><tr><th>그 밖의 증빙</th><td class="small">')
        parts.append("<br>".join(
            f'{escape(kst_text(_dt(p["judged_at"])))} · {_verdict_line(p)} · {escape(p["proof_id"])}'
            + (" · 취소됨" if p.get("revoked") else "") for p in _listed(proofs)))
        parts.append(f"<br>{_more(proofs)}" if _more(proofs) else "")
        parts.append("</td></tr></table>")
    parts.append(f'<div class="foot">{escape(_footer(verify_base, generated_at))}</div>')
    parts.append("</body></html>")
    return "".join(parts)


FONTS = Path(__file__).with_name("fonts")  # GDesk Gothic KR: NanumGothic subset (OFL), see OFL.txt
_GREEN, _RED, _GREY, _HEAD = (26, 127, 55), (198, 40, 40), (68, 68, 68), (238, 241, 245)


class _PdfSheet:
    """An A4 page in the shipped Korean font, written top to bottom."""

    def __init__(self, title: str, generated_at: datetime) -> None:
        from fpdf import FPDF

        self.pdf = pdf = FPDF(format="A4", unit="mm")
        pdf.set_margins(14, 14, 14)
        pdf.set_auto_page_break(True, margin=14)
        pdf.add_font("gdesk", "", FONTS / "GDeskGothicKR-Regular.ttf")  # one face: parsing it costs most
        self.glyphs = pdf.fonts["gdesk"].cmap  # type: ignore[union-attr]  # a TTFFont: added above
        pdf.set_title(title)
        pdf.set_author("G-Desk")
        pdf.set_creator("G-Desk 원터치 출장 증빙")
        pdf.set_lang("ko")
        pdf.set_creation_date(generated_at)
        pdf.add_page()

    def shown(self, text: str) -> str:
        """A character the font lacks (an emoji) prints as □ rather than vanishing."""
        return "".join(c if ord(c) in self.glyphs or c == "\n" else "□" for c in text)

    def line(self, text: str, size: float = 10.5, color: tuple[int, int, int] = (17, 17, 17),
             x: float | None = None, align: str = "L") -> None:
        self.pdf.set_font("gdesk", "", size)
        self.pdf.set_text_color(*color)
        if x is not None:
            self.pdf.set_x(x)
        self.pdf.multi_cell(0, size * 0.5, self.shown(text), align=align,
                            new_x="LMARGIN", new_y="NEXT")

    def table(self, rows: list[tuple[str, str]]) -> None:
        from fpdf.fonts import FontFace

        self.pdf.set_font("gdesk", "", 10.5)
        self.pdf.set_draw_color(*_GREY)
        with self.pdf.table(col_widths=(28, self.pdf.epw - 28), first_row_as_headings=False, line_height=6,
                            padding=1.6) as table:
            for key, value in rows:
                row = table.row()
                row.cell(key, style=FontFace(fill_color=_HEAD))
                row.cell(self.shown(value))
        self.pdf.ln(3)

    def proof_box(self, proof: dict[str, Any], png: bytes | None, verify_base: str) -> None:
        """The QR on the left; verdict, times, flags, revocation and reasons on the right; a frame."""
        pdf, top, qr_size = self.pdf, self.pdf.get_y(), 46.0
        text_x = pdf.l_margin + qr_size + 6
        if png:
            pdf.image(io.BytesIO(png), x=pdf.l_margin + 3, y=top + 3, w=qr_size, h=qr_size)
        pdf.set_y(top + 4)
        passed, label, distance = _verdict_parts(proof)
        self.line(f"{label} · {distance}", 13, _GREEN if passed else _RED, x=text_x)
        for text in _proof_details(proof):
            self.line(text, x=text_x)
        if proof.get("revoked"):
            self.line(f'취소됨: {proof["revoked"]["reason"]}', color=_RED, x=text_x)
        for reason in proof["verdict"].get("reasons", []):
            self.line(f"• {reason}", 9, _GREY, x=text_x)
        self.line(_proof_note(proof, verify_base), 8.5, _GREY, x=text_x)
        bottom = max(top + qr_size + 6, pdf.get_y() + 3)
        pdf.rect(pdf.l_margin, top, pdf.epw, bottom - top)
        pdf.set_y(bottom + 3)

    def rule(self) -> None:
        pdf = self.pdf
        pdf.set_draw_color(153, 153, 153)
        pdf.line(pdf.l_margin, pdf.get_y() + 1, pdf.l_margin + pdf.epw, pdf.get_y() + 1)
        pdf.ln(3)


def evidence_pdf(order: TripOrder, proofs: list[dict[str, Any]], qr_pngs: dict[str, bytes],
                 generated_at: datetime, verify_base: str) -> bytes:
    """The same sheet as ``evidence_html`` as a one-page A4 PDF (the font's used glyphs embedded,
    text selectable), for attaching to the expense claim."""
    sheet = _PdfSheet(f"{TITLE} · {order.destination}", generated_at)
    sheet.line(TITLE, 18, align="C")
    sheet.pdf.ln(3)
    sheet.table(_order_rows(order))
    if not proofs:
        sheet.line(NO_PROOFS)
    for proof in proofs[:QR_ON_SHEET]:
        sheet.proof_box(proof, qr_pngs.get(proof["proof_id"]), verify_base)
    if len(proofs) > QR_ON_SHEET:
        sheet.line("그 밖의 증빙")
        for proof in _listed(proofs):
            _, label, distance = _verdict_parts(proof)
            sheet.line(f'{kst_text(_dt(proof["judged_at"]))} · {label} · {distance} · {proof["proof_id"]}'
                       + (" · 취소됨" if proof.get("revoked") else ""), 9, _GREY)
        if _more(proofs):
            sheet.line(_more(proofs), 9, _GREY)
        sheet.pdf.ln(2)
    sheet.rule()
    sheet.line(_footer(verify_base, generated_at), 8.5, _GREY)
    return bytes(sheet.pdf.output())


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
