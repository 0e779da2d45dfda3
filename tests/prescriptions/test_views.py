"""The customer's pages: upload, My prescriptions, status, and the private file."""

import datetime
from urllib.parse import quote

import pytest
from django.utils import timezone

from prescriptions.models import DispensingPolicy, Prescription, PrescriptionEvent
from prescriptions.services.decisions import prescription_reject, prescription_revoke
from tests.factories import (
    ProductFactory,
    RxProductFactory,
    UserFactory,
    approve,
    pharmacist_user,
    submit_prescription,
)
from tests.files import image_bytes, pdf_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def rx_product():
    """Packs of 30 capsules, at most 4 a day: an approval for 30 days' supply covers up to 4 packs."""
    product = RxProductFactory(title="Isotretinoin 20 mg capsules")
    DispensingPolicy.objects.create(product=product, units_per_pack=30, max_units_per_day=4)
    return product


def fill_upload_form(page, **overrides):
    form = page.forms["prescription_upload_form"]
    form["file"] = ("prescription.jpg", image_bytes("JPEG"), "image/jpeg")
    values = {
        "patient_name": "Sana Qureshi",
        "prescriber_name": "Dr. Farah Khan",
        "prescriber_registration": "12345-p",
        "issued_on": str(timezone.localdate()),
    }
    values.update(overrides)
    for name, value in values.items():
        form[name] = value
    return form


# --- Access: the IDOR matrix ----------------------------------------------------------


@pytest.fixture
def owners_prescription(customer, rx_product):
    return submit_prescription(customer, [rx_product])


@pytest.mark.parametrize("page", ["detail", "file"])
def test_the_owner_can_open_their_prescription(django_app, customer, owners_prescription, page):
    url = f"/accounts/prescriptions/{owners_prescription.public_id}/{'file/' if page == 'file' else ''}"

    assert django_app.get(url, user=customer).status_code == 200


@pytest.mark.parametrize("page", ["detail", "file"])
def test_another_customer_gets_404(django_app, owners_prescription, page):
    url = f"/accounts/prescriptions/{owners_prescription.public_id}/{'file/' if page == 'file' else ''}"

    django_app.get(url, user=UserFactory(), status=404)


@pytest.mark.parametrize("page", ["detail", "file"])
def test_anonymous_visitors_are_sent_to_log_in(django_app, owners_prescription, page):
    url = f"/accounts/prescriptions/{owners_prescription.public_id}/{'file/' if page == 'file' else ''}"

    response = django_app.get(url, status=302)

    assert response.location == f"/accounts/login/?next={quote(url)}"


def test_staff_without_the_pharmacist_permission_get_404_for_the_file(django_app, owners_prescription):
    staff = UserFactory(is_staff=True)

    django_app.get(f"/accounts/prescriptions/{owners_prescription.public_id}/file/", user=staff, status=404)


def test_a_pharmacist_can_open_the_file_and_the_view_is_logged(django_app, owners_prescription):
    pharmacist = pharmacist_user()

    django_app.get(f"/accounts/prescriptions/{owners_prescription.public_id}/file/", user=pharmacist)

    event = PrescriptionEvent.objects.get(action="file_viewed")
    assert (event.prescription, event.actor) == (owners_prescription, pharmacist)


def test_the_owner_opening_their_file_is_not_logged_as_a_staff_view(django_app, customer, owners_prescription):
    django_app.get(f"/accounts/prescriptions/{owners_prescription.public_id}/file/", user=customer)

    assert not PrescriptionEvent.objects.filter(action="file_viewed").exists()


def test_an_unknown_prescription_id_is_404(django_app, customer):
    django_app.get("/accounts/prescriptions/00000000-0000-4000-8000-000000000000/", user=customer, status=404)


def test_the_file_is_served_with_protective_headers(django_app, customer, owners_prescription):
    response = django_app.get(f"/accounts/prescriptions/{owners_prescription.public_id}/file/", user=customer)

    assert response.headers["Content-Type"] == "image/jpeg"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers["Content-Security-Policy"].startswith("sandbox")
    assert response.headers["Content-Disposition"] == (
        f'inline; filename="prescription-{owners_prescription.reference}.jpg"'
    )


def test_pdfs_are_downloaded_not_rendered_inline(django_app, customer, rx_product):
    prescription = submit_prescription(customer, [rx_product], file_bytes=None)
    Prescription.objects.filter(pk=prescription.pk).update(file_kind="pdf", content_type="application/pdf")

    response = django_app.get(f"/accounts/prescriptions/{prescription.public_id}/file/", user=customer)

    assert response.headers["Content-Disposition"].startswith("attachment;")


def test_files_have_no_public_url(django_app, owners_prescription):
    name = owners_prescription.file.name
    for url in (f"/media/{name}", f"/media/prescriptions/{name}", f"/prescriptions/{name}"):
        django_app.get(url, status=404)
    with pytest.raises(ValueError):
        owners_prescription.file.url  # noqa: B018  (the storage has no base URL)


# --- Uploading from the product page, the basket and the account ----------------------


def test_anonymous_upload_from_the_product_page_logs_in_and_comes_back(django_app, customer, rx_product):
    product_page = django_app.get(rx_product.get_absolute_url())
    login_page = product_page.click(href="/accounts/prescriptions/upload/").follow()
    assert "login_form" in login_page.forms

    form = login_page.forms["login_form"]
    form["login-username"] = customer.email
    form["login-password"] = "correct-horse-battery-staple"
    upload_page = form.submit("login_submit").follow()

    assert upload_page.request.path == "/accounts/prescriptions/upload/"
    checked = upload_page.html.select("input[name=products][checked]")
    assert [box["value"] for box in checked] == [str(rx_product.pk)]
    back = fill_upload_form(upload_page).submit().follow()
    assert back.request.path == rx_product.get_absolute_url()
    prescription = Prescription.objects.get()
    status = " ".join(back.html.select_one(".rx-product-status").text.split())
    assert f"Your prescription {prescription.reference} is waiting for our pharmacist's review." in status


def test_upload_from_the_basket_returns_to_the_basket(customer_app, rx_product):
    from tests.checkout_steps import add_to_basket

    add_to_basket(customer_app, rx_product)
    basket = customer_app.get("/basket/")

    upload_page = basket.click(href="/accounts/prescriptions/upload/")
    back = fill_upload_form(upload_page).submit().follow()

    assert back.request.path == "/basket/"
    assert "is waiting for our pharmacist's review" in back.html.select_one(".rx-status").text


def test_upload_from_my_prescriptions(customer_app, rx_product):
    page = customer_app.get("/accounts/prescriptions/").click("Upload a prescription", index=0)
    form = fill_upload_form(page)
    form.get("products", index=0).checked = True

    detail = form.submit().follow()

    prescription = Prescription.objects.get()
    assert detail.request.path == f"/accounts/prescriptions/{prescription.public_id}/"
    assert prescription.prescriber_registration == "12345-P"
    assert list(prescription.products.all()) == [rx_product]
    assert prescription.status == "pending"


def test_an_outside_next_url_is_ignored(customer_app, rx_product):
    page = customer_app.get(f"/accounts/prescriptions/upload/?product={rx_product.pk}&next=https://evil.example/")

    response = fill_upload_form(page).submit()

    assert response.location.startswith("/accounts/prescriptions/")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("prescriber_registration", "Dr Khan", "Enter the PMDC number as printed"),
        ("issued_on", "2099-01-01", "cannot be in the future"),
        ("issued_on", "2020-01-01", "more than a year old"),
        ("issued_on", "not a date", "Enter a valid date."),
        ("patient_name", "", "This field is required."),
    ],
)
def test_bad_details_are_refused_with_a_message_and_nothing_stored(customer_app, rx_product, field, value, message):
    page = customer_app.get(f"/accounts/prescriptions/upload/?product={rx_product.pk}")

    response = fill_upload_form(page, **{field: value}).submit()

    assert response.status_code == 200
    assert message in response.text
    assert Prescription.objects.count() == 0


def test_choosing_no_medicine_is_refused(customer_app):
    RxProductFactory()
    page = customer_app.get("/accounts/prescriptions/upload/")

    response = fill_upload_form(page).submit()

    assert "Choose the medicine this prescription is for." in response.text
    assert Prescription.objects.count() == 0


def test_only_prescription_medicines_can_be_chosen(customer_app, rx_product):
    lip_balm = ProductFactory(title="Lip balm")
    page = customer_app.get("/accounts/prescriptions/upload/")

    options = [box["value"] for box in page.html.select("input[name=products]")]

    assert options == [str(rx_product.pk)]
    assert str(lip_balm.pk) not in options


def test_uploads_are_rate_limited_per_customer(customer_app, rx_product):
    for _ in range(10):
        page = customer_app.get(f"/accounts/prescriptions/upload/?product={rx_product.pk}")
        assert fill_upload_form(page).submit().status_code == 302

    page = customer_app.get(f"/accounts/prescriptions/upload/?product={rx_product.pk}")
    response = fill_upload_form(page).submit()

    assert response.status_code == 200
    assert "please wait an hour before uploading another" in response.text
    assert Prescription.objects.count() == 10


def test_the_rate_limit_is_per_customer(django_app, rx_product):
    first, second = UserFactory(), UserFactory()
    for _ in range(10):
        page = django_app.get(f"/accounts/prescriptions/upload/?product={rx_product.pk}", user=first)
        fill_upload_form(page).submit(user=first)

    page = django_app.get(f"/accounts/prescriptions/upload/?product={rx_product.pk}", user=second)

    assert fill_upload_form(page).submit(user=second).status_code == 302


# --- Status ---------------------------------------------------------------------------


def test_my_prescriptions_shows_every_status(django_app, customer, rx_product):
    pharmacist = pharmacist_user()
    pending = submit_prescription(customer, [rx_product])
    approved = approve(submit_prescription(customer, [rx_product]), by=pharmacist, quantity=2)
    rejected = prescription_reject(
        prescription=submit_prescription(customer, [rx_product]), pharmacist=pharmacist, reason="Unsigned"
    )
    revoked = prescription_revoke(
        prescription=approve(submit_prescription(customer, [rx_product]), by=pharmacist),
        pharmacist=pharmacist,
        reason="Doctor withdrew it",
    )
    expired = approve(submit_prescription(customer, [rx_product]), by=pharmacist)
    Prescription.objects.filter(pk=expired.pk).update(valid_until=timezone.localdate() - datetime.timedelta(days=1))

    page = django_app.get("/accounts/prescriptions/", user=customer)

    rows = {
        row.select_one("a").text: row.select_one(".rx-state").text
        for row in page.html.select(".prescription-table tbody tr")
    }
    assert rows == {
        pending.reference: "Pending review",
        approved.reference: "Approved",
        rejected.reference: "Rejected",
        revoked.reference: "Revoked",
        expired.reference: "Expired",
    }


def test_an_approved_prescription_shows_what_it_covers_and_until_when(django_app, customer, rx_product):
    prescription = approve(
        submit_prescription(customer, [rx_product]),
        quantity=3,
        valid_until=timezone.localdate() + datetime.timedelta(days=20),
    )

    page = django_app.get(f"/accounts/prescriptions/{prescription.public_id}/", user=customer)

    text = " ".join(page.text.split())
    until = (timezone.localdate() + datetime.timedelta(days=20)).strftime("%-d %B %Y")
    assert f"You can order what it covers until {until}." in text
    row = [td.text for td in page.html.select("table tbody tr")[0].select("td")]
    assert row == ["Isotretinoin 20 mg capsules", "3", "3"]


def test_a_rejected_prescription_shows_the_pharmacists_reason(django_app, customer, rx_product):
    prescription = prescription_reject(
        prescription=submit_prescription(customer, [rx_product]),
        pharmacist=pharmacist_user(),
        reason="The doctor's signature is missing.",
    )

    page = django_app.get(f"/accounts/prescriptions/{prescription.public_id}/", user=customer)

    assert "The doctor's signature is missing." in page.html.select_one(".rx-reason").text
    assert page.html.select_one("a[href^='/accounts/prescriptions/upload/']") is not None


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("none", "Upload your prescription"),
        ("pending", "is waiting for our pharmacist's review"),
        ("approved", "is approved: 2 left"),
        ("rejected", "is rejected"),
    ],
)
def test_the_product_page_shows_the_customers_prescription_status(django_app, customer, rx_product, state, expected):
    if state != "none":
        prescription = submit_prescription(customer, [rx_product])
        if state == "approved":
            approve(prescription, quantity=2)
        elif state == "rejected":
            prescription_reject(prescription=prescription, pharmacist=pharmacist_user(), reason="Unreadable")

    page = django_app.get(rx_product.get_absolute_url(), user=customer)

    assert expected in " ".join(page.html.select_one(".rx-product-status").text.split())


def test_pdf_upload_round_trip(customer_app, rx_product):
    page = customer_app.get(f"/accounts/prescriptions/upload/?product={rx_product.pk}")
    form = fill_upload_form(page)
    form["file"] = ("scan.pdf", pdf_bytes(), "application/pdf")

    form.submit()

    prescription = Prescription.objects.get()
    response = customer_app.get(f"/accounts/prescriptions/{prescription.public_id}/file/")
    assert response.body == pdf_bytes()
    assert response.headers["Content-Type"] == "application/pdf"
