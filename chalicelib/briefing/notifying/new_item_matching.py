"""From new items to notifications: called by the crawler after it stored a round's new items.

For each item that is not a near-duplicate of an earlier one: update the matching statistics
(document frequencies, in the bucket), embed it (the meaning signal; ``round_scoring``), refresh the
vectors of profiles whose duties changed, score it against every enabled profile (keywords + duties
meaning + agency + feedback), store each relevant match with its reason and the item's vector, and
either enqueue an alert (NotifyQueue) or file it for the digest.
Safe to call twice with the same items: matches and digest entries are written once, and the
notifier sends at most one message per (user, item).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, replace
from typing import TYPE_CHECKING, Any

from chalicelib.briefing.matching import document_terms
from chalicelib.briefing.model import Item
from chalicelib.briefing.notifying.notify import digest_entry
from chalicelib.briefing.notifying.ports import NotifyStorePort, match_key

if TYPE_CHECKING:
    from chalicelib.briefing.relevance import Relevance


def _attachment(value: Any) -> dict[str, str]:
    data = value if isinstance(value, dict) else asdict(value)
    shown = {k: str(data.get(k, "") or "") for k in ("name", "url", "kind", "status", "reason", "excerpt")}
    return {k: v for k, v in shown.items() if v or k in ("name", "url", "kind")}  # read status once known


def match_record(item: Item, rel: Relevance, vector: str = "") -> dict[str, Any]:
    match, meaning = rel.match, rel.meaning
    record = {
        "item_id": item.item_id, "title": item.title, "url": item.url or item.canonical_url,
        "agency": item.agency, "source_id": item.source_id, "published_at": item.published_at,
        "attachments": [_attachment(a) for a in item.attachments], "score": round(rel.score, 4),
        "tier": rel.tier, "reason": rel.reason, "keywords": list(match.keywords),
        "terms": list(match.terms), "followed_agency": match.agency or "",
        "status": "queued" if rel.tier == "alert" else "digest",
    }
    if meaning is not None:
        record.update(similarity=str(round(meaning.similarity, 4)), duty=meaning.facet)
    if vector:
        record["vector"] = vector  # the item's meaning vector: 👍/👎 move the profile with it
    return record


def on_new_items(items: Sequence[Item], store: NotifyStorePort, embedder: Any = None) -> dict[str, int]:
    """Match and route a round's new items; returns counts (for logs and tests)."""
    from chalicelib.briefing import round_scoring

    fresh = [item for item in items if not item.duplicate_of]
    counts = {"items": len(fresh), "matches": 0, "alerts": 0, "digest": 0, "suppressed": 0}
    if not fresh:
        return counts
    frequencies = store.load_frequencies()
    terms = {item.item_id: document_terms(item.title, item.text) for item in fresh}
    for item_terms in terms.values():
        frequencies.add(item_terms)
    frequencies.prune()
    stored = {item.item_id: item.vector for item in fresh if getattr(item, "vector", "")}
    vectors, packed, problem = round_scoring.safe_item_vectors(fresh, embedder, stored)
    model_id = getattr(embedder, "model_id", "")
    pool, pool_titles = round_scoring.updated_pool(frequencies, fresh, packed, model_id)
    try:
        store.save_frequencies(frequencies)
    except Exception:  # noqa: BLE001 - statistics are approximate; matching goes on
        _observability().logger.exception("could not save the matching statistics")
    profiles = [profile for profile in store.iter_profiles() if profile.enabled]
    meanings: list[Any] = [None] * len(profiles)
    if problem:  # the round goes on with keywords and duty words
        _observability().logger.warning("briefing meaning signal unavailable",
                                        extra={"reason": problem})
    else:
        meanings = _refresh_meanings(store, profiles, embedder)
    alerts: list[dict[str, Any]] = []
    for scored in round_scoring.score_round(fresh, vectors, packed, profiles, meanings, frequencies, terms,
                                              pool, pool_titles):
        profile, item, rel = scored.profile, scored.item, scored.relevance
        if rel.tier == "suppressed":  # three 👎 on items of this kind: kept quiet
            counts["suppressed"] += 1
            continue
        record = match_record(item, rel, scored.vector)
        store.put_match(profile.user_id, record)
        counts["matches"] += 1
        if rel.tier == "alert":
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


def _refresh_meanings(store: Any, profiles: list[Any], embedder: Any) -> list[Any]:
    """Profile vectors for this round; changed ones are saved (a concurrent edit wins: its vector
    is made next round)."""
    from chalicelib.briefing import round_scoring
    from chalicelib.briefing.embedding import EmbeddingError
    from chalicelib.briefing.notifying.ports import ProfileChanged

    try:
        meanings, changed = round_scoring.refresh_meanings(profiles, embedder)
    except EmbeddingError as exc:
        _observability().logger.warning("briefing profile vectors unavailable",
                                        extra={"reason": str(exc)})
        return [None] * len(profiles)
    for profile, record in changed:
        try:
            store.put_profile(replace(profile, meaning=record), profile.version)
        except ProfileChanged:
            continue
    return meanings


def _observability() -> Any:
    """Powertools' logger and metrics, imported on first use: they load botocore, and this module
    stays importable without it."""
    from chalicelib import observability

    return observability
