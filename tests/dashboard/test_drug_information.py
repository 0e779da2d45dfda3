"""Pharmacists edit drug information and the prescription flag in Oscar's dashboard; catalogue staff cannot."""

import pytest
from django.contrib.auth.models import Permission
from oscar.core.loading import get_model

from prescriptions.models import DrugInformationChange, ProductSwitchChange
from tests.factories import DrugInformationFactory, ProductFactory, UserFactory, create_category, pharmacist_user

DrugInformation = get_model("catalogue", "DrugInformation")
Product = get_model("catalogue", "Product")

pytestmark = pytest.mark.django_db


@pytest.fixture
def pharmacist(db):
    return pharmacist_user()


@pytest.fixture
def staff(db):
    """Catalogue staff: every catalogue permission Django has, but not the pharmacist's."""
    user = UserFactory(is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="catalogue",
            codename__in=[
                "view_druginformation",
                "add_druginformation",
                "change_druginformation",
                "view_product",
                "add_product",
                "change_product",
            ],
        )
    )
    return user


def test_a_pharmacist_edits_drug_information_and_its_questions(django_app, pharmacist):
    drug = DrugInformationFactory(name="Isotretinoin (oral)", drug_class="oral-retinoid")
    drug.questions.create(question="Old question?", answer="Old answer.", position=0)

    page = django_app.get(f"/dashboard/catalogue/drug-information/{drug.pk}/", user=pharmacist)
    form = page.forms["drug_information_form"]
    form["common_side_effects"] = "- Dry lips\n- Nosebleeds"
    form["last_reviewed_on"] = "2026-11-20"
    form["questions-0-answer"] = "New answer."
    form["questions-1-question"] = "Added question?"
    form["questions-1-answer"] = "Added answer."
    form["questions-1-position"] = "1"
    form.submit().follow()

    drug.refresh_from_db()
    assert drug.common_side_effects == "- Dry lips\n- Nosebleeds"
    assert str(drug.last_reviewed_on) == "2026-11-20"
    assert list(drug.questions.values_list("question", "answer")) == [
        ("Old question?", "New answer."),
        ("Added question?", "Added answer."),
    ]
    change = DrugInformationChange.objects.get()
    assert change.actor == pharmacist
    assert [label for label, _before, _after in change.differences()] == [
        "common side effects",
        "last reviewed on",
        "questions and answers",
    ]


def test_a_pregnancy_contraindication_needs_warning_text(django_app, pharmacist):
    drug = DrugInformationFactory(drug_class="")
    form = django_app.get(f"/dashboard/catalogue/drug-information/{drug.pk}/", user=pharmacist).forms[
        "drug_information_form"
    ]
    form["pregnancy_risk"] = "contraindicated"
    form["pregnancy_warning"] = "  "

    response = form.submit()

    assert response.status_code == 200
    assert "needs the warning text shown at the top of its page" in response.text
    drug.refresh_from_db()
    assert drug.pregnancy_risk == "none"
    assert not DrugInformationChange.objects.exists()


def test_a_pharmacist_creates_drug_information(django_app, pharmacist):
    form = django_app.get("/dashboard/catalogue/drug-information/create/", user=pharmacist).forms[
        "drug_information_form"
    ]
    for name, value in {
        "name": "Azelaic acid (topical)",
        "summary": "A cream for acne and rosacea.",
        "how_it_works": "x",
        "how_to_use": "x",
        "common_side_effects": "x",
        "serious_side_effects": "x",
        "pregnancy_and_breastfeeding": "x",
        "who_must_not_take": "x",
        "interactions": "x",
        "last_reviewed_on": "2026-11-01",
        "reviewed_by": "A. Pharmacist",
    }.items():
        form[name] = value

    form.submit().follow()

    drug = DrugInformation.objects.get()
    assert drug.name == "Azelaic acid (topical)"
    change = DrugInformationChange.objects.get()
    assert (change.drug, change.actor, change.before) == (drug, pharmacist, None)
    assert change.after["name"] == "Azelaic acid (topical)"


@pytest.mark.parametrize("url", ["/", "/create/", "/{pk}/"])
def test_catalogue_staff_cannot_open_or_post_the_drug_information_pages(django_app_factory, staff, url):
    # Without CSRF checks, so a refusal can only come from the permission check.
    app = django_app_factory(csrf_checks=False)
    drug = DrugInformationFactory(
        name="Isotretinoin", pregnancy_risk="contraindicated", pregnancy_warning="Never in pregnancy."
    )
    url = "/dashboard/catalogue/drug-information" + url.format(pk=drug.pk)

    app.get(url, user=staff, status=403)
    app.post(url, {"name": "Renamed", "pregnancy_risk": "none"}, user=staff, status=403)

    drug.refresh_from_db()
    assert (drug.name, drug.pregnancy_risk) == ("Isotretinoin", "contraindicated")
    assert DrugInformation.objects.count() == 1


def test_customers_cannot_open_the_drug_information_dashboard(django_app, customer):
    django_app.get("/dashboard/catalogue/drug-information/", user=customer, status=403)


def test_anonymous_visitors_are_sent_to_log_in(django_app):
    response = django_app.get("/dashboard/catalogue/drug-information/", status=302)

    assert "/login/" in response.location


def test_a_superuser_sets_the_prescription_flag_and_drug_information_on_a_product(django_app):
    admin = UserFactory(is_staff=True, is_superuser=True)
    drug = DrugInformationFactory()
    product = ProductFactory(categories=[create_category("Acne")])

    form = django_app.get(f"/dashboard/catalogue/products/{product.pk}/", user=admin).forms[
        "create_update_product_form"
    ]
    form["requires_prescription"] = True
    form["drug_information"] = str(drug.pk)
    form.submit()

    product.refresh_from_db()
    assert product.requires_prescription is True
    assert product.drug_information == drug
    change = ProductSwitchChange.objects.get()
    assert (change.product, change.actor) == (product, admin)
    assert change.before == {"requires_prescription": False, "drug_information": None}
    assert change.after == {"requires_prescription": True, "drug_information": {"id": drug.pk, "name": drug.name}}


def test_catalogue_staff_see_the_switches_but_cannot_change_them(django_app, staff):
    product = ProductFactory(categories=[create_category("Acne")], requires_prescription=True)

    page = django_app.get(f"/dashboard/catalogue/products/{product.pk}/", user=staff)
    form = page.forms["create_update_product_form"]
    assert "disabled" in form["requires_prescription"].attrs
    assert "disabled" in form["drug_information"].attrs
    assert "Only a pharmacist can change this." in page.text
    form["title"] = "Renamed by catalogue staff"
    form.submit().follow()

    product.refresh_from_db()
    assert (product.title, product.requires_prescription) == ("Renamed by catalogue staff", True)
    assert not ProductSwitchChange.objects.exists()


def test_drug_information_list_links_every_record(django_app, pharmacist):
    DrugInformationFactory(name="Doxycycline")

    page = django_app.get("/dashboard/catalogue/drug-information/", user=pharmacist)

    assert "Doxycycline" in [a.text for a in page.html.select("tbody a")]


def test_partner_users_cannot_change_the_prescription_flag(django_app):
    """Only pharmacists decide what needs a prescription (partners manage stock)."""
    partner_user = UserFactory(is_staff=False)
    partner_user.user_permissions.add(
        *Permission.objects.filter(codename__in=["dashboard_access", "view_product", "change_product"])
    )
    product = ProductFactory(categories=[create_category("Acne")], requires_prescription=True)
    product.stockrecords.get().partner.users.add(partner_user)

    form = django_app.get(f"/dashboard/catalogue/products/{product.pk}/", user=partner_user).forms[
        "create_update_product_form"
    ]
    assert "disabled" in form["requires_prescription"].attrs
    form["requires_prescription"].force_value(None)
    form.submit()

    product.refresh_from_db()
    assert product.requires_prescription is True
