"""Writes of the search's own data: the synonyms staff keep in the dashboard."""

from __future__ import annotations

from django.db import transaction
from oscar.core.loading import get_model

Synonym = get_model("search", "Synonym")


@transaction.atomic
def synonym_save(*, synonym: Synonym | None = None, term: str, means: str) -> Synonym:
    """Create or change a synonym; the next search reads queries with it (search/receivers.py)."""
    synonym = synonym or Synonym()
    synonym.term = term
    synonym.means = means
    # clean() first: it normalises the term, which the uniqueness check then reads.
    synonym.clean()
    synonym.full_clean()
    synonym.save()
    return synonym


@transaction.atomic
def synonym_delete(*, synonym: Synonym) -> None:
    synonym.delete()
