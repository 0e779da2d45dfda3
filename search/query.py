"""How a customer's words are read: prefixes, synonyms and corrections of misspellings.

Pure rules (edit distance, how many edits a word may take) sit beside the
lookups they steer; the lookups go through the search index's engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from oscar.core.loading import get_model

from search.index import Groups, Phrase, _engine

# Words shorter than this are never corrected: "acne" is one edit from "acme".
MIN_CORRECTED_LENGTH = 5
MAX_EDITS = 2
CANDIDATES = 40


def max_edits(word: str) -> int:
    return MAX_EDITS if len(word) >= MIN_CORRECTED_LENGTH else 0


def edit_distance(a: str, b: str, *, limit: int = MAX_EDITS) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions and swaps of
    neighbours count one each (``isotretinion`` is one swap from ``isotretinoin``).

    Stops early once every way through exceeds ``limit`` and returns ``limit + 1``.
    """
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return min(previous[-1], limit + 1)


@dataclass(frozen=True)
class Reading:
    """A query as the index will be asked it, and what was read differently from what was typed."""

    groups: Groups
    corrections: dict[str, tuple[str, ...]] = field(default_factory=dict)
    synonyms: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _synonyms(words: list[str]) -> dict[str, list[str]]:
    Synonym = get_model("search", "Synonym")
    terms = set(words) | {" ".join(words[i : i + 2]) for i in range(len(words) - 1)}
    return {s.term: s.meanings() for s in Synonym.objects.filter(term__in=terms)}


def known_prefix(word: str) -> bool:
    """Whether some indexed word starts with ``word``."""
    SearchTerm = get_model("search", "SearchTerm")
    return SearchTerm.objects.filter(word__startswith=word).exists()


def _same_start(word: str) -> list[str]:
    # Too short to share a trigram with its right spelling ("zync", "zinc"):
    # words of about its length that start with its letter.
    from django.db.models.functions import Length

    SearchTerm = get_model("search", "SearchTerm")
    return list(
        SearchTerm.objects.annotate(length=Length("word"))
        .filter(word__startswith=word[0], length__range=(len(word) - 1, len(word) + 1))
        .order_by("word")
        .values_list("word", flat=True)[:500]
    )


def corrections(word: str, *, limit: int | None = None) -> list[str]:
    """The indexed words closest to ``word``, within its allowed edits (all those equally close)."""
    limit = max_edits(word) if limit is None else limit
    if not limit:
        return []
    scored = []
    candidates = _engine().similar_terms(word, CANDIDATES) if len(word) >= MIN_CORRECTED_LENGTH else _same_start(word)
    for candidate in candidates:
        distance = edit_distance(word, candidate, limit=limit)
        if distance <= limit:
            scored.append((distance, candidate))
    if not scored:
        return []
    best = min(distance for distance, _ in scored)
    return sorted(candidate for distance, candidate in scored if distance == best)


def read_query(words: list[str]) -> Reading:
    """Every word (or two-word synonym) becomes a group of phrases, any of which may match."""
    synonyms = _synonyms(words) if words else {}
    groups: list[tuple[Phrase, ...]] = []
    corrected: dict[str, tuple[str, ...]] = {}
    used_synonyms: dict[str, tuple[str, ...]] = {}
    i = 0
    while i < len(words):
        pair = " ".join(words[i : i + 2])
        if i + 1 < len(words) and pair in synonyms:
            typed, meanings = tuple(words[i : i + 2]), synonyms[pair]
            i += 2
        else:
            typed, meanings = (words[i],), synonyms.get(words[i], [])
            i += 1
        phrases = [Phrase(typed)] + [Phrase(tuple(m.split())) for m in meanings]
        if meanings:
            used_synonyms[" ".join(typed)] = tuple(meanings)
        elif len(typed) == 1 and max_edits(typed[0]) and not known_prefix(typed[0]):
            fixes = corrections(typed[0])
            if fixes:
                corrected[typed[0]] = tuple(fixes)
                phrases += [Phrase((fix,)) for fix in fixes]
        groups.append(tuple(phrases))
    return Reading(groups=tuple(groups), corrections=corrected, synonyms=used_synonyms)


def did_you_mean(words: list[str]) -> str | None:
    """A looser spelling of a query that found nothing: each unknown word's closest indexed word.

    Shorter words are tried too here (one edit), since nothing was found anyway.
    """
    suggested, changed = [], False
    for word in words:
        if len(word) < 3 or known_prefix(word):
            suggested.append(word)
            continue
        fixes = corrections(word, limit=MAX_EDITS if len(word) >= MIN_CORRECTED_LENGTH else 1)
        if fixes:
            suggested.append(fixes[0])
            changed = True
        else:
            suggested.append(word)
    return " ".join(suggested) if changed else None
