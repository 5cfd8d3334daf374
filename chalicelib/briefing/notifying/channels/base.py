"""What every channel adapter sends: one message (an item alert or the morning digest)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class SendError(Exception):
    """A send failed. ``retryable``: worth another attempt later (network, 429, 5xx)."""

    def __init__(self, message: str, *, retryable: bool = True, status: int | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.status = status


@dataclass(frozen=True)
class Message:
    kind: str  # "item" | "digest"
    title: str
    url: str = ""
    agency: str = ""
    published_at: str = ""
    reason: str = ""
    score: float = 0.0
    item_id: str = ""
    page_url: str = ""  # the /briefing page
    entries: tuple[dict[str, Any], ...] = field(default_factory=tuple)  # digest items

    def when(self) -> str:
        """'2024-05-01 14:03' from the ISO KST time."""
        return self.published_at[:16].replace("T", " ") if self.published_at else ""

    def text(self) -> str:
        """Plain Korean text (e-mail body, messengers without formatting)."""
        if self.kind == "digest":
            lines = [self.title, ""]
            for i, entry in enumerate(self.entries, 1):
                lines.append(f"{i}. {entry['title']} ({entry.get('agency', '')}, "
                             f"{str(entry.get('published_at', ''))[:16].replace('T', ' ')})")
                lines.append(f"   사유: {entry.get('reason', '')}")
                lines.append(f"   {entry.get('url', '')}")
            if self.page_url:
                lines += ["", f"전체 보기: {self.page_url}"]
            return "\n".join(lines)
        lines = [f"[AI 비서] {self.title}", f"{self.agency} · {self.when()}", f"사유: {self.reason}",
                 self.url]
        if self.page_url:
            lines.append(f"내 브리핑: {self.page_url}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "title": self.title}
        if self.kind == "digest":
            out["items"] = [dict(e) for e in self.entries]
        else:
            out.update(item_id=self.item_id, url=self.url, agency=self.agency,
                       published_at=self.published_at, reason=self.reason, score=self.score)
        if self.page_url:
            out["page_url"] = self.page_url
        return out
