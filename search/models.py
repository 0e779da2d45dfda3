"""What the search knows besides the product index: the words it can correct to, and synonyms."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class SearchTerm(models.Model):
    """A word that occurs in the product index, so a misspelt query can be corrected to it.

    Filled by ``search.index`` whenever products are indexed. PostgreSQL looks
    words up through a GIN trigram index on ``word`` (migration 0004);
    SQLite through an FTS5 table with the trigram tokenizer that mirrors this one.
    """

    word = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("search term")

    def __str__(self) -> str:
        return self.word


def normalised_words(text: str) -> str:
    from search.index import query_words

    return " ".join(query_words(text, limit=None))


class Synonym(models.Model):
    """What a customer may type ("sunblock", "daane") and the words the shop's products use for it."""

    term = models.CharField(
        _("customers type"),
        max_length=64,
        unique=True,
        help_text=_("One or two words, e.g. “sunblock” or “face wash”. Letters, digits and spaces only."),
    )
    means = models.CharField(
        _("search also for"),
        max_length=255,
        help_text=_("Words or phrases the products use, separated by commas, e.g. “brightening, pigmentation”."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["term"]
        verbose_name = _("search synonym")

    def __str__(self) -> str:
        return f"{self.term} → {self.means}"

    def meanings(self) -> list[str]:
        return [m for m in (normalised_words(part) for part in self.means.split(",")) if m]

    def clean(self):
        self.term = normalised_words(self.term)
        if not self.term:
            raise ValidationError({"term": _("Type the word customers search for.")})
        if len(self.term.split()) > 2:
            raise ValidationError({"term": _("Use one or two words.")})
        meanings = self.meanings()
        if not meanings:
            raise ValidationError({"means": _("Give at least one word to search for instead.")})
        if self.term in meanings:
            raise ValidationError({"means": _("A word cannot be a synonym of itself.")})
        self.means = ", ".join(meanings)
