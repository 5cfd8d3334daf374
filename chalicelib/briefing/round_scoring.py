"""One matching round with the meaning signal: item vectors, stale profile vectors, every pair scored.

Used by the notifier's ``on_new_items`` (the crawler's hand-off). Kept apart from it so that the
round is a pure function of plain values (profiles, items, vectors, document frequencies) and can
be unit-tested with a fake embedder; the caller reads and writes the store.

- Item vectors: taken from the item (the crawler stored them) or encoded here in one batch.
- Profile vectors: a profile whose department/duties text changed (or that was made by another
  model, or never had one) is re-encoded, at most ``MAX_REFRESH`` per round so that a duty table
  of thousands of rows does not stall one crawl round; the rest follow in the next rounds (and are
  matched on keywords and duty words meanwhile). The caller saves the refreshed ones.
- The pool: the vectors and titles of the most recent items (``relevance.POOL_SIZE``, kept with the
  matching statistics) with this round's appended; every profile's meaning is calibrated on it,
  starting from the pool items with one of its keywords in the title (``relevance.title_anchors``).
- If the embedder fails, the round goes on with the lexical scorer alone (logged by the caller).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from chalicelib.briefing import matching, relevance
from chalicelib.briefing.embedding import Embedder, EmbeddingError, item_text, pack_b64, unpack_b64

MAX_REFRESH = 200
TITLE_CHARS = 200  # of a pool item's squashed title, kept to find the keywords in
MeaningUpdates = list[tuple[Any, "dict[str, Any] | None"]]  # (profile, its new meaning record)


class ScoredProfile(Protocol):
    @property
    def user_id(self) -> str: ...
    @property
    def department(self) -> str: ...
    @property
    def duties(self) -> str: ...
    @property
    def keywords(self) -> tuple[str, ...]: ...
    @property
    def exclusions(self) -> tuple[str, ...]: ...
    @property
    def meaning(self) -> dict[str, Any] | None: ...

    def interest(self) -> matching.Interest: ...


class ScoredItem(Protocol):
    @property
    def item_id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def agency(self) -> str: ...


@dataclass(frozen=True)
class Scored:
    profile: Any  # ScoredProfile
    item: Any  # ScoredItem
    relevance: relevance.Relevance
    vector: str  # the item's packed vector (base64), "" when there is none


def item_vectors(items: Sequence[ScoredItem], embedder: Embedder | None,
                 stored: dict[str, str] | None = None) -> tuple[np.ndarray | None, dict[str, str]]:
    """(matrix in item order, item_id → packed vector); stored vectors are reused, the others
    encoded in one batch. (None, {}) when there is no embedder or it fails."""
    stored = dict(stored or {})
    have = {item.item_id: unpack_b64(stored.get(item.item_id)) for item in items}
    missing = [item for item in items if have[item.item_id] is None]
    if missing:
        if embedder is None:
            return None, {}
        encoded = embedder.encode([item_text(item.title, item.text) for item in missing])
        for item, vector in zip(missing, encoded, strict=True):
            have[item.item_id] = vector
            stored[item.item_id] = pack_b64(vector)
    if not items:
        return None, stored
    dims = {v.shape[0] for v in have.values() if v is not None}
    if len(dims) != 1:
        return None, {}
    # through pack/unpack once, so that a vector scores the same now and after storage
    rows = [unpack_b64(stored[item.item_id]) for item in items]
    matrix = np.vstack([row for row in rows if row is not None]).astype(np.float32)
    return matrix, {item.item_id: stored[item.item_id] for item in items}


def updated_pool(frequencies: matching.DocumentFrequencies, items: Sequence[ScoredItem],
                 packed: dict[str, str], model_id: str, size: int = relevance.POOL_SIZE
                 ) -> tuple[np.ndarray | None, list[str]]:
    """Append this round's item vectors and squashed titles to the pool kept in ``frequencies``
    (oldest first, at most ``size``; a pool of another model is dropped) and return its matrix and
    the titles of its rows ((None, []) when empty, or when the model is unknown: the pool is left as
    it is; a title kept before titles were kept is "")."""
    if not packed or not model_id:
        return None, []
    if frequencies.recent_model != model_id:
        frequencies.recent, frequencies.recent_titles, frequencies.recent_model = [], [], model_id
    fresh = [item for item in items if packed.get(item.item_id)]
    kept = frequencies.recent_titles  # one per vector: "" in front for vectors kept without a title
    titles = ([""] * len(frequencies.recent) + kept)[len(kept):]
    frequencies.recent = [*frequencies.recent, *(packed[item.item_id] for item in fresh)][-size:]
    frequencies.recent_titles = [*titles, *(matching.squash(item.title)[:TITLE_CHARS] for item in fresh)
                                 ][-size:]
    rows = [(v, title) for v, title in zip((unpack_b64(x) for x in frequencies.recent),
                                           frequencies.recent_titles, strict=True) if v is not None]
    if len({v.shape[0] for v, _ in rows}) != 1:
        return None, []
    return np.vstack([v for v, _ in rows]), [title for _, title in rows]


def refresh_meanings(profiles: Sequence[ScoredProfile], embedder: Embedder | None,
                     limit: int = MAX_REFRESH
                     ) -> tuple[list[relevance.MeaningProfile | None], MeaningUpdates]:
    """The meaning profile of each profile (in order) and the (profile, new meaning record) pairs
    the caller should save. Raises EmbeddingError only through the embedder."""
    meanings: list[relevance.MeaningProfile | None] = []
    changed: MeaningUpdates = []
    for profile in profiles:
        current = relevance.MeaningProfile.from_record(profile.meaning)
        if embedder is None:
            meanings.append(current)
            continue
        same_model = current is not None and current.model_id == embedder.model_id
        text = relevance.profile_text(profile.department, profile.duties, profile.keywords)
        if same_model and current is not None and current.source_text == text:
            meanings.append(current)
        elif not (profile.duties or "").strip():
            meanings.append(None)
            if profile.meaning:
                changed.append((profile, None))
        elif len(changed) >= limit:  # the next round; meanwhile the old vector of the same model
            meanings.append(current if same_model else None)
        else:
            built = relevance.build_meaning_profile(embedder, profile.department, profile.duties, current,
                                                     profile.keywords)
            meanings.append(built)
            changed.append((profile, built.to_record() if built is not None else None))
    return meanings, changed


def score_round(items: Sequence[ScoredItem], vectors: np.ndarray | None, packed: dict[str, str],
                profiles: Sequence[ScoredProfile], meanings: Sequence[relevance.MeaningProfile | None],
                frequencies: matching.DocumentFrequencies,
                counts: dict[str, Any] | None = None, pool: np.ndarray | None = None,
                pool_titles: Sequence[str] = ()) -> Iterator[Scored]:
    """Every (profile, item) pair whose combined tier is alert, digest or suppressed. ``pool`` and
    ``pool_titles``: recent item vectors and their titles (``updated_pool``) on which the meaning is
    calibrated."""
    counts = counts or {item.item_id: matching.document_terms(item.title, item.text) for item in items}
    squashed = {item.item_id: matching.squashed_item(item.title, item.text) for item in items}
    anchors = None
    if pool is not None and len(pool_titles) == len(pool):
        anchors = relevance.title_anchors([profile.keywords for profile in profiles], pool_titles,
                                          [profile.exclusions for profile in profiles])
    index = relevance.MeaningIndex(meanings, pool, anchors)
    sims = index.similarities(vectors) if vectors is not None else None
    zs = index.calibrated(vectors) if vectors is not None else None
    for j, profile in enumerate(profiles):
        matcher = matching.Matcher(profile.interest(), frequencies)
        for i, item in enumerate(items):
            match = matcher.score(item.title, item.text, item.agency, counts[item.item_id],
                                  squashed[item.item_id])
            if sims is None or zs is None or vectors is None:
                rel = relevance.combine(match, None, profile.duties)
            elif match.tier == "excluded" or index.surely_irrelevant(j, match.score, float(sims[i, j]),
                                                                     float(zs[i, j])):
                continue
            else:
                rel = index.relevance(j, match, vectors[i], float(sims[i, j]), profile.duties,
                                      float(zs[i, j]))
            if rel.relevant or rel.tier == "suppressed":
                yield Scored(profile, item, rel, packed.get(item.item_id, ""))


def safe_item_vectors(items: Sequence[ScoredItem], embedder: Embedder | None,
                      stored: dict[str, str] | None = None
                      ) -> tuple[np.ndarray | None, dict[str, str], str | None]:
    """``item_vectors`` that reports an embedder failure instead of raising (the round goes on)."""
    try:
        matrix, packed = item_vectors(items, embedder, stored)
        return matrix, packed, None
    except EmbeddingError as exc:
        return None, {}, str(exc)
