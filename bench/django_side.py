"""The benchmark's work inside Django, run by run.py as ``python -m bench.django_side <step>``.

``setup`` prepares what the measured pages need (the benchmark's basket
customer, the URLs) and prints it as JSON. ``count`` reads a list of pages as
JSON on stdin, requests each one in-process with Django's test client against
the same database gunicorn serves, once to warm it and once inside
``CaptureQueriesContext``, and prints the queries each page ran.

Both run under the same settings and environment as the gunicorn workers.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections import Counter

BASKET_USER = "bench-basket@example.invalid"
ONE_LINE_BASKET_USER = "bench-basket-1@example.invalid"
BASKET_LINES = 10
ISOTRETINOIN_UPC = "RX-ISO-20"
CATEGORY_NAME = "Acne"


def _django():
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()


def setup(password: str) -> dict:
    from django.contrib.auth import get_user_model
    from django.db.models import Exists, OuterRef
    from oscar.core.loading import get_class, get_model

    Product = get_model("catalogue", "Product")
    Category = get_model("catalogue", "Category")
    StockRecord = get_model("partner", "StockRecord")
    Basket = get_model("basket", "Basket")
    Selector = get_class("partner.strategy", "Selector")
    from prescriptions.models import Prescription

    User = get_user_model()
    isotretinoin = Product.objects.get(upc=ISOTRETINOIN_UPC)
    category = Category.objects.filter(name=CATEGORY_NAME, depth=1).get()
    in_stock = StockRecord.objects.filter(product=OuterRef("pk"), num_in_stock__gt=10)
    others = list(
        Product.objects.browsable()
        .filter(Exists(in_stock), requires_prescription=False)
        .order_by("upc")
        .values_list("pk", flat=True)[: BASKET_LINES - 1]
    )

    users = {}
    for email in (BASKET_USER, ONE_LINE_BASKET_USER):
        user, _created = User.objects.get_or_create(username=email, defaults={"email": email, "first_name": "Bench"})
        user.set_password(password)
        user.save()
        Basket.objects.filter(owner=user).delete()
        users[email] = user
    # The one-line basket is filled here; the ten-line one through the site, as a customer would.
    one_line = Basket.objects.create(owner=users[ONE_LINE_BASKET_USER])
    one_line.strategy = Selector().strategy(user=users[ONE_LINE_BASKET_USER])
    one_line.add_product(Product.objects.get(pk=others[0]), 1)

    return {
        "category_url": category.get_absolute_url(),
        "product_url": isotretinoin.get_absolute_url(),
        "basket_product_ids": [isotretinoin.pk, *others],
        "basket_user": BASKET_USER,
        "one_line_basket_user": ONE_LINE_BASKET_USER,
        "catalogue": {
            "products": Product.objects.count(),
            "browsable": Product.objects.browsable().count(),
            "prescriptions": Prescription.objects.count(),
            "pending": Prescription.objects.filter(status=Prescription.Status.PENDING).count(),
        },
    }


def basket_lines(email: str) -> int:
    from oscar.core.loading import get_model

    Basket = get_model("basket", "Basket")
    basket = Basket.open.filter(owner__username=email).first()
    return basket.num_lines if basket else 0


_NUMBER = re.compile(r"\b\d+\b")
_STRING = re.compile(r"'(?:[^']|'')*'")
_IN_LIST = re.compile(r"IN \((?:[^()]|\([^()]*\))*\)")


def _shape(sql: str) -> str:
    """A query without its values, so the same query with other ids counts as one shape."""
    return _NUMBER.sub("?", _IN_LIST.sub("IN (...)", _STRING.sub("?", sql)))


SLOW_MS = 10


def _plan(connection, sql: str) -> list[str]:
    """SQLite's plan for a slow query (the captured SQL has its values inlined)."""
    if connection.vendor != "sqlite" or not sql.lstrip().upper().startswith("SELECT"):
        return []
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            return [row[-1] for row in cursor.fetchall()]
    except Exception as error:  # a plan is a hint for the reader, never a reason to fail
        return [f"(no plan: {error})"]


def count(pages: list[dict], host: str) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    User = get_user_model()
    results = {}
    for page in pages:
        login_as = page.get("login_as")
        if login_as:
            client = Client(HTTP_HOST=host)
            client.force_login(User.objects.get(username=login_as))
            clients = [client, client]
        else:
            # Anonymous pages: a fresh client (no cookies) every time, like wrk.
            clients = [Client(HTTP_HOST=host), Client(HTTP_HOST=host)]
        for client in clients:
            for name, value in (page.get("cookies") or {}).items():
                client.cookies[name] = value
        clients[0].get(page["url"])  # warm: templates, thumbnails, per-process caches
        with CaptureQueriesContext(connection) as queries:
            response = clients[1].get(page["url"])
        statements = [q["sql"] for q in queries.captured_queries]
        slow = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:3]
        shapes = Counter(_shape(sql) for sql in statements)
        results[page["name"]] = {
            "status": response.status_code,
            "bytes": len(b"".join(response.streaming_content) if response.streaming else response.content),
            "queries": len(statements),
            "query_ms": round(sum(float(q["time"]) for q in queries.captured_queries) * 1000, 1),
            "sql": [{"ms": round(float(q["time"]) * 1000, 2), "sql": q["sql"][:600]} for q in queries.captured_queries],
            "repeated": [{"times": n, "sql": shape[:300]} for shape, n in shapes.most_common() if n > 1],
            "slow": [
                {"ms": round(float(q["time"]) * 1000, 1), "sql": q["sql"], "plan": _plan(connection, q["sql"])}
                for q in slow
                if float(q["time"]) * 1000 >= SLOW_MS
            ],
        }
    return results


def main(argv: list[str]) -> None:
    _django()
    step = argv[0]
    if step == "setup":
        output = setup(password=os.environ["BENCH_PASSWORD"])
    elif step == "basket-lines":
        output = {"lines": basket_lines(argv[1])}
    elif step == "count":
        request = json.load(sys.stdin)
        output = count(request["pages"], host=request["host"])
    else:
        raise SystemExit(f"unknown step {step!r}")
    json.dump(output, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
