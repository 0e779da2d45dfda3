"""Headers every page carries, and the production profile's own checks."""

import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from oscar.core.loading import get_model

from tests.factories import ProductFactory, RxProductFactory, UserFactory, add_picture, submit_prescription

AttributeOptionGroup = get_model("catalogue", "AttributeOptionGroup")
Option = get_model("catalogue", "Option")

ROOT = Path(settings.BASE_DIR)
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "shop.settings.production",
    "SECRET_KEY": "k" * 20 + "-Zq8#v2%LmP0wT7yR4nB6cX1sD9fG3hJ5kA",
    "ALLOWED_HOSTS": "jild.example.pk",
    "DATABASE_URL": "postgres://shop:secret@db.internal:5432/shop",
    "REDIS_URL": "redis://redis.internal:6379/0",
    "S3_BUCKET_MEDIA": "jild-media",
    "S3_BUCKET_PRESCRIPTIONS": "jild-prescriptions",
    "S3_ACCESS_KEY_ID": "AKIAEXAMPLE",
    "S3_SECRET_ACCESS_KEY": "example-secret",
    "EMAIL_URL": "smtp+tls://shop:password@smtp.example.com:587",
}


def manage(*args, env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in PRODUCTION_ENV and k not in ("CACHE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True
    )


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/catalogue/", "/basket/", "/accounts/login/"])
def test_every_page_has_an_enforced_content_security_policy_with_a_nonce(django_app, path):
    ProductFactory()

    response = django_app.get(path)

    policy = response.headers["Content-Security-Policy"]
    assert "Content-Security-Policy-Report-Only" not in response.headers
    assert "default-src 'self'" in policy
    assert "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
    nonce = re.search(r"script-src 'self' 'nonce-([^']+)'", policy).group(1)
    inline = response.html.select("script:not([src])")
    assert inline and all(script.get("nonce") == nonce for script in inline)
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]


@pytest.mark.django_db
def test_no_page_uses_inline_event_handlers(django_app, customer):
    product = RxProductFactory()
    add_picture(product)
    prescription = submit_prescription(customer, [product])
    group = AttributeOptionGroup.objects.create(name="Skin types")
    option = Option.objects.create(name="Engraving")
    storefront = ["/", "/catalogue/", product.get_absolute_url(), "/basket/", "/accounts/prescriptions/upload/"]
    dashboard = [
        reverse("dashboard:catalogue-product-create", kwargs={"product_class_slug": product.product_class.slug}),
        reverse("dashboard:catalogue-product", kwargs={"pk": product.pk}),
        reverse("dashboard:catalogue-class-create"),
        reverse("dashboard:catalogue-class-update", kwargs={"pk": product.product_class.pk}),
        reverse("dashboard:catalogue-attribute-option-group-create"),
        reverse("dashboard:catalogue-attribute-option-group-update", kwargs={"pk": group.pk}),
        reverse("dashboard:catalogue-attribute-option-group-update", kwargs={"pk": group.pk}) + "?_popup=1",
        reverse("dashboard:catalogue-attribute-option-group-delete", kwargs={"pk": group.pk}) + "?_popup=1",
        reverse("dashboard:catalogue-option-create"),
        reverse("dashboard:catalogue-option-update", kwargs={"pk": option.pk}),
        reverse("dashboard:catalogue-option-update", kwargs={"pk": option.pk}) + "?_popup=1",
        reverse("dashboard:pharmacy-queue"),
        reverse("dashboard:pharmacy-review", kwargs={"public_id": prescription.public_id}),
        reverse("dashboard:pharmacy-policy-list"),
        reverse("dashboard:pharmacy-policy-update", kwargs={"product_pk": product.pk}),
    ]
    admin = UserFactory(is_staff=True, is_superuser=True)
    pages = [
        *[(path, None) for path in ("/accounts/login/", "/privacy/")],
        *[(path, customer) for path in storefront],
        *[(path, admin) for path in dashboard],
    ]
    for path, user in pages:
        response = django_app.get(path, user=user)
        assert response.status_code == 200, path
        assert not re.search(r"\son[a-z]+=", response.text, re.IGNORECASE), path
    assert 'data-upload-button="' in django_app.get(dashboard[1], user=admin).text, "the image widget is the shop's"
    # Oscar's error pages (here: password reset, for someone already logged in).
    assert not re.search(r"\son[a-z]+=", django_app.get("/password-reset/", user=customer, status=403).text)


@pytest.mark.django_db
def test_the_prescription_file_keeps_its_own_sandbox_policy(django_app, customer):
    prescription = submit_prescription(customer, [RxProductFactory()])

    response = django_app.get(f"/accounts/prescriptions/{prescription.public_id}/file/", user=customer)

    assert response.headers["Content-Security-Policy"].startswith("sandbox")


def test_check_deploy_is_clean_under_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    "missing",
    ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "S3_BUCKET_MEDIA", "S3_BUCKET_PRESCRIPTIONS"],
)
def test_production_refuses_to_start_without_its_secrets(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}

    result = manage("check", env=env)

    assert result.returncode != 0
    assert f"Set the {missing} environment variable" in result.stderr


def production_settings(*names, **env):
    """The named settings as the production profile computes them, in a process of its own."""
    script = (
        "import django,json;django.setup();from django.conf import settings;"
        f"print(json.dumps({{name: getattr(settings, name) for name in {names!r}}}, default=str))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**{k: v for k, v in os.environ.items() if k != "CACHE_URL"}, **PRODUCTION_ENV, **env},
        capture_output=True,
        text=True,
    )
    return result, json.loads(result.stdout) if result.returncode == 0 else None


def production_storages(**env):
    result, values = production_settings("STORAGES", **env)
    return result, values and values["STORAGES"]


def test_production_stores_prescriptions_privately_in_object_storage():
    _result, storages = production_storages()

    rx = storages["prescriptions"]["OPTIONS"]
    assert storages["prescriptions"]["BACKEND"] == "storages.backends.s3.S3Storage"
    # No ACL at all: a bucket with ACLs disabled (AWS's default) refuses any
    # other, and without one an object is readable by the bucket's owner only.
    assert (rx["default_acl"], rx["querystring_auth"], rx["file_overwrite"]) == (None, True, False)
    assert rx["querystring_expire"] <= 300
    assert storages["default"]["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storages["default"]["OPTIONS"]["bucket_name"] != rx["bucket_name"]


def test_product_pictures_send_no_acl_unless_the_bucket_still_uses_acls():
    _result, by_policy = production_storages()
    _result, by_acl = production_storages(S3_MEDIA_ACL="public-read")

    assert by_policy["default"]["OPTIONS"]["default_acl"] is None
    assert by_policy["default"]["OPTIONS"]["querystring_auth"] is False
    assert by_acl["default"]["OPTIONS"]["default_acl"] == "public-read"
    assert by_acl["prescriptions"]["OPTIONS"]["default_acl"] is None


@pytest.mark.parametrize(
    ("variable", "acl"),
    [("S3_PRESCRIPTIONS_ACL", "public-read"), ("S3_PRESCRIPTIONS_ACL", "authenticated-read"), ("S3_MEDIA_ACL", "x")],
)
def test_production_refuses_an_acl_that_would_publish_prescriptions_or_that_s3_does_not_know(variable, acl):
    result, _storages = production_storages(**{variable: acl})

    assert result.returncode != 0
    assert f"{variable} must be one of" in result.stderr


@pytest.mark.parametrize(
    ("env", "sessions"),
    [
        ({}, "redis://redis.internal:6379/1"),
        ({"REDIS_URL": "rediss://:pw@redis.internal:6380/4?ssl_cert_reqs=required"}, None),
        ({"REDIS_URL": "redis://redis.internal:6379"}, "redis://redis.internal:6379/1"),
        ({"REDIS_SESSIONS_URL": "redis://sessions.internal:6379/0"}, "redis://sessions.internal:6379/0"),
    ],
    ids=["next-database", "tls-and-options", "no-database-given", "own-server"],
)
def test_sessions_are_kept_in_the_database_and_cached_in_a_redis_database_apart_from_the_page_cache(env, sessions):
    result, values = production_settings("CACHES", "SESSION_ENGINE", "SESSION_CACHE_ALIAS", **env)

    assert result.returncode == 0, result.stderr
    caches = values["CACHES"]
    assert values["SESSION_ENGINE"] == "django.contrib.sessions.backends.cached_db"
    assert values["SESSION_CACHE_ALIAS"] == "sessions"
    assert caches["sessions"]["LOCATION"] != caches["default"]["LOCATION"]
    if sessions is None:
        sessions = "rediss://:pw@redis.internal:6380/5?ssl_cert_reqs=required"
    assert caches["sessions"]["LOCATION"] == sessions
    assert caches["sessions"]["BACKEND"] == caches["default"]["BACKEND"] == "django_redis.cache.RedisCache"
    for alias in ("default", "sessions"):
        options = caches[alias]["OPTIONS"]
        assert options["IGNORE_EXCEPTIONS"] is True
        assert options["CLIENT_CLASS"] == "shop.cache.FailFastClient"
        assert 0 < options["SOCKET_CONNECT_TIMEOUT"] <= 0.5
        assert 0 < options["SOCKET_TIMEOUT"] <= 0.5


def test_json_logs_carry_the_path_but_not_the_query_string(rf):
    from shop.logging import JSONFormatter

    request = rf.get("/search/?q=isotretinoin+pregnant")
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Not Found: %s", (request.path,), None)
    record.request = request
    record.status_code = 404

    entry = json.loads(JSONFormatter().format(record))

    assert entry == {
        "time": entry["time"],
        "level": "WARNING",
        "logger": "django.request",
        "message": "Not Found: /search/",
        "method": "GET",
        "path": "/search/",
        "status": 404,
    }
    assert "isotretinoin" not in json.dumps(entry)
