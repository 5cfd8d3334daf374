"""PDF: the text layer, page by page, with pdfium (pypdfium2: Apache-2.0/BSD-3, the library
Chrome uses). Measured against pdfminer.six and pypdf in bench/attachments.py.

A scanned PDF without a text layer gives empty text (no OCR). A password → unreadable.
"""

from __future__ import annotations

from chalicelib.briefing.crawling.documents.base import Limits, corrupt, encrypted, too_large


def read_pdf(data: bytes, limits: Limits) -> str:
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise encrypted() from exc
        raise corrupt("PDF 구조 오류") from exc
    try:
        pages = len(document)
        if pages > limits.max_pages:
            raise too_large("쪽 수", limits.max_pages)
        texts: list[str] = []
        size = 0
        for index in range(pages):
            page = document[index]
            try:
                textpage = page.get_textpage()
                try:
                    text = textpage.get_text_bounded()
                finally:
                    textpage.close()
            finally:
                page.close()
            texts.append(text)
            size += len(text)
            if size > limits.max_chars:
                break
    finally:
        document.close()
    return "\n".join(texts).replace("\x00", "").replace("\ufffe", "")
