"""The switches of the gate (the prescription flag, a product's drug information, the drug information itself)
are the pharmacist's: every path that could write them, who may use it, and the history each change leaves."""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied

from catalogue.models import DrugInformation, Product
from prescriptions.models import DrugInformationChange, ProductSwitchChange
from prescriptions.services.switches import Question, drug_information_save, product_switches_save
from tests.factories import (
    DrugInformationFactory,
    ProductFactory,
    RxProductFactory,
    UserFactory,
    create_category,
    pharmacist_user,
)

pytestmark = pytest.mark.django_db

WARNING = "Isotretinoin causes severe birth defects. Do not take it if you are or could become pregnant."


@pytest.fixture
def isotretinoin():
    drug = DrugInformationFactory(
        name="Isotretinoin (oral)",
        drug_class="oral-retinoid",
        pregnancy_risk="contraindicated",
        pregnancy_warning=WARNING,
    )
    return RxProductFactory(
        title="Isotretinoin 20 mg capsules, 30", drug_information=drug, categories=[create_category("Acne")]
    )


@pytest.fixture
def other_drug():
    return DrugInformationFactory(name="Adapalene (topical)", drug_class="topical-retinoid")


def catalogue_staff():
    """Staff with every catalogue permission Django has: products and drug information included."""
    user = UserFactory(is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="catalogue"))
    return user


def partner_of(product):
    user = UserFactory()
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["dashboard_access", "view_product", "change_product"])
    )
    product.stockrecords.get().partner.users.add(user)
    return user


def superuser():
    return UserFactory(is_staff=True, is_superuser=True)


def user_in_role(role, product):
    return {
        "catalogue staff": catalogue_staff,
        "partner": lambda: partner_of(product),
        "pharmacist": pharmacist_user,
        "superuser": superuser,
    }[role]()


def form_body(app, url, form_id, user):
    """Every field a browser would send for the form at ``url``, as ``user`` sees it filled in."""
    form = app.get(url, user=user).forms[form_id]
    body = {}
    for name, value in form.submit_fields():
        if isinstance(value, str):  # not the empty file inputs
            body.setdefault(name, value)
    return body


# --- The role matrix ------------------------------------------------------------------------------
#
# Each path is POSTed directly (not through the page's form, whose disabled
# fields a browser would not send), with the body a superuser's page would
# send and one switch changed. Only the roles in ALLOWED may move it.

PRODUCT_FORM = "/dashboard/catalogue/products/{product}/"
PHARMACY_PAGE = "/dashboard/pharmacy/medicines/{product}/"
DRUG_PAGE = "/dashboard/catalogue/drug-information/{drug}/"
ADMIN_PAGE = "/admin/catalogue/product/{product}/change/"


def untick_flag(body, other_drug):
    body.pop("requires_prescription", None)
    return body


def swap_drug(body, other_drug):
    body["drug_information"] = str(other_drug.pk)
    return body


def lower_pregnancy_risk(body, other_drug):
    body["pregnancy_risk"] = "caution"
    return body


def clear_drug_class(body, other_drug):
    body["drug_class"] = ""
    return body


def flag(product, drug):
    product.refresh_from_db()
    return product.requires_prescription


def drug_of(product, drug):
    product.refresh_from_db()
    return product.drug_information_id


def pregnancy_risk(product, drug):
    drug.refresh_from_db()
    return drug.pregnancy_risk


def drug_class(product, drug):
    drug.refresh_from_db()
    return drug.drug_class


# (name, url, form id, change to the body, what to read back)
PATHS = {
    "product form: flag": (PRODUCT_FORM, "create_update_product_form", untick_flag, flag),
    "product form: drug information": (PRODUCT_FORM, "create_update_product_form", swap_drug, drug_of),
    "pharmacy page: flag": (PHARMACY_PAGE, "medicine_form", untick_flag, flag),
    "pharmacy page: drug information": (PHARMACY_PAGE, "medicine_form", swap_drug, drug_of),
    "drug information: pregnancy risk": (DRUG_PAGE, "drug_information_form", lower_pregnancy_risk, pregnancy_risk),
    "drug information: drug class": (DRUG_PAGE, "drug_information_form", clear_drug_class, drug_class),
    "django admin: flag": (ADMIN_PAGE, "product_form", untick_flag, flag),
    "django admin: drug information": (ADMIN_PAGE, "product_form", swap_drug, drug_of),
}
# The Django admin shows the switches read-only to everyone: it has no history.
ALLOWED = {
    "catalogue staff": set(),
    "partner": set(),
    "pharmacist": {
        "pharmacy page: flag",
        "pharmacy page: drug information",
        "drug information: pregnancy risk",
        "drug information: drug class",
    },
    "superuser": {
        "product form: flag",
        "product form: drug information",
        "pharmacy page: flag",
        "pharmacy page: drug information",
        "drug information: pregnancy risk",
        "drug information: drug class",
    },
}


@pytest.mark.parametrize("role", list(ALLOWED))
@pytest.mark.parametrize("path", list(PATHS))
def test_role_matrix_on_every_switch_of_the_gate(django_app_factory, isotretinoin, other_drug, role, path):
    # No CSRF checks: a refusal can only come from who the user is.
    app = django_app_factory(csrf_checks=False)
    drug = isotretinoin.drug_information
    url_pattern, form_id, change, read = PATHS[path]
    url = url_pattern.format(product=isotretinoin.pk, drug=drug.pk)
    body = change(form_body(app, url, form_id, superuser()), other_drug)
    before = read(isotretinoin, drug)
    user = user_in_role(role, isotretinoin)

    app.post(url, body, user=user, expect_errors=True)

    after = read(isotretinoin, drug)
    if path in ALLOWED[role]:
        assert after != before, f"{role} should be able to change {path}"
    else:
        assert after == before, f"{role} changed {path}"
    history = ProductSwitchChange if "drug information:" not in path else DrugInformationChange
    assert history.objects.filter(actor=user).count() == (1 if path in ALLOWED[role] else 0)


@pytest.mark.parametrize("role", ["catalogue staff", "partner"])
def test_staff_still_edit_the_rest_of_the_product_when_they_post_the_flag(django_app_factory, isotretinoin, role):
    """The form is accepted, the title changes, the flag stays: not a refusal of the whole form."""
    app = django_app_factory(csrf_checks=False)
    url = PRODUCT_FORM.format(product=isotretinoin.pk)
    body = untick_flag(form_body(app, url, "create_update_product_form", superuser()), None)
    body["title"] = "Isotretinoin 20 mg capsules, 30 (new box)"

    response = app.post(url, body, user=user_in_role(role, isotretinoin))

    assert response.status_code == 302
    isotretinoin.refresh_from_db()
    assert (isotretinoin.title, isotretinoin.requires_prescription) == (
        "Isotretinoin 20 mg capsules, 30 (new box)",
        True,
    )


def test_a_staff_member_who_is_also_a_pharmacist_sets_the_flag_in_the_product_form(django_app, other_drug):
    user = catalogue_staff()
    user.groups.add(pharmacist_user().groups.get())
    product = ProductFactory(title="Tretinoin 0.05% cream", categories=[create_category("Acne")])

    form = django_app.get(PRODUCT_FORM.format(product=product.pk), user=user).forms["create_update_product_form"]
    form["requires_prescription"] = True
    form["drug_information"] = str(other_drug.pk)
    form.submit().follow()

    change = ProductSwitchChange.objects.get()
    assert (change.product, change.actor) == (product, user)
    assert (change.before["requires_prescription"], change.after["requires_prescription"]) == (False, True)


def test_a_product_created_as_prescription_only_records_it(django_app, other_drug):
    admin = superuser()
    product_class = RxProductFactory().product_class
    acne = create_category("Skin/Acne")
    form = django_app.get(f"/dashboard/catalogue/products/create/{product_class.slug}/", user=admin).forms[
        "create_update_product_form"
    ]
    form["title"] = "Clindamycin 1% gel"
    form["productcategory_set-0-category"] = str(acne.pk)
    form["upc"] = "CLINDA-1"
    form["requires_prescription"] = True
    form["drug_information"] = str(other_drug.pk)
    form.submit().follow()

    product = Product.objects.get(upc="CLINDA-1")
    assert (product.requires_prescription, product.drug_information) == (True, other_drug)
    change = ProductSwitchChange.objects.get(product=product)
    assert change.before == {"requires_prescription": False, "drug_information": None}


# --- The pharmacist's pages ---------------------------------------------------------------------


def test_a_pharmacist_finds_a_product_and_makes_it_prescription_only(django_app, other_drug):
    pharmacist = pharmacist_user()
    ProductFactory(title="Gentle cleanser")
    tretinoin = ProductFactory(title="Tretinoin 0.05% cream")

    listing = django_app.get("/dashboard/pharmacy/medicines/?q=tretinoin", user=pharmacist)
    assert [a.text for a in listing.html.select("#medicine-list tbody a")] == ["Tretinoin 0.05% cream"]
    page = listing.click("Tretinoin 0.05% cream")
    form = page.forms["medicine_form"]
    form["requires_prescription"] = True
    form["drug_information"] = str(other_drug.pk)
    page = form.submit().follow()

    tretinoin.refresh_from_db()
    assert (tretinoin.requires_prescription, tretinoin.drug_information) == (True, other_drug)
    rows = page.html.select("#switch-history tbody tr")
    assert len(rows) == 1
    assert pharmacist.email in rows[0].text
    assert "Prescription only: no → yes" in " ".join(rows[0].text.split())
    assert "Drug information: blank → Adapalene (topical)" in " ".join(rows[0].text.split())


def test_the_drug_information_page_shows_its_history(django_app, isotretinoin):
    pharmacist = pharmacist_user()
    drug = isotretinoin.drug_information
    form = django_app.get(DRUG_PAGE.format(drug=drug.pk), user=pharmacist).forms["drug_information_form"]
    form["pregnancy_risk"] = "caution"
    page = form.submit().follow()

    rows = page.html.select("#drug-history tbody tr")
    assert len(rows) == 1
    text = " ".join(rows[0].text.split())
    assert pharmacist.email in text
    assert "Pregnancy risk: Must not be used in pregnancy → Ask a doctor or pharmacist first" in text


def test_pharmacists_see_the_switches_and_drug_information_in_their_menu(django_app):
    page = django_app.get("/dashboard/pharmacy/", user=pharmacist_user())

    labels = [" ".join(a.text.split()) for a in page.html.select("#bottom_nav_bar .dropdown-item")]
    assert {"Prescription-only products", "Drug information"} <= set(labels)


def test_a_product_with_a_history_cannot_be_deleted_and_staff_are_told_why(django_app, isotretinoin, other_drug):
    product_switches_save(
        product=isotretinoin, pharmacist=pharmacist_user(), requires_prescription=True, drug_information=other_drug
    )
    page = django_app.get(f"/dashboard/catalogue/products/{isotretinoin.pk}/delete/", user=superuser())

    response = page.forms["delete_product_form"].submit().follow()

    assert "cannot be deleted" in response.text
    assert Product.objects.filter(pk=isotretinoin.pk).exists()


# --- The service ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["catalogue staff", "customer", "reviewer without the rules permission"])
def test_only_pharmacists_may_change_the_switches(isotretinoin, other_drug, who):
    if who == "catalogue staff":
        user = catalogue_staff()
    elif who == "customer":
        user = UserFactory()
    else:
        user = UserFactory()
        user.user_permissions.add(Permission.objects.get(codename="review_prescription"))

    with pytest.raises(PermissionDenied):
        product_switches_save(product=isotretinoin, pharmacist=user, requires_prescription=False, drug_information=None)
    with pytest.raises(PermissionDenied):
        drug_information_save(
            drug=isotretinoin.drug_information, pharmacist=user, values={"pregnancy_risk": "none"}, questions=[]
        )

    isotretinoin.refresh_from_db()
    assert isotretinoin.requires_prescription is True
    assert isotretinoin.drug_information.pregnancy_risk == "contraindicated"
    assert not ProductSwitchChange.objects.exists() and not DrugInformationChange.objects.exists()


def test_saving_unchanged_switches_records_nothing(isotretinoin):
    change = product_switches_save(
        product=isotretinoin,
        pharmacist=pharmacist_user(),
        requires_prescription=True,
        drug_information=isotretinoin.drug_information,
    )

    assert change is None
    assert not ProductSwitchChange.objects.exists()


def test_a_switch_change_records_who_when_before_and_after(isotretinoin, other_drug):
    pharmacist = pharmacist_user()
    old = isotretinoin.drug_information

    change = product_switches_save(
        product=isotretinoin, pharmacist=pharmacist, requires_prescription=False, drug_information=other_drug
    )

    assert change.actor == pharmacist and change.created_at is not None
    assert change.before == {"requires_prescription": True, "drug_information": {"id": old.pk, "name": old.name}}
    assert change.after == {
        "requires_prescription": False,
        "drug_information": {"id": other_drug.pk, "name": other_drug.name},
    }
    assert [d.label for d in change.differences()] == ["prescription only", "drug information"]


def test_drug_information_keeps_its_questions_in_the_history(isotretinoin):
    pharmacist = pharmacist_user()
    drug = isotretinoin.drug_information

    drug_information_save(
        drug=drug,
        pharmacist=pharmacist,
        values={"pregnancy_risk": "contraindicated"},
        questions=[Question("Can I drink alcohol?", "Best avoided.", 1), Question("How long?", "16 weeks.", 0)],
    )

    assert list(drug.questions.values_list("question", flat=True)) == ["How long?", "Can I drink alcohol?"]
    change = DrugInformationChange.objects.get()
    assert change.before["questions"] == []
    assert [q["question"] for q in change.after["questions"]] == ["How long?", "Can I drink alcohol?"]
    assert [d.label for d in change.differences()] == ["questions and answers"]


def test_a_contraindicated_medicine_cannot_lose_its_warning_through_the_service(isotretinoin):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        drug_information_save(
            drug=isotretinoin.drug_information,
            pharmacist=pharmacist_user(),
            values={"pregnancy_warning": " "},
            questions=[],
        )

    assert "pregnancy_warning" in refused.value.message_dict
    assert DrugInformation.objects.get().pregnancy_warning == WARNING
    assert not DrugInformationChange.objects.exists()


def test_the_history_cannot_be_rewritten_through_the_orm(isotretinoin, other_drug):
    change = product_switches_save(
        product=isotretinoin, pharmacist=pharmacist_user(), requires_prescription=False, drug_information=other_drug
    )

    with pytest.raises(PermissionDenied):
        change.save()
    with pytest.raises(PermissionDenied):
        ProductSwitchChange.objects.update(after={})
    with pytest.raises(PermissionDenied):
        DrugInformationChange.objects.all().delete()
