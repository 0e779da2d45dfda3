"""Medicine pages show the structured drug information, in full."""

import pytest
from django.template import Context, Template

from tests.factories import DrugInformationFactory, ProductFactory, RxProductFactory

pytestmark = pytest.mark.django_db

SECTION_MARKERS = [
    "HOW-IT-WORKS",
    "HOW-TO-USE",
    "COMMON-EFFECTS",
    "SERIOUS-EFFECTS",
    "PREGNANCY-SECTION",
    "WHO-MUST-NOT",
    "INTERACTIONS",
    "MONITORING",
]


def test_medicine_page_shows_every_section_of_its_drug_information(django_app):
    drug = DrugInformationFactory()
    drug.questions.create(question="Can I drink alcohol?", answer="Ask your doctor.", position=0)
    product = RxProductFactory(drug_information=drug)

    page = django_app.get(product.get_absolute_url())

    info = page.html.select_one(".drug-info")
    for marker in SECTION_MARKERS:
        assert marker in info.text, marker
    assert "Can I drink alcohol?" in info.text
    assert "Ask your doctor." in info.text
    assert "Last reviewed on 2 November 2026 by A. Pharmacist." in info.text


def test_sections_are_shown_in_full_not_hidden_in_tabs_or_collapsed(django_app):
    product = RxProductFactory()

    page = django_app.get(product.get_absolute_url())

    for section in page.html.select(".drug-info__section"):
        classes = " ".join(section.get("class", []))
        assert "collapse" not in classes and "tab-pane" not in classes
        assert section.find_parent("details") is None


def test_contraindicated_in_pregnancy_shows_the_warning_before_the_price_and_basket(django_app):
    drug = DrugInformationFactory(
        pregnancy_risk="contraindicated",
        pregnancy_warning="Causes severe birth defects.\n\n- Do not take it if pregnant.",
    )
    product = RxProductFactory(drug_information=drug)

    page = django_app.get(product.get_absolute_url())

    warning = page.html.select_one(".pregnancy-warning")
    assert warning is not None
    assert "Pregnancy warning" in warning.select_one("h2").text
    assert [li.text for li in warning.select("li")] == ["Do not take it if pregnant."]
    html = page.text
    assert html.index("pregnancy-warning") < html.index("product-page__price")
    assert html.index("pregnancy-warning") < html.index("add_to_basket_form")
    assert html.index("pregnancy-warning") < html.index("drug-info")


def test_no_pregnancy_banner_when_the_medicine_has_no_pregnancy_contraindication(django_app):
    product = RxProductFactory(drug_information=DrugInformationFactory(pregnancy_warning="Careful."))

    page = django_app.get(product.get_absolute_url())

    assert page.html.select_one(".pregnancy-warning") is None


def test_products_without_drug_information_show_no_medicine_section(django_app):
    page = django_app.get(ProductFactory().get_absolute_url())

    assert page.html.select_one(".drug-info") is None


def test_drug_text_escapes_html_and_builds_paragraphs_and_lists():
    template = Template("{% load shop_tags %}{{ text|drug_text }}")
    text = "First <b>para</b>.\nSame para.\n\n- one\n- <script>two</script>\n\nLast."

    html = template.render(Context({"text": text}))

    assert html == (
        "<p>First &lt;b&gt;para&lt;/b&gt;. Same para.</p>"
        "<ul><li>one</li><li>&lt;script&gt;two&lt;/script&gt;</li></ul>"
        "<p>Last.</p>"
    )


def test_medicine_page_makes_a_fixed_number_of_queries(django_app, django_assert_max_num_queries):
    drug = DrugInformationFactory()
    for i in range(5):
        drug.questions.create(question=f"Q{i}?", answer="A.", position=i)
    product = RxProductFactory(drug_information=drug)
    django_app.get(product.get_absolute_url())  # warm the thumbnail cache

    with django_assert_max_num_queries(12):
        django_app.get(product.get_absolute_url())


def test_a_variants_own_page_shows_its_parents_prescription_badge_and_pregnancy_warning(django_app):
    drug = DrugInformationFactory(pregnancy_risk="contraindicated", pregnancy_warning="Causes severe birth defects.")
    parent = RxProductFactory(title="Isotretinoin 20 mg", structure="parent", drug_information=drug)
    variant = ProductFactory(parent=parent, structure="child", product_class=None, title="Isotretinoin 20 mg, 60")

    page = django_app.get(variant.get_absolute_url())

    assert page.html.select_one(".product-page .rx-badge") is not None
    assert "Causes severe birth defects." in page.html.select_one(".pregnancy-warning").text
    assert page.html.select_one(".rx-notice") is not None
    assert "HOW-IT-WORKS" in page.text
