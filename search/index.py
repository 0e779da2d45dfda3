"""The product search index, kept in the shop's own database.

PostgreSQL uses a ``tsvector`` column with a GIN index; SQLite uses an FTS5
virtual table. Both live in the table ``search_productindex`` (created by this
app's migration) and hold one row per browsable, public product, so the index
is as fresh as the catalogue: it is written in the same transaction as the
product, and there is no separate search server for app servers to share.

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
# Title matches count far more than a word somewhere in the description.
TITLE_WEIGHT = 10.0

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_QUERY_WORDS = 8

INDEX_VERSION_KEY = "search:index-version"
# A shared ranking is dropped by every index write; the timeout only bounds
# what a write that bypassed the index (a bulk update) can leave behind.
SHARED_RESULTS_TIMEOUT = 60 * 10


def query_words(query: str) -> list[str]:
    """The words of a customer's query, without any search-engine syntax.

    Everything but letters and digits is dropped, so quotes, operators or
    column filters typed into the box can neither break the query nor widen it.
    """
    return [w.lower() for w in _WORD.findall(query or "")][:MAX_QUERY_WORDS]


@dataclass(frozen=True)
class Document:
    product_id: int
    title: str
    body: str


def build_documents(products: Iterable) -> list[Document]:
    """Turn products (with categories and drug information loaded) into index rows."""
    documents = []
    for product in products:
        parts = [
            product.upc or "",
            strip_tags(product.description or ""),
            " ".join(category.name for category in product.categories.all()),
            product.product_class.name if product.product_class_id else "",
        ]
        drug = product.drug_information
        if drug is not None:
            parts += [drug.name, drug.drug_class.replace("-", " "), drug.summary]
        if product.requires_prescription:
            parts.append("prescription")
        documents.append(Document(product.pk, product.title, " ".join(p for p in parts if p)))
    return documents


def indexable_products():
    """Products that belong in the index: what a customer can browse to."""
    return (
        Product.objects.browsable().select_related("product_class", "drug_information").prefetch_related("categories")
    )


def index_version() -> str:
    """Replaced by every write to the index, so shared rankings never outlive what they ranked."""
    return cache.get_or_set(INDEX_VERSION_KEY, lambda: uuid.uuid4().hex, None)


def _index_changed() -> None:
    def forget() -> None:
        cache.set(INDEX_VERSION_KEY, uuid.uuid4().hex, None)

    # Now, so this request sees its own write, and after the commit, in case
    # another request ranked the old rows in between.
    forget()
    transaction.on_commit(forget)


def index_products(product_ids: Sequence[int]) -> None:
    """(Re)write the index rows of these products; drop those no longer browsable."""
    product_ids = list(product_ids)
    if not product_ids:
        return
    documents = build_documents(indexable_products().filter(pk__in=product_ids))
    _engine().replace(product_ids, documents)
    _index_changed()


def unindex_products(product_ids: Sequence[int]) -> None:
    _engine().replace(list(product_ids), [])
    _index_changed()


def clear_index() -> None:
    """Empty the index: for tests, whose flushes empty the model tables but not this one."""
    _engine().clear()
    _index_changed()


def rebuild_index(batch_size: int = 2000) -> int:
    """Rebuild the whole index from the catalogue; returns the number of rows."""
    engine = _engine()
    engine.clear()
    _index_changed()
    count = 0
    ids = list(indexable_products().order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch_size):
        chunk = ids[start : start + batch_size]
        documents = build_documents(indexable_products().filter(pk__in=chunk).order_by("pk"))
        engine.replace([], documents)
        count += len(documents)
    return count


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
    for every visitor), the count and the ranked ids are kept in the cache
    under the index's version: a popular query is ranked once per index
    write, not once per visitor. Only ids are kept; the products themselves,
    their prices and stock, are loaded fresh on every request.
    """

    def __init__(self, query: str, queryset=None, shared_as: str | None = None):
        self.words = query_words(query)
        self.queryset = queryset if queryset is not None else Product.objects.all()
        self.shared_as = shared_as
        self._count: int | None = None

    def _matching(self):
        return self.queryset.filter(pk__in=RawSQL(*_engine().matching_ids(self.words))).order_by()

    @cached_property
    def _shared_key(self) -> str:
        # The version is read once, so a page's count and ranking share one.
        words = hashlib.blake2b(" ".join(self.words).encode(), digest_size=16).hexdigest()
        return f"search:{self.shared_as}:{index_version()}:{words}"

    def _shared(self, what: str, compute):
        if self.shared_as is None:
            return compute()
        return cache.get_or_set(f"{self._shared_key}:{what}", compute, SHARED_RESULTS_TIMEOUT)

    def count(self) -> int:
        if self._count is None:
            self._count = self._shared("count", lambda: self._matching().count()) if self.words else 0
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item):
        if not isinstance(item, slice):
            return self[item : item + 1][0]
        start = item.start or 0
        stop = item.stop if item.stop is not None else self.count()
        if not self.words or stop <= start:
            return []
        ids = self._shared(f"ranked:{start}:{stop}", lambda: self._ranked_ids(start, stop))
        by_id = {p.pk: p for p in self.queryset.filter(pk__in=ids)}
        return [by_id[pk] for pk in ids if pk in by_id]

    def _ranked_ids(self, start: int, stop: int) -> list[int]:
        engine = _engine()
        # Correlated with the index row being ranked: one primary-key lookup
        # per match, instead of running the MATCH a second time to list them.
        within = self.queryset.filter(pk=RawSQL(engine.row_id, ())).order_by().values("pk")
        return engine.ranked_ids(self.words, limit=stop - start, offset=start, within=within.query.sql_with_params())


class _SQLiteEngine:
    row_id = f"{TABLE}.rowid"

    def create_table(self, cursor) -> None:
        cursor.execute(
            f"CREATE VIRTUAL TABLE {TABLE} USING fts5(title, body, tokenize = 'porter unicode61 remove_diacritics 2')"
        )

    def drop_table(self, cursor) -> None:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")

    @staticmethod
    def _match(words: list[str]) -> str:
        # Each word is quoted, so FTS5 reads it as a term, never as syntax; the
        # trailing * lets "isotret" find "isotretinoin" while the customer types.
        return " AND ".join(f'"{w}"*' for w in words)

    def clear(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE}")

    def replace(self, remove_ids: list[int], documents: list[Document]) -> None:
        ids = list(remove_ids) + [d.product_id for d in documents]
        with connection.cursor() as cursor:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(f"DELETE FROM {TABLE} WHERE rowid IN ({marks})", chunk)
            cursor.executemany(
                f"INSERT INTO {TABLE} (rowid, title, body) VALUES (%s, %s, %s)",
                [(d.product_id, d.title, d.body) for d in documents],
            )

    def matching_ids(self, words: list[str]) -> tuple[str, list]:
        return f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s", [self._match(words)]

    def ranked_ids(self, words: list[str], limit: int, offset: int, within: tuple[str, Sequence]) -> list[int]:
        within_sql, within_params = within
        with connection.cursor() as cursor:
            cursor.execute(
                # EXISTS, not "rowid IN (...)": FTS5 is handed a rowid list and runs its
                # MATCH once for every id in it (seconds at 100,000 products).
                f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s AND EXISTS ({within_sql}) "
                f"ORDER BY bm25({TABLE}, {TITLE_WEIGHT}, 1.0), rowid DESC LIMIT %s OFFSET %s",
                [self._match(words), *within_params, limit, offset],
            )
            return [row[0] for row in cursor.fetchall()]


class _PostgreSQLEngine:
    config = "english"
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
    def _tsquery(words: list[str]) -> str:
        # Quoted lexemes with a prefix marker: to_tsquery never sees operators
        # the customer typed.
        return " & ".join("'{}':*".format(w.replace("'", "")) for w in words)

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
                f"setweight(to_tsvector('{self.config}', %s), 'B')) "
                "ON CONFLICT (product_id) DO UPDATE SET document = EXCLUDED.document",
                [(d.product_id, d.title, d.body) for d in documents],
            )

    def matching_ids(self, words: list[str]) -> tuple[str, list]:
        return (
            f"SELECT product_id FROM {TABLE} WHERE document @@ to_tsquery('{self.config}', %s)",
            [self._tsquery(words)],
        )

    def ranked_ids(self, words: list[str], limit: int, offset: int, within: tuple[str, Sequence]) -> list[int]:
        within_sql, within_params = within
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT product_id FROM {TABLE}, to_tsquery('{self.config}', %s) AS q "
                f"WHERE document @@ q AND EXISTS ({within_sql}) "
                "ORDER BY ts_rank(document, q) DESC, product_id DESC "
                "LIMIT %s OFFSET %s",
                [self._tsquery(words), *within_params, limit, offset],
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
