"""An item's text with its attachments' texts: one string (what the store keeps and matching
reads), split again wherever someone needs to know which file a word came from.

The page text comes first; each readable attachment follows as a section that starts with the
record separator U+001E and the file name on its own line. U+001E never survives extraction
(readers turn controls into spaces or drop them, and ``compose`` removes any left), so the split
is exact.
"""

from __future__ import annotations

from collections.abc import Sequence

MARK = "\x1e"


def compose(page_text: str, attachments: Sequence[tuple[str, str]]) -> str:
    """``page_text`` followed by ``(file name, text)`` sections (empty texts are left out)."""
    parts = [page_text.replace(MARK, " ")]
    for name, text in attachments:
        if text.strip():
            clean_name = " ".join(name.replace(MARK, " ").split()) or "첨부파일"
            parts.append(f"{MARK}{clean_name}\n{text.replace(MARK, ' ')}")
    return "\n\n".join(parts)


def split(text: str) -> tuple[str, list[tuple[str, str]]]:
    """The inverse of ``compose``: ``(page text, [(file name, text), ...])``."""
    page, *sections = (text or "").split(MARK)
    out = []
    for section in sections:
        name, _, body = section.partition("\n")
        out.append((name.strip(), body.strip()))
    return page.strip(), out


def readable(text: str) -> str:
    """The text as a person reads it: each attachment under a ``[첨부: name]`` line."""
    page, sections = split(text)
    return "\n\n".join([page] + [f"[첨부: {name}]\n{body}" for name, body in sections])
