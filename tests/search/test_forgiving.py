"""What a customer means: typos, prefixes, everyday and Roman-Urdu words, and ranking by what a product is."""

import pytest
from oscar.core.loading import get_model

from search.index import ProductSearchResults
from search.query import did_you_mean, edit_distance, read_query
from tests.factories import DrugInformationFactory, ProductFactory, RxProductFactory, create_category

Synonym = get_model("search", "Synonym")

pytestmark = pytest.mark.django_db


def titles(query):
    return [p.title for p in ProductSearchResults(query)[0:50]]


@pytest.fixture
def shop():
    """A small skin-care shop whose texts say things the way the demo catalogue does."""
    acne = create_category("Acne")
    isotretinoin = DrugInformationFactory(
        name="Isotretinoin (oral)",
        summary="A retinoid capsule for severe acne.",
        interactions="- Tetracycline antibiotics: never together.",
    )
    RxProductFactory(title="Isotretinoin 20 mg capsules, 30", drug_information=isotretinoin, categories=[acne])
    RxProductFactory(
        title="Doxycycline 100 mg capsules, 14",
        drug_information=DrugInformationFactory(
            name="Doxycycline",
            summary="A tetracycline antibiotic for inflamed acne.",
            interactions="- Isotretinoin: never together; both raise the pressure around the brain.",
        ),
        categories=[acne],
    )
    ProductFactory(
        title="Vitamin A 10,000 IU softgels, 60",
        drug_information=DrugInformationFactory(
            name="Retinol (vitamin A)",
            summary="A vitamin supplement.",
            interactions="- Isotretinoin and acitretin: never together.",
        ),
    )
    ProductFactory(
        title="Barrier repair moisturiser 50 ml",
        description="<p>Rich enough for lips and cheeks dried out by isotretinoin.</p>",
    )
    ProductFactory(
        title="Salicylic acid 2% cleanser 150 ml", description="<p>Clears blocked pores.</p>", categories=[acne]
    )
    ProductFactory(
        title="Benzoyl peroxide 5% gel 30 g", description="<p>For red spots and acne.</p>", categories=[acne]
    )
    ProductFactory(title="Mineral sunscreen SPF 50, 50 ml", description="<p>Zinc oxide, no white cast.</p>")
    ProductFactory(title="Alpha arbutin 2% serum 30 ml", description="<p>Fades pigmentation and dark spots.</p>")
    ProductFactory(title="Oat face balm", description="<p>For a dry, tight face in winter.</p>")
    return acne


@pytest.mark.parametrize(
    ("query", "expected_first"),
    [
        ("isotretinion", "Isotretinoin 20 mg capsules, 30"),  # two letters swapped
        ("isotretinon", "Isotretinoin 20 mg capsules, 30"),  # a letter missing
        ("doxycyclin", "Doxycycline 100 mg capsules, 14"),
        ("doxicycline", "Doxycycline 100 mg capsules, 14"),  # one letter wrong
        ("salicylik", "Salicylic acid 2% cleanser 150 ml"),
        ("benzoil", "Benzoyl peroxide 5% gel 30 g"),
    ],
)
def test_a_word_of_five_letters_or_more_is_found_despite_one_or_two_wrong_letters(shop, query, expected_first):
    assert titles(query)[0] == expected_first


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("doxy", ["Doxycycline 100 mg capsules, 14"]),
        ("salicy", ["Salicylic acid 2% cleanser 150 ml"]),
        ("benzoy", ["Benzoyl peroxide 5% gel 30 g"]),
        ("isotr", None),
        ("mineral sunsc", ["Mineral sunscreen SPF 50, 50 ml"]),
    ],
)
def test_every_word_is_a_prefix_the_customer_may_still_be_typing(shop, query, expected):
    found = titles(query)
    if expected is None:
        assert found[0] == "Isotretinoin 20 mg capsules, 30"
    else:
        assert found == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("sunblock", {"Mineral sunscreen SPF 50, 50 ml"}),
        ("facewash", {"Salicylic acid 2% cleanser 150 ml"}),
        ("face wash", {"Salicylic acid 2% cleanser 150 ml"}),
        ("whitening", {"Alpha arbutin 2% serum 30 ml"}),
        ("chehra", {"Oat face balm"}),
    ],
)
def test_everyday_and_roman_urdu_words_find_what_the_shop_calls_it(shop, query, expected):
    assert set(titles(query)) == expected


@pytest.mark.parametrize("query", ["pimple", "daane"])
def test_pimples_find_the_acne_products(shop, query):
    found = set(titles(query))

    assert {
        "Benzoyl peroxide 5% gel 30 g",
        "Isotretinoin 20 mg capsules, 30",
        "Doxycycline 100 mg capsules, 14",
    } <= found
    assert "Mineral sunscreen SPF 50, 50 ml" not in found


def test_a_product_that_only_names_the_query_in_its_drug_information_ranks_below_every_product_about_it(shop):
    found = titles("isotretinoin")

    assert found[0] == "Isotretinoin 20 mg capsules, 30"
    # The moisturiser is about skin on isotretinoin: its own description says so.
    assert found[1] == "Barrier repair moisturiser 50 ml"
    assert set(found[2:]) == {"Doxycycline 100 mg capsules, 14", "Vitamin A 10,000 IU softgels, 60"}


def test_generic_names_are_searched_like_titles():
    RxProductFactory(title="Acnetrex 20", drug_information=DrugInformationFactory(name="Isotretinoin (oral)"))
    ProductFactory(title="Lip balm", description="<p>For lips dried by isotretinoin.</p>")

    assert titles("isotretinoin") == ["Acnetrex 20", "Lip balm"]


def test_a_synonym_added_in_the_dashboard_is_used_by_the_next_search(shop):
    shared = ProductSearchResults("tezaab", shared_as="all").count()
    assert shared == 0

    synonym = Synonym(term="Tezaab", means="salicylic, acid")
    synonym.full_clean()
    synonym.save()

    assert ProductSearchResults("tezaab", shared_as="all").count() == 1
    assert titles("tezaab") == ["Salicylic acid 2% cleanser 150 ml"]


def test_short_words_are_never_corrected_so_they_cannot_drift(shop):
    # "acme" is one letter from "acne", but four letters are too few to guess from.
    assert titles("acme") == []


def test_a_misspelt_word_that_is_a_prefix_of_real_words_is_read_as_typed(shop):
    reading = read_query(["mineral"])

    assert reading.corrections == {}


def test_the_reading_names_the_correction_for_the_results_page(shop):
    reading = read_query(["isotretinion"])

    assert reading.corrections == {"isotretinion": ("isotretinoin",)}


def test_did_you_mean_offers_a_looser_spelling_when_nothing_was_found(shop):
    assert ProductSearchResults("zync").count() == 0

    assert did_you_mean(["zync"]) == "zinc"
    assert did_you_mean(["sunscreen"]) is None


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("isotretinion", "isotretinoin", 1),
        ("doxicycline", "doxycycline", 1),
        ("bensoil", "benzoyl", 2),
        ("cleanser", "cleanser", 0),
        ("sunscreen", "serum", 3),
    ],
)
def test_edit_distance_counts_swaps_of_neighbours_as_one(a, b, distance):
    assert edit_distance(a, b) == distance
