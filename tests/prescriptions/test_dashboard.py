"""The pharmacist's workspace: who may enter, the queue, the review page and its decisions."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from prescriptions.models import DispensingPolicy, Prescription, PrescriptionEvent
from tests.factories import (
    PartnerFactory,
    RxProductFactory,
    UserFactory,
    approve,
    pharmacist_user,
    submit_prescription,
)
from tests.files import pdf_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def rx_product():
    """Packs of 30 capsules, at most 4 a day: an approval for 30 days' supply covers up to 4 packs."""
    product = RxProductFactory(title="Isotretinoin 20 mg capsules")
    DispensingPolicy.objects.create(product=product, units_per_pack=30, max_units_per_day=4)
    return product


@pytest.fixture
def pending(customer, rx_product):
    return submit_prescription(customer, [rx_product])


def role(name):
    if name == "anonymous":
        return None
    if name == "customer":
        return UserFactory()
    if name == "staff":
        return UserFactory(is_staff=True)
    if name == "partner":
        user = UserFactory()
        user.user_permissions.add(Permission.objects.get(codename="dashboard_access"))
        PartnerFactory(name="Supplier").users.add(user)
        return user
    if name == "pharmacist":
        return pharmacist_user()
    if name == "superuser":
        return UserFactory(is_staff=True, is_superuser=True)
    raise ValueError(name)


PHARMACIST_URLS = [
    ("queue", "/dashboard/pharmacy/"),
    ("review", "/dashboard/pharmacy/{public_id}/"),
    ("preview", "/dashboard/pharmacy/{public_id}/page-1.jpg"),
    ("rules", "/dashboard/pharmacy/rules/"),
    ("rule", "/dashboard/pharmacy/rules/{product_pk}/"),
    ("switches", "/dashboard/pharmacy/medicines/"),
    ("switch", "/dashboard/pharmacy/medicines/{product_pk}/"),
    ("drug information", "/dashboard/catalogue/drug-information/"),
    ("drug information page", "/dashboard/catalogue/drug-information/{drug_pk}/"),
    ("new drug information", "/dashboard/catalogue/drug-information/create/"),
    ("orders to dispense", "/dashboard/pharmacy/supply/"),
    ("supply register", "/dashboard/pharmacy/supply/export/"),
    ("supply register csv", "/dashboard/pharmacy/supply/export/?download=csv"),
]
EXPECTED = {"anonymous": 302, "customer": 403, "staff": 403, "partner": 403, "pharmacist": 200, "superuser": 200}


@pytest.mark.parametrize("who", list(EXPECTED))
@pytest.mark.parametrize(("page", "url"), PHARMACIST_URLS)
def test_role_matrix_on_every_pharmacist_url(django_app, customer, rx_product, who, page, url):
    prescription = submit_prescription(customer, [rx_product])
    if page == "preview":
        Prescription.objects.filter(pk=prescription.pk).update(file_kind="pdf", content_type="application/pdf")
        with prescription.file.open("wb") as f:
            f.write(pdf_bytes())
    url = url.format(public_id=prescription.public_id, product_pk=rx_product.pk, drug_pk=rx_product.drug_information_id)

    response = django_app.get(url, user=role(who), expect_errors=True)

    assert response.status_code == EXPECTED[who], (who, page)
    if who == "anonymous":
        assert response.location.startswith("/dashboard/login/")


@pytest.mark.parametrize("who", ["pharmacist", "superuser"])
def test_decisions_are_refused_to_non_pharmacists_by_post_too(django_app, pending, who):
    for intruder in ("customer", "staff", "partner"):
        response = django_app.post(
            f"/dashboard/pharmacy/{pending.public_id}/",
            {"action": "reject", "reason_text": "x"},
            user=role(intruder),
            expect_errors=True,
        )
        assert response.status_code == 403
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_a_pharmacist_sees_only_the_pharmacy_section_of_the_dashboard(django_app):
    pharmacist = pharmacist_user()

    index = django_app.get("/dashboard/", user=pharmacist)

    assert index.status_code == 302 and index.location == "/dashboard/pharmacy/"
    page = index.follow()
    menu = [a.text.split()[0] for a in page.html.select("#bottom_nav_bar .nav-link")]
    assert menu == ["Dashboard", "Pharmacy"]
    for forbidden in ("dashboard:order-list", "dashboard:catalogue-product-list", "dashboard:users-index"):
        django_app.get(reverse(forbidden), user=pharmacist, status=403)


def test_the_menu_shows_how_many_prescriptions_wait(django_app, customer, rx_product):
    for _ in range(3):
        submit_prescription(customer, [rx_product])

    page = django_app.get("/dashboard/pharmacy/", user=pharmacist_user())

    assert page.html.select_one("#pharmacy-pending-count").text.split()[0] == "3"


# --- The queue --------------------------------------------------------------------------


def queue_refs(page):
    return [a.text for a in page.html.select("#prescription-queue tbody td:first-child a")]


def test_the_queue_lists_pending_prescriptions_oldest_first_with_their_age(django_app, customer, rx_product):
    now = timezone.now()
    older = submit_prescription(customer, [rx_product])
    newer = submit_prescription(customer, [rx_product])
    Prescription.objects.filter(pk=older.pk).update(submitted_at=now - datetime.timedelta(hours=5))
    Prescription.objects.filter(pk=newer.pk).update(submitted_at=now - datetime.timedelta(minutes=10))
    approve(submit_prescription(customer, [rx_product]))

    page = django_app.get("/dashboard/pharmacy/", user=pharmacist_user())

    assert queue_refs(page) == [older.reference, newer.reference]
    ages = [" ".join(td.text.split()) for td in page.html.select("#prescription-queue tbody td:nth-child(2)")]
    assert ages == ["5 hours", "10 minutes"]


def test_all_puts_pending_first_then_the_rest_newest_first(django_app, customer, rx_product):
    decided_old = approve(submit_prescription(customer, [rx_product]))
    waiting = submit_prescription(customer, [rx_product])
    decided_new = approve(submit_prescription(customer, [rx_product]))

    page = django_app.get("/dashboard/pharmacy/?status=all", user=pharmacist_user())

    assert queue_refs(page) == [waiting.reference, decided_new.reference, decided_old.reference]


def test_the_queue_filters_by_status_and_searches_email_and_patient(django_app, customer, rx_product):
    other = UserFactory(email="farida@example.com")
    mine = submit_prescription(customer, [rx_product], patient_name="Sana Qureshi")
    theirs = submit_prescription(other, [rx_product], patient_name="Farida Baig")
    approved = approve(submit_prescription(other, [rx_product], patient_name="Farida Baig"))
    pharmacist = pharmacist_user()

    assert queue_refs(django_app.get("/dashboard/pharmacy/?q=farida@", user=pharmacist)) == [theirs.reference]
    assert queue_refs(django_app.get("/dashboard/pharmacy/?q=qureshi", user=pharmacist)) == [mine.reference]
    approved_page = django_app.get("/dashboard/pharmacy/?status=approved&q=baig", user=pharmacist)
    assert queue_refs(approved_page) == [approved.reference]


def test_an_unknown_status_filter_falls_back_to_pending(django_app, pending):
    page = django_app.get("/dashboard/pharmacy/?status=<script>", user=pharmacist_user())

    assert queue_refs(page) == [pending.reference]


def test_the_queue_is_paginated(django_app, customer, rx_product):
    for _ in range(27):
        submit_prescription(customer, [rx_product])
    pharmacist = pharmacist_user()

    assert len(queue_refs(django_app.get("/dashboard/pharmacy/", user=pharmacist))) == 25
    assert len(queue_refs(django_app.get("/dashboard/pharmacy/?page=2", user=pharmacist))) == 2


def test_a_queue_page_costs_the_same_queries_however_long_the_queue(
    django_app, customer, rx_product, django_assert_max_num_queries
):
    pharmacist = pharmacist_user()
    for _ in range(3):
        submit_prescription(customer, [rx_product])
    django_app.get("/dashboard/pharmacy/", user=pharmacist)
    with django_assert_max_num_queries(10) as few:
        django_app.get("/dashboard/pharmacy/", user=pharmacist)
    for _ in range(30):
        submit_prescription(UserFactory(), [rx_product, RxProductFactory()])

    with django_assert_max_num_queries(len(few.captured_queries)):
        django_app.get("/dashboard/pharmacy/", user=pharmacist)


# --- The review page --------------------------------------------------------------------


def test_the_review_page_shows_the_file_the_customer_and_their_history(django_app, customer, rx_product):
    earlier = approve(submit_prescription(customer, [rx_product]))
    prescription = submit_prescription(customer, [rx_product], note="Second course")

    page = django_app.get(f"/dashboard/pharmacy/{prescription.public_id}/", user=pharmacist_user())

    image = page.html.select_one(".rx-review__file img")
    assert image["src"] == f"/accounts/prescriptions/{prescription.public_id}/file/"
    assert "customer@example.com" in page.html.select_one("#customer-title").parent.text
    assert earlier.reference in page.html.select_one("#earlier-title").parent.text
    assert "Second course" in page.text
    checklist = [label.text for label in page.html.select("#decision_form fieldset:first-of-type label")]
    assert checklist[:5] == [
        "Prescriber's name, qualification and PMDC registration number are present and valid",
        "Patient's name matches the customer and the details given",
        "Date of issue is within the dispensing window for this medicine",
        "Generic name, strength, dose, frequency and quantity are clear",
        "Prescriber's signature (and stamp) is present",
    ]


def test_a_pdf_is_shown_as_pictures_of_its_pages(django_app, customer, rx_product):
    prescription = submit_prescription(customer, [rx_product])
    Prescription.objects.filter(pk=prescription.pk).update(file_kind="pdf", content_type="application/pdf")
    with prescription.file.open("wb") as f:
        f.write(pdf_bytes())
    pharmacist = pharmacist_user()

    page = django_app.get(f"/dashboard/pharmacy/{prescription.public_id}/", user=pharmacist)
    src = page.html.select_one(".rx-review__file img")["src"]
    picture = django_app.get(src, user=pharmacist)

    assert picture.headers["Content-Type"] == "image/jpeg"
    assert picture.body.startswith(b"\xff\xd8\xff")
    assert PrescriptionEvent.objects.filter(action="file_viewed", actor=pharmacist).count() == 1


def test_the_review_page_shows_basket_lines_waiting_on_the_prescription(customer_app, customer, rx_product):
    from tests.checkout_steps import add_to_basket

    add_to_basket(customer_app, rx_product, quantity=2)
    prescription = submit_prescription(customer, [rx_product])

    page = customer_app.get(f"/dashboard/pharmacy/{prescription.public_id}/", user=pharmacist_user())

    assert "In the basket: Isotretinoin 20 mg capsules × 2" in page.html.select_one("#waiting-title").parent.text


def test_the_pharmacist_sees_an_interaction_conflict(django_app, customer, rx_product):
    from tests.factories import DrugInformationFactory, ProductFactory

    rx_product.drug_information.drug_class = "oral-retinoid"
    rx_product.drug_information.save()
    doxycycline = RxProductFactory(
        title="Doxycycline 100 mg", drug_information=DrugInformationFactory(drug_class="tetracycline")
    )
    ProductFactory()  # unrelated
    prescription = submit_prescription(customer, [rx_product, doxycycline])

    page = django_app.get(f"/dashboard/pharmacy/{prescription.public_id}/", user=pharmacist_user())

    warning = page.html.select_one("#conflicts-title").parent.text
    assert "Isotretinoin 20 mg capsules and Doxycycline 100 mg cannot be ordered together" in warning


def decide(app, prescription, pharmacist, action, **fields):
    form = app.get(f"/dashboard/pharmacy/{prescription.public_id}/", user=pharmacist).forms["decision_form"]
    for name, value in fields.items():
        form[name] = value
    return form.submit("action", value=action, user=pharmacist)


ALL_TICKED = {
    "check_prescriber_verified": True,
    "check_patient_matches": True,
    "check_date_within_window": True,
    "check_drug_details_ok": True,
    "check_signature_present": True,
}


def test_approving_records_coverage_and_an_audit_row_with_the_checklist(django_app, pending, rx_product):
    pharmacist = pharmacist_user()
    until = timezone.localdate() + datetime.timedelta(days=20)

    response = decide(
        django_app,
        pending,
        pharmacist,
        "approve",
        **ALL_TICKED,
        **{f"quantity_{rx_product.pk}": "2", "valid_until": str(until), "days_supply": "30"},
    )

    assert response.status_code == 302
    pending.refresh_from_db()
    assert (pending.status, pending.valid_until, pending.decided_by) == ("approved", until, pharmacist)
    assert list(pending.items.values_list("product_id", "quantity_approved", "quantity_remaining")) == [
        (rx_product.pk, 2, 2)
    ]
    event = pending.events.get(action="approved")
    assert (event.actor, event.from_status, event.to_status) == (pharmacist, "pending", "approved")
    assert event.checklist == {
        "prescriber_verified": True,
        "patient_matches": True,
        "date_within_window": True,
        "drug_details_ok": True,
        "signature_present": True,
    }


def test_approving_needs_every_checklist_item(django_app, pending, rx_product):
    ticked = {**ALL_TICKED, "check_signature_present": False}

    response = decide(django_app, pending, pharmacist_user(), "approve", **ticked)

    assert response.status_code == 200
    assert "Tick every item of the checklist before approving" in response.text
    assert "signature" in response.html.select_one("#decision_form .alert-danger").text
    pending.refresh_from_db()
    assert pending.status == "pending"
    assert not pending.events.filter(action="approved").exists()


@pytest.mark.parametrize(
    ("action", "status", "event"), [("reject", "rejected", "rejected"), ("resubmit", "resubmit", "resubmit")]
)
def test_refusing_records_the_reason_the_customer_sees(django_app, pending, action, status, event):
    pharmacist = pharmacist_user()

    decide(
        django_app,
        pending,
        pharmacist,
        action,
        reason_choice="unsigned",
        reason_text="Please ask Dr. Khan to sign it.",
        check_signature_present=False,
    )

    pending.refresh_from_db()
    assert pending.status == status
    assert pending.decision_reason == "The prescription is not signed by the doctor. Please ask Dr. Khan to sign it."
    row = pending.events.get(action=event)
    assert (row.actor, row.reason) == (pharmacist, pending.decision_reason)
    assert row.checklist["signature_present"] is False


def test_refusing_without_a_reason_is_refused(django_app, pending):
    response = decide(django_app, pending, pharmacist_user(), "reject")

    assert "Choose or write a reason" in response.text
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_revoking_an_approval_is_audited(django_app, customer, rx_product):
    pharmacist = pharmacist_user()
    prescription = approve(submit_prescription(customer, [rx_product]), by=pharmacist)
    form = django_app.get(f"/dashboard/pharmacy/{prescription.public_id}/", user=pharmacist).forms["revoke_form"]
    form["reason"] = "The doctor called to cancel it."

    form.submit(user=pharmacist)

    prescription.refresh_from_db()
    assert prescription.status == "revoked"
    row = prescription.events.get(action="revoked")
    assert (row.from_status, row.to_status, row.reason) == ("approved", "revoked", "The doctor called to cancel it.")


def test_after_a_decision_the_pharmacist_goes_straight_to_the_next_waiting_one(django_app, customer, rx_product):
    first = submit_prescription(customer, [rx_product])
    second = submit_prescription(customer, [rx_product])

    response = decide(django_app, first, pharmacist_user(), "reject", reason_choice="unsigned")

    assert response.location == f"/dashboard/pharmacy/{second.public_id}/"


# --- Separation of duties ---------------------------------------------------------------


def test_a_pharmacist_cannot_decide_their_own_prescription(django_app, rx_product):
    pharmacist = pharmacist_user()
    own = submit_prescription(pharmacist, [rx_product])

    page = django_app.get(f"/dashboard/pharmacy/{own.public_id}/", user=pharmacist)
    assert "decision_form" not in page.forms
    assert "another pharmacist must review it" in page.text

    response = django_app.post(
        f"/dashboard/pharmacy/{own.public_id}/",
        {
            "action": "reject",
            "reason_choice": "unsigned",
            "csrfmiddlewaretoken": page.forms["logout_form"]["csrfmiddlewaretoken"].value,
        },
        user=pharmacist,
    )
    assert "You cannot decide a prescription you uploaded yourself." in response.text
    own.refresh_from_db()
    assert own.status == "pending"


def test_self_approval_is_refused_by_the_service_too(rx_product):
    from prescriptions.services.decisions import DecisionNotAllowed

    pharmacist = pharmacist_user()
    own = submit_prescription(pharmacist, [rx_product])

    with pytest.raises(DecisionNotAllowed, match="uploaded yourself"):
        approve(own, by=pharmacist)
    own.refresh_from_db()
    assert own.status == "pending"
    assert not own.events.filter(action="approved").exists()


def test_a_decided_prescription_cannot_be_decided_again(django_app, customer, rx_product):
    from prescriptions.services.decisions import DecisionNotAllowed, prescription_reject

    pharmacist = pharmacist_user()
    prescription = approve(submit_prescription(customer, [rx_product]), by=pharmacist)

    with pytest.raises(DecisionNotAllowed, match="already approved"):
        prescription_reject(prescription=prescription, pharmacist=pharmacist_user(), reason="Changed my mind")
    with pytest.raises(DecisionNotAllowed, match="already approved"):
        approve(prescription, by=pharmacist_user(), quantity=9)
    prescription.refresh_from_db()
    assert prescription.status == "approved"
    assert prescription.items.get().quantity_approved == 1


def test_the_audit_trail_is_append_only(pending):
    from django.core.exceptions import PermissionDenied

    event = pending.events.get()
    event.reason = "rewritten"
    with pytest.raises(PermissionDenied):
        event.save()
    with pytest.raises(PermissionDenied):
        event.delete()
    with pytest.raises(PermissionDenied):
        PrescriptionEvent.objects.filter(pk=event.pk).update(reason="rewritten")
    with pytest.raises(PermissionDenied):
        PrescriptionEvent.objects.all().delete()


# --- Dispensing rules in the dashboard --------------------------------------------------


def test_a_pharmacist_edits_a_medicines_dispensing_rules(django_app, rx_product):
    pharmacist = pharmacist_user()
    form = django_app.get(f"/dashboard/pharmacy/rules/{rx_product.pk}/", user=pharmacist).forms["policy_form"]
    form["validity_days"] = "30"
    form["validity_days_if_can_become_pregnant"] = "7"
    form["max_supply_days"] = "30"
    form["refills_allowed"] = False
    form["pregnancy_test_required"] = True
    form["risk_acknowledgement_required"] = True

    form.submit(user=pharmacist).follow()

    policy = DispensingPolicy.objects.get(product=rx_product)
    assert (policy.validity_days, policy.validity_days_if_can_become_pregnant, policy.max_supply_days) == (30, 7, 30)
    assert (policy.refills_allowed, policy.pregnancy_test_required, policy.risk_acknowledgement_required) == (
        False,
        True,
        True,
    )


def test_staff_see_which_prescription_authorised_an_order_line(django_app, customer, rx_product):
    from oscar.apps.partner.strategy import Default
    from oscar.core.loading import get_model
    from oscar.test.factories import create_order

    prescription = approve(submit_prescription(customer, [rx_product]))
    basket = get_model("basket", "Basket").objects.create(owner=customer)
    basket.strategy = Default()
    basket.add_product(rx_product, 1)
    order = create_order(basket=basket, user=customer)

    page = django_app.get(f"/dashboard/orders/{order.number}/", user=role("superuser"))

    row = [td.text.strip() for td in page.html.select("#order-prescriptions tbody td")]
    assert row == ["Isotretinoin 20 mg capsules", "1", prescription.reference]
