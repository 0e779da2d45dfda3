import shutil

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test.utils import setup_databases

from tests.database import set_up_worker_database, tear_down_worker_database
from tests.factories import PASSWORD, PakistanFactory, UserFactory
from tests.run_name import run_name, screenshots_dir


def pytest_configure(config):
    run_name()


def pytest_terminal_summary(terminalreporter):
    # Here, not in tests/e2e/conftest.py: with parallel workers only this
    # process reports, and it never loads the conftest files of subfolders.
    screenshots = screenshots_dir()
    if screenshots.exists():
        count = len(list(screenshots.glob("*.png")))
        terminalreporter.write_line(f"Browser screenshots ({count}): {screenshots}")


@pytest.fixture(scope="session")
def django_db_setup(request, django_test_environment, django_db_blocker, django_db_modify_db_settings):
    """Each worker's database is a copy of one migrated template (tests/database.py), not migrated anew."""

    def migrate():
        setup_databases(
            verbosity=request.config.option.verbose, interactive=False, aliases={"default"}, serialized_aliases=set()
        )

    with django_db_blocker.unblock():
        set_up_worker_database(migrate)
    yield
    with django_db_blocker.unblock():
        tear_down_worker_database()


@pytest.fixture(autouse=True)
def empty_cache():
    """Rate limits and cached pages must not leak from one test into the next."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def empty_private_storage():
    """Uploaded prescription files must not leak from one test into the next."""
    shutil.rmtree(settings.PRESCRIPTION_ROOT, ignore_errors=True)


def _is_transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return bool(
        (marker and marker.kwargs.get("transaction")) or {"transactional_db", "live_server"} & set(request.fixturenames)
    )


@pytest.fixture(autouse=True)
def the_shops_site(request, django_db_blocker):
    """A flush after a transactional test that names its apps skips post_migrate, and
    the flush empties what the migrations wrote anyway: the next transactional test
    would find no Site, which every page's canonical link and every email reads."""
    if _is_transactional(request):
        from django.contrib.sites.models import Site

        with django_db_blocker.unblock():
            Site.objects.update_or_create(
                pk=settings.SITE_ID, defaults={"domain": settings.SITE_DOMAIN, "name": settings.OSCAR_SHOP_NAME}
            )
            Site.objects.clear_cache()
    yield


@pytest.fixture(autouse=True)
def empty_search_index_after_transactional_tests(request, django_db_blocker):
    """A flush between transactional tests empties the model tables but not the
    search index, and SQLite hands the next test's products the same ids, so
    rows left behind would match the wrong products."""
    yield
    if _is_transactional(request):
        from search.index import clear_index

        with django_db_blocker.unblock():
            clear_index()


@pytest.fixture
def pakistan(db):
    return PakistanFactory()


@pytest.fixture
def customer(db):
    return UserFactory(email="customer@example.com", first_name="Sana", last_name="Qureshi")


@pytest.fixture
def customer_app(django_app, customer):
    """A WebTest browser logged in as the customer, through the real login form."""
    login = django_app.get("/accounts/login/")
    form = login.forms["login_form"]
    form["login-username"] = customer.email
    form["login-password"] = PASSWORD
    form.submit("login_submit").follow()
    return django_app


def pytest_sessionfinish(session, exitstatus):
    # Test settings put media and prescription files in a temporary folder.
    tmp = getattr(settings, "TEST_TMP_DIR", None)
    if tmp is not None:
        shutil.rmtree(tmp, ignore_errors=True)
