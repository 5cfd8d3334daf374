"""From new items to notifications: called by the crawler after it stored a round's new items.

For each item that is not a near-duplicate of an earlier one: update the matching statistics
(document frequencies, in the bucket), score it against every enabled profile, store each relevant
match with its reason, and either enqueue an alert (NotifyQueue) or file it for the digest.
Safe to call twice with the same items: matches and digest entries are written once, and the
notifier sends at most one message per (user, item).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from chalicelib.briefing.matching import Match, Matcher, document_terms
from chalicelib.briefing.model import Item
from chalicelib.briefing.notifying.notify import digest_entry
from chalicelib.briefing.notifying.ports import NotifyStorePort, match_key


def _attachment(value: Any) -> dict[str, str]:
    data = value if isinstance(value, dict) else asdict(value)
    shown = {k: str(data.get(k, "") or "") for k in ("name", "url", "kind", "status", "reason", "excerpt")}
    return {k: v for k, v in shown.items() if v or k in ("name", "url", "kind")}  # read status once known


def match_record(item: Item, match: Match) -> dict[str, Any]:
    return {
        "item_id": item.item_id, "title": item.title, "url": item.url or item.canonical_url,
        "agency": item.agency, "source_id": item.source_id, "published_at": item.published_at,
        "attachments": [_attachment(a) for a in item.attachments], "score": round(match.score, 4),
        "tier": match.tier, "reason": match.reason, "keywords": list(match.keywords),
        "terms": list(match.terms), "followed_agency": match.agency or "",
        "status": "queued" if match.tier == "alert" else "digest",
    }


def on_new_items(items: Sequence[Item], store: NotifyStorePort) -> dict[str, int]:
    """Match and route a round's new items; returns counts (for logs and tests)."""
    fresh = [item for item in items if not item.duplicate_of]
    counts = {"items": len(fresh), "matches": 0, "alerts": 0, "digest": 0}
    if not fresh:
        return counts
    frequencies = store.load_frequencies()
    terms = {item.item_id: document_terms(item.title, item.text) for item in fresh}
    for item_terms in terms.values():
        frequencies.add(item_terms)
    frequencies.prune()
    try:
        store.save_frequencies(frequencies)
    except Exception:  # noqa: BLE001 - statistics are approximate; matching goes on
        _observability().logger.exception("could not save the matching statistics")
    alerts: list[dict[str, Any]] = []
    for profile in store.iter_profiles():
        if not profile.enabled:
            continue
        matcher = Matcher(profile.interest(), frequencies)
        for item in fresh:
            match = matcher.score(item.title, item.text, item.agency, terms[item.item_id])
            if not match.relevant:
                continue
            record = match_record(item, match)
            store.put_match(profile.user_id, record)
            counts["matches"] += 1
            if match.tier == "alert":
                alerts.append({"kind": "item", "user": profile.user_id, "item_id": item.item_id,
                               "match_sk": match_key(item.published_at, item.item_id)})
            else:
                store.add_digest_entry(profile.user_id, digest_entry(record))
                counts["digest"] += 1
    if alerts:
        store.enqueue(alerts)
        counts["alerts"] = len(alerts)
    _observability().metrics.add_metric(name="BriefingMatches", unit="Count", value=counts["matches"])
    _observability().logger.info("briefing matching round", extra=counts)
    return counts


def _observability() -> Any:
    """Powertools' logger and metrics, imported on first use: they load botocore, and this module
    stays importable without it."""
    from chalicelib import observability

    return observability
