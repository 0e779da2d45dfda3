"""Staff keep the search's synonyms in the dashboard; the next search reads queries with them."""

import pytest
from oscar.core.loading import get_model

from tests.factories import ProductFactory, UserFactory

Synonym = get_model("search", "Synonym")

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True)


def test_the_seeded_list_holds_english_and_roman_urdu_words(django_app, staff):
    page = django_app.get("/dashboard/catalogue/search-synonyms/", user=staff)

    terms = [a.text.strip() for a in page.html.select("tbody td:first-child a")]
    assert {"sunblock", "facewash", "pimple", "whitening", "daane", "chehra"} <= set(terms)
    assert page.html.select_one('nav a[href="/dashboard/catalogue/search-synonyms/"]') is not None


def test_staff_add_a_synonym_and_customers_find_with_it_at_once(django_app, staff):
    ProductFactory(title="Salicylic acid cleanser")
    assert "Salicylic acid cleanser" not in django_app.get("/search/?q=tezaab").text

    form = django_app.get("/dashboard/catalogue/search-synonyms/create/", user=staff).forms["synonym_form"]
    form["term"] = "  Tezaab "
    form["means"] = "salicylic,  acid cleanser"
    page = form.submit().follow()

    assert "Searches for “tezaab” now also look for: salicylic, acid cleanser." in page.text
    assert Synonym.objects.get(term="tezaab").means == "salicylic, acid cleanser"
    django_app.reset()
    assert "Salicylic acid cleanser" in django_app.get("/search/?q=tezaab").text


def test_a_synonym_of_itself_or_a_duplicate_is_refused_with_a_message(django_app, staff):
    form = django_app.get("/dashboard/catalogue/search-synonyms/create/", user=staff).forms["synonym_form"]
    form["term"] = "Sunblock"
    form["means"] = "sunscreen"
    page = form.submit()
    assert page.status_code == 200
    assert "already exists" in page.text

    form = page.forms["synonym_form"]
    form["term"] = "toner"
    form["means"] = "toner"
    page = form.submit()
    assert page.status_code == 200
    assert "A word cannot be a synonym of itself." in page.text
    assert not Synonym.objects.filter(term="toner").exists()


def test_staff_change_and_remove_a_synonym(django_app, staff):
    synonym = Synonym.objects.get(term="chehra")
    form = django_app.get(f"/dashboard/catalogue/search-synonyms/{synonym.pk}/", user=staff).forms["synonym_form"]
    form["means"] = "face, facial"
    form.submit().follow()
    synonym.refresh_from_db()
    assert synonym.means == "face, facial"

    page = django_app.get("/dashboard/catalogue/search-synonyms/", user=staff)
    page.forms[next(i for i, f in page.forms.items() if f.action.endswith(f"/{synonym.pk}/delete/"))].submit().follow()
    assert not Synonym.objects.filter(pk=synonym.pk).exists()


def test_customers_cannot_open_the_synonyms(django_app, customer):
    django_app.get("/dashboard/catalogue/search-synonyms/", user=customer, status=403)
    django_app.post(
        "/dashboard/catalogue/search-synonyms/create/", {"term": "x", "means": "y"}, user=customer, status=403
    )
