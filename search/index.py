"""The product search index, kept in the shop's own database.

PostgreSQL uses a ``tsvector`` column with a GIN index; SQLite uses an FTS5
virtual table. Both live in the table ``search_productindex`` (created by this
app's migrations) and hold one row per browsable, public product, so the index
is as fresh as the catalogue: it is written in the same transaction as the
product, and there is no separate search server for app servers to share.

A customer's words are read forgivingly (``search.query``): every word is a
prefix, synonyms from the dashboard are added, and a word of five letters or
more that occurs nowhere in the catalogue is corrected to the words within two
edits of it (``search.models.SearchTerm``, looked up through trigrams).

Each row keeps three weights of text: what the product is (title, brand,
generic name), what the shop says about it (description, categories,
concerns), and its drug information. A product whose first two match ranks
above every product that only mentions the query in its drug information.

Only this module knows the SQL of either engine. The rest of the shop calls
``index_products``, ``unindex_products`` and ``ProductSearchResults``.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection, transaction
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.models.expressions import RawSQL
from django.utils.functional import cached_property
from django.utils.html import strip_tags
from oscar.core.loading import get_model

Product = get_model("catalogue", "Product")

TABLE = "search_productindex"
TERM_TRIGRAMS = "search_term_trigram"
# Within a tier, bm25 / ts_rank weights of the three texts.
KEY_WEIGHT, BODY_WEIGHT, DRUG_WEIGHT = 10.0, 3.0, 0.5
# Tiers: every word matched in the key text; in the key or body; anywhere.
TIER_KEY, TIER_BODY, TIER_DRUG = "key", "body", "any"

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_QUERY_WORDS = 8
MAX_TERM_LENGTH = 64

INDEX_VERSION_KEY = "search:index-version"
# A shared ranking is dropped by every index write; the timeout only bounds
# what a write that bypassed the index (a bulk update) can leave behind.
SHARED_RESULTS_TIMEOUT = 60 * 10


def query_words(query: str, limit: int | None = MAX_QUERY_WORDS) -> list[str]:
    """The words of a customer's query, without any search-engine syntax.

    Everything but letters and digits is dropped, so quotes, operators or
    column filters typed into the box can neither break the query nor widen it.
    """
    words = [w.lower() for w in _WORD.findall(query or "") if w.strip("_")]
    return words[:limit] if limit is not None else words


@dataclass(frozen=True)
class Document:
    product_id: int
    key: str
    body: str
    drug: str = ""


_PRODUCT_FIELDS = {field.name for field in Product._meta.get_fields()}
# Brand, concerns and skin types come with the product data of issue 15.
_NAMED_RELATIONS = [name for name in ("concerns", "skin_types") if name in _PRODUCT_FIELDS]


def _drug_text(drug) -> str:
    questions = " ".join(f"{q.question} {q.answer}" for q in drug.questions.all())
    return " ".join(
        [
            drug.summary,
            drug.how_it_works,
            drug.who_must_not_take,
            drug.interactions,
            drug.pregnancy_and_breastfeeding,
            questions,
        ]
    )


def build_documents(products: Iterable) -> list[Document]:
    """Turn products (from ``indexable_products``) into index rows."""
    documents = []
    for product in products:
        drug = product.drug_information
        brand = getattr(product, "brand", None)
        key = [product.title, brand.name if brand else "", drug.name if drug else "", product.upc or ""]
        body = [
            strip_tags(product.description or ""),
            " ".join(category.name for category in product.categories.all()),
            product.product_class.name if product.product_class_id else "",
            *(" ".join(item.name for item in getattr(product, name).all()) for name in _NAMED_RELATIONS),
        ]
        if drug is not None:
            body.append(drug.drug_class.replace("-", " "))
        if product.requires_prescription:
            body.append("prescription")
        documents.append(
            Document(
                product.pk,
                " ".join(p for p in key if p),
                " ".join(p for p in body if p),
                _drug_text(drug) if drug is not None else "",
            )
        )
    return documents


def indexable_products():
    """Products that belong in the index: what a customer can browse to."""
    related = ["product_class", "drug_information"] + (["brand"] if "brand" in _PRODUCT_FIELDS else [])
    return (
        Product.objects.browsable()
        .select_related(*related)
        .prefetch_related("categories", "drug_information__questions", *_NAMED_RELATIONS)
    )


def index_version() -> str:
    """Replaced by every write to the index, so shared rankings never outlive what they ranked."""
    return cache.get_or_set(INDEX_VERSION_KEY, lambda: uuid.uuid4().hex, None)


def index_changed() -> None:
    """Forget every shared ranking: the index, or how queries are read (synonyms), changed."""

    def forget() -> None:
        cache.set(INDEX_VERSION_KEY, uuid.uuid4().hex, None)

    # Now, so this request sees its own write, and after the commit, in case
    # another request ranked the old rows in between.
    forget()
    transaction.on_commit(forget)


def _document_words(documents: Iterable[Document]) -> set[str]:
    words = set()
    for document in documents:
        for text in (document.key, document.body, document.drug):
            words.update(w for w in query_words(text, limit=None) if 3 <= len(w) <= MAX_TERM_LENGTH and w.isalpha())
    return words


def remember_words(words: set[str]) -> None:
    """Add the words the index now holds to the terms a misspelling can be corrected to.

    Words are never forgotten one by one (a word left behind only corrects a
    query to something that finds nothing); ``rebuild_index`` starts afresh.
    """
    SearchTerm = get_model("search", "SearchTerm")
    words = sorted(words)
    for start in range(0, len(words), 500):
        chunk = words[start : start + 500]
        known = set(SearchTerm.objects.filter(word__in=chunk).values_list("word", flat=True))
        new = [w for w in chunk if w not in known]
        if new:
            SearchTerm.objects.bulk_create([SearchTerm(word=w) for w in new], ignore_conflicts=True)
            _engine().add_terms(new)


def index_products(product_ids: Sequence[int]) -> None:
    """(Re)write the index rows of these products; drop those no longer browsable."""
    product_ids = list(product_ids)
    if not product_ids:
        return
    documents = build_documents(indexable_products().filter(pk__in=product_ids))
    _engine().replace(product_ids, documents)
    remember_words(_document_words(documents))
    index_changed()


def unindex_products(product_ids: Sequence[int]) -> None:
    _engine().replace(list(product_ids), [])
    index_changed()


def clear_index() -> None:
    """Empty the index: for tests, whose flushes empty the model tables but not this one."""
    get_model("search", "SearchTerm").objects.all().delete()
    _engine().clear()
    index_changed()


def rebuild_index(batch_size: int = 2000) -> int:
    """Rebuild the whole index from the catalogue; returns the number of rows."""
    clear_index()
    engine = _engine()
    count = 0
    ids = list(indexable_products().order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch_size):
        chunk = ids[start : start + batch_size]
        documents = build_documents(indexable_products().filter(pk__in=chunk).order_by("pk"))
        engine.replace([], documents)
        remember_words(_document_words(documents))
        count += len(documents)
    return count


def index_is_empty() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {TABLE} LIMIT 1")
        return cursor.fetchone() is None


# --- Queries ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Phrase:
    """Words that must follow each other; the last one may be the start of a word."""

    words: tuple[str, ...]


# A query is a list of groups, all of which must match; a group matches when
# any of its phrases does (the word typed, its synonyms, its corrections).
Groups = Sequence[Sequence[Phrase]]


class ProductSearchResults:
    """The products matching a query, best first, sliced lazily.

    Django's Paginator only needs ``count()`` and slicing, so a page of results
    costs one count and one ranked id query against the index, plus the query
    that loads that page's products with their prefetches.

    The count and the ranking both read the same query: the products of
    ``queryset`` that the index matches. An index row whose product is gone or
    no longer browsable (the index is written by signals, and a flush or a bulk
    update skips them) is therefore neither counted nor ranked, so "4 products
    found" can never sit above one product.

    With ``shared_as`` (a name for ``queryset``, which must then be the same
    for every visitor), the reading of the query, the count and the ranked ids
    are kept in the cache under the index's version: a popular query is ranked
    once per index write, not once per visitor. Only ids are kept; the
    products themselves, their prices and stock, are loaded fresh on every
    request.
    """

    def __init__(self, query: str, queryset=None, shared_as: str | None = None):
        self.words = query_words(query)
        self.queryset = queryset if queryset is not None else Product.objects.all()
        self.shared_as = shared_as
        self._count: int | None = None

    @cached_property
    def reading(self):
        from search.query import read_query

        return self._shared("reading", lambda: read_query(self.words), shared_by_all=True)

    @property
    def groups(self) -> Groups:
        return self.reading.groups

    def matching_ids_sql(self) -> RawSQL:
        """The ids the index matches, as SQL a queryset can filter on (``pk__in``)."""
        return RawSQL(*_engine().matching_ids(self.groups))

    def _matching(self):
        return self.queryset.filter(pk__in=self.matching_ids_sql()).order_by()

    def filtered(self, queryset) -> ProductSearchResults:
        """The same query over other products (a filtered listing), sharing this one's reading."""
        other = ProductSearchResults("", queryset=queryset)
        other.words = self.words
        other.__dict__["reading"] = self.reading
        return other

    @cached_property
    def _version(self) -> str:
        # The version is read once, so a page's count and ranking share one.
        return index_version()

    def _shared_key(self, scope: str) -> str:
        words = hashlib.blake2b(" ".join(self.words).encode(), digest_size=16).hexdigest()
        return f"search:{scope}:{self._version}:{words}"

    def _shared(self, what: str, compute, shared_by_all: bool = False):
        if shared_by_all:
            return cache.get_or_set(f"{self._shared_key('all')}:{what}", compute, SHARED_RESULTS_TIMEOUT)
        if self.shared_as is None:
            return compute()
        return cache.get_or_set(f"{self._shared_key(self.shared_as)}:{what}", compute, SHARED_RESULTS_TIMEOUT)

    def count(self) -> int:
        if self._count is None:
            self._count = self._shared("count", lambda: self._matching().count()) if self.groups else 0
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item):
        if not isinstance(item, slice):
            return self[item : item + 1][0]
        start = item.start or 0
        stop = item.stop if item.stop is not None else self.count()
        if not self.groups or stop <= start:
            return []
        ids = self._shared(f"ranked:{start}:{stop}", lambda: self._ranked_ids(start, stop))
        by_id = {p.pk: p for p in self.queryset.filter(pk__in=ids)}
        return [by_id[pk] for pk in ids if pk in by_id]

    def _ranked_ids(self, start: int, stop: int) -> list[int]:
        engine = _engine()
        # Correlated with the index row being ranked: one primary-key lookup
        # per match, instead of running the MATCH a second time to list them.
        within = self.queryset.filter(pk=RawSQL(engine.row_id, ())).order_by().values("pk")
        return engine.ranked_ids(self.groups, limit=stop - start, offset=start, within=within.query.sql_with_params())


def _trigrams(word: str) -> list[str]:
    return sorted({word[i : i + 3] for i in range(len(word) - 2)})


class _SQLiteEngine:
    row_id = f"{TABLE}.rowid"

    def create_table(self, cursor) -> None:
        # No stemmer: the porter stemmer turned the prefix "doxy" into "doxi",
        # which starts no word of "doxycycline". Plurals are prefixes or corrections.
        cursor.execute(
            f"CREATE VIRTUAL TABLE {TABLE} USING fts5(key, body, drug, tokenize = 'unicode61 remove_diacritics 2')"
        )
        cursor.execute(f"CREATE VIRTUAL TABLE {TERM_TRIGRAMS} USING fts5(word, tokenize = 'trigram')")

    def drop_table(self, cursor) -> None:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
        cursor.execute(f"DROP TABLE IF EXISTS {TERM_TRIGRAMS}")

    @staticmethod
    def _match(groups: Groups, columns: str | None = None) -> str:
        # Each phrase is quoted, so FTS5 reads it as terms, never as syntax; the
        # trailing * lets "isotret" find "isotretinoin" while the customer types.
        expression = " AND ".join(
            "(" + " OR ".join('"{}"*'.format(" ".join(p.words)) for p in group) + ")" for group in groups
        )
        return f"{{{columns}}} : ({expression})" if columns else expression

    def clear(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE}")
            cursor.execute(f"DELETE FROM {TERM_TRIGRAMS}")

    def replace(self, remove_ids: list[int], documents: list[Document]) -> None:
        ids = list(remove_ids) + [d.product_id for d in documents]
        with connection.cursor() as cursor:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(f"DELETE FROM {TABLE} WHERE rowid IN ({marks})", chunk)
            cursor.executemany(
                f"INSERT INTO {TABLE} (rowid, key, body, drug) VALUES (%s, %s, %s, %s)",
                [(d.product_id, d.key, d.body, d.drug) for d in documents],
            )

    def add_terms(self, words: list[str]) -> None:
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {TERM_TRIGRAMS} (word) VALUES (%s)", [(w,) for w in words])

    def similar_terms(self, word: str, limit: int) -> list[str]:
        trigrams = _trigrams(word)
        if not trigrams:
            return []
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT word FROM {TERM_TRIGRAMS} WHERE {TERM_TRIGRAMS} MATCH %s "
                "AND length(word) BETWEEN %s AND %s ORDER BY rank LIMIT %s",
                [" OR ".join(f'"{t}"' for t in trigrams), len(word) - 2, len(word) + 2, limit],
            )
            return [row[0] for row in cursor.fetchall()]

    def matching_ids(self, groups: Groups) -> tuple[str, list]:
        return f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s", [self._match(groups)]

    def ranked_ids(self, groups: Groups, limit: int, offset: int, within: tuple[str, Sequence]) -> list[int]:
        within_sql, within_params = within
        with connection.cursor() as cursor:
            cursor.execute(
                # EXISTS, not "rowid IN (...)": FTS5 is handed a rowid list and runs its
                # MATCH once for every id in it (seconds at 100,000 products). The tiers'
                # lists are each matched once, then looked up.
                f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s AND EXISTS ({within_sql}) "
                f"ORDER BY CASE WHEN rowid IN (SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s) THEN 0 "
                f"WHEN rowid IN (SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s) THEN 1 ELSE 2 END, "
                f"bm25({TABLE}, {KEY_WEIGHT}, {BODY_WEIGHT}, {DRUG_WEIGHT}), rowid DESC LIMIT %s OFFSET %s",
                [
                    self._match(groups),
                    *within_params,
                    self._match(groups, "key"),
                    self._match(groups, "key body"),
                    limit,
                    offset,
                ],
            )
            return [row[0] for row in cursor.fetchall()]


class _PostgreSQLEngine:
    # No stemming (see _SQLiteEngine.create_table): prefixes and corrections instead.
    config = "simple"
    row_id = f"{TABLE}.product_id"

    def create_table(self, cursor) -> None:
        # No foreign key: Django does not know this table, and a key pointing
        # at catalogue_product would stop it emptying that table (flush, and
        # the test suite). Rows follow deletions through search/receivers.py;
        # a row left behind matches no product and is never shown.
        cursor.execute(f"CREATE TABLE {TABLE} (product_id integer PRIMARY KEY, document tsvector NOT NULL)")
        cursor.execute(f"CREATE INDEX {TABLE}_document ON {TABLE} USING GIN (document)")

    def drop_table(self, cursor) -> None:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")

    @staticmethod
    def _tsquery(groups: Groups, weights: str = "") -> str:
        # Quoted lexemes with a prefix marker: to_tsquery never sees operators
        # the customer typed. ``weights`` ("A", "AB") keeps a tier's texts only.
        def phrase(p: Phrase) -> str:
            lexemes = ["'{}'".format(w.replace("'", "")) for w in p.words]
            lexemes = [f"{lexeme}:{weights}" if weights else lexeme for lexeme in lexemes[:-1]] + [
                f"{lexemes[-1]}:*{weights}"
            ]
            return "(" + " <-> ".join(lexemes) + ")"

        return " & ".join("(" + " | ".join(phrase(p) for p in group) + ")" for group in groups)

    def clear(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE}")

    def replace(self, remove_ids: list[int], documents: list[Document]) -> None:
        with connection.cursor() as cursor:
            if remove_ids:
                cursor.execute(f"DELETE FROM {TABLE} WHERE product_id = ANY(%s)", [list(remove_ids)])
            cursor.executemany(
                f"INSERT INTO {TABLE} (product_id, document) VALUES (%s, "
                f"setweight(to_tsvector('{self.config}', %s), 'A') || "
                f"setweight(to_tsvector('{self.config}', %s), 'B') || "
                f"setweight(to_tsvector('{self.config}', %s), 'C')) "
                "ON CONFLICT (product_id) DO UPDATE SET document = EXCLUDED.document",
                [(d.product_id, d.key, d.body, d.drug) for d in documents],
            )

    def add_terms(self, words: list[str]) -> None:
        # SearchTerm's own table carries the trigram index on PostgreSQL.
        pass

    def similar_terms(self, word: str, limit: int) -> list[str]:
        from django.contrib.postgres.search import TrigramSimilarity
        from django.db.models.functions import Length

        SearchTerm = get_model("search", "SearchTerm")
        return list(
            SearchTerm.objects.filter(word__trigram_similar=word)
            .annotate(similarity=TrigramSimilarity("word", word), length=Length("word"))
            .filter(length__range=(len(word) - 2, len(word) + 2))
            .order_by("-similarity", "word")
            .values_list("word", flat=True)[:limit]
        )

    def matching_ids(self, groups: Groups) -> tuple[str, list]:
        return (
            f"SELECT product_id FROM {TABLE} WHERE document @@ to_tsquery('{self.config}', %s)",
            [self._tsquery(groups)],
        )

    def ranked_ids(self, groups: Groups, limit: int, offset: int, within: tuple[str, Sequence]) -> list[int]:
        within_sql, within_params = within
        # ts_rank's weights are listed D, C, B, A.
        weights = f"{{0, {DRUG_WEIGHT / KEY_WEIGHT}, {BODY_WEIGHT / KEY_WEIGHT}, 1}}"
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT product_id FROM {TABLE}, to_tsquery('{self.config}', %s) AS q, "
                f"to_tsquery('{self.config}', %s) AS q_key, to_tsquery('{self.config}', %s) AS q_body "
                f"WHERE document @@ q AND EXISTS ({within_sql}) "
                "ORDER BY CASE WHEN document @@ q_key THEN 0 WHEN document @@ q_body THEN 1 ELSE 2 END, "
                f"ts_rank('{weights}', document, q) DESC, product_id DESC "
                "LIMIT %s OFFSET %s",
                [
                    self._tsquery(groups),
                    self._tsquery(groups, "A"),
                    self._tsquery(groups, "AB"),
                    *within_params,
                    limit,
                    offset,
                ],
            )
            return [row[0] for row in cursor.fetchall()]


_ENGINES = {"sqlite": _SQLiteEngine, "postgresql": _PostgreSQLEngine}


def _engine(vendor: str | None = None):
    vendor = vendor or connection.vendor
    try:
        return _ENGINES[vendor]()
    except KeyError:
        raise NotImplementedError(f"The product search index does not support {vendor}") from None


def create_index_table(schema_editor: BaseDatabaseSchemaEditor) -> None:
    with schema_editor.connection.cursor() as cursor:
        _engine(schema_editor.connection.vendor).create_table(cursor)


def drop_index_table(schema_editor: BaseDatabaseSchemaEditor) -> None:
    with schema_editor.connection.cursor() as cursor:
        _engine(schema_editor.connection.vendor).drop_table(cursor)
