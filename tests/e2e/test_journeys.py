"""The customer's and the pharmacist's journeys, in a real browser."""

import re

import pytest
from django.utils import timezone
from oscar.core.loading import get_model
from PIL import Image, ImageDraw

from prescriptions.models import DispensingPolicy, Prescription
from tests.e2e.conftest import look
from tests.factories import (
    PASSWORD,
    DrugInformationFactory,
    PakistanFactory,
    ProductFactory,
    RxProductFactory,
    UserFactory,
    create_category,
    pharmacist_user,
)

Order = get_model("order", "Order")

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shop():
    """A small shop: a few categories, an isotretinoin with its rules, and ordinary skin care."""
    PakistanFactory()
    rx_category = create_category("Prescription medicines")
    sunscreens = create_category("Sunscreens")
    create_category("Cleansers")
    isotretinoin = RxProductFactory(
        title="Isotretinoin 20 mg capsules, 30",
        image=True,
        categories=[rx_category],
        drug_information=DrugInformationFactory(
            name="Isotretinoin (oral)",
            drug_class="oral-retinoid",
            pregnancy_risk="contraindicated",
            pregnancy_warning="Isotretinoin causes severe birth defects.\n\n- Do not take it if you are pregnant.",
            common_side_effects="- Dry, cracked lips\n- Nosebleeds",
            serious_side_effects="- Low mood or thoughts of self-harm: stop and get help at once.",
        ),
    )
    isotretinoin.drug_information.questions.create(question="Why a prescription?", answer="Because.", position=0)
    DispensingPolicy.objects.create(
        product=isotretinoin,
        validity_days=30,
        validity_days_if_can_become_pregnant=7,
        max_supply_days=30,
        refills_allowed=False,
        pregnancy_test_required=True,
        risk_acknowledgement_required=True,
    )
    sunscreen = ProductFactory(title="Mineral sunscreen SPF 50", image=True, categories=[sunscreens])
    ProductFactory(title="Gentle cleanser", image=True, categories=[create_category("Cleansers")])
    return {"isotretinoin": isotretinoin, "sunscreen": sunscreen}


@pytest.fixture
def prescription_photo(tmp_path):
    image = Image.new("RGB", (900, 1200), "white")
    draw = ImageDraw.Draw(image)
    lines = ["Dr. Farah Khan, MBBS, FCPS", "PMDC 12345-P", "Patient: Sana Qureshi", "Isotretinoin 20 mg, 1 daily"]
    for i, text in enumerate(lines):
        draw.text((60, 80 + 60 * i), text, fill="black")
    path = tmp_path / "prescription.jpg"
    image.save(path, format="JPEG")
    return path


def register(visitor, email):
    page = visitor.page
    page.goto("/accounts/login/")
    page.fill("#id_registration-first_name", "Mehwish")
    page.fill("#id_registration-last_name", "Anwar")
    page.fill("#id_registration-email", email)
    page.fill("#id_registration-password1", "a-long-pass-phrase-7")
    page.fill("#id_registration-password2", "a-long-pass-phrase-7")
    page.click("button[name=registration_submit]")
    page.wait_for_load_state()


def log_in(visitor, email, password=PASSWORD):
    page = visitor.page
    page.goto("/accounts/login/")
    page.fill("#id_login-username", email)
    page.fill("#id_login-password", password)
    page.click("button[name=login_submit]")
    page.wait_for_load_state()


def upload_prescription(visitor, photo):
    page = visitor.page
    page.set_input_files("#id_file", str(photo))
    page.fill("#id_patient_name", "Sana Qureshi")
    page.fill("#id_prescriber_name", "Dr. Farah Khan")
    page.fill("#id_prescriber_registration", "12345-P")
    page.fill("#id_issued_on", timezone.localdate().isoformat())
    page.click("#prescription_upload_form button[type=submit]")
    page.wait_for_load_state()


def pharmacist_opens_first_in_queue(pharmacist, reference):
    page = pharmacist.page
    page.goto("/dashboard/")
    assert page.url.endswith("/dashboard/pharmacy/")
    first = page.locator("#prescription-queue tbody tr").first
    assert first.locator("td").first.inner_text() == reference
    look(pharmacist, "pharmacist-queue")
    first.locator("a").first.click()
    page.wait_for_load_state()
    assert page.locator(".rx-review__image").evaluate("img => img.naturalWidth") > 0


def place_order(visitor, *, via_saved_address=False):
    """From the basket to the confirmation page, cash on delivery."""
    page = visitor.page
    page.goto("/basket/")
    page.click("text=Proceed to checkout")
    page.wait_for_load_state()
    assert "/checkout/shipping-address/" in page.url
    look(visitor, f"{visitor.name}-checkout-address")
    page.fill("#id_first_name", "Sana")
    page.fill("#id_last_name", "Qureshi")
    page.fill("#id_line1", "House 14, Street 7")
    page.fill("#id_line4", "Lahore")
    page.fill("#id_postcode", "54000")
    page.fill("#id_phone_number", "0300 1234567")
    page.click("#new_shipping_address button[type=submit]")
    page.wait_for_load_state()
    look(visitor, f"{visitor.name}-checkout-method")
    page.locator("form:has(input[value=standard]) button[type=submit]").click()
    page.wait_for_load_state()
    look(visitor, f"{visitor.name}-checkout-payment")
    page.click("#view_preview")
    page.wait_for_load_state()
    look(visitor, f"{visitor.name}-checkout-review")
    page.click("#place_order_form button[type=submit]")
    page.wait_for_load_state()
    assert "/checkout/thank-you/" in page.url
    look(visitor, f"{visitor.name}-checkout-confirmation")


def test_prescription_journey_from_registration_to_a_covered_order(visitors, shop, prescription_photo):
    customer = visitors("customer")
    page = customer.page

    # A new customer registers and browses to isotretinoin.
    register(customer, "new.customer@example.com")
    page.goto("/")
    look(customer, "home")
    page.click(".site-nav >> text=Prescription medicines")
    page.wait_for_load_state()
    look(customer, "listing-prescription-medicines")
    page.click("text=Isotretinoin 20 mg capsules, 30")
    page.wait_for_load_state()

    # They read the pregnancy warning, near the top, and the side effects.
    warning = page.locator(".pregnancy-warning")
    assert warning.is_visible()
    assert warning.bounding_box()["y"] < 700, "the pregnancy warning must be visible without scrolling"
    assert "severe birth defects" in warning.inner_text()
    assert "Dry, cracked lips" in page.locator("#common-side-effects").inner_text()
    assert "stop and get help" in page.locator("#serious-side-effects").inner_text()
    look(customer, "isotretinoin")
    page.check("#id_acknowledged")
    page.click("#acknowledge_form button[type=submit]")
    page.wait_for_load_state()
    assert "You confirmed you read this warning" in warning.inner_text()

    # The medicine goes in the basket, and checkout stops with a clear message.
    page.click("#add_to_basket_form button[type=submit]")
    page.wait_for_load_state()
    page.goto("/basket/")
    look(customer, "basket-uncovered")
    page.click("text=Proceed to checkout")
    page.wait_for_load_state()
    assert page.url.endswith("/basket/")
    alert = page.locator("#messages .alert-warning")
    assert "needs a prescription approved by our pharmacist" in alert.inner_text()

    # They upload a prescription from the message, and come back to the basket.
    alert.locator("text=Upload a prescription").click()
    page.wait_for_load_state()
    look(customer, "upload-form")
    upload_prescription(customer, prescription_photo)
    assert page.url.endswith("/basket/")
    prescription = Prescription.objects.get()
    assert f"We received prescription {prescription.reference}" in page.locator("#messages").inner_text()
    assert "waiting for our pharmacist's review" in page.locator(".rx-status").first.inner_text()

    # The pharmacist finds it at the top of the queue, opens it, checks it and approves it.
    pharmacist_user(email="pharmacist@example.com")
    pharmacist = visitors("pharmacist")
    log_in(pharmacist, "pharmacist@example.com")
    pharmacist_opens_first_in_queue(pharmacist, prescription.reference)
    look(pharmacist, "pharmacist-review")
    review = pharmacist.page
    for box in review.locator("#decision_form input[type=checkbox]").all():
        box.check()
    review.select_option("#id_patient_can_become_pregnant", "yes")
    review.fill("#id_pregnancy_test_on", timezone.localdate().isoformat())
    review.click("#decision_form button[value=approve]")
    review.wait_for_load_state()
    assert f"Approved {prescription.reference}." in review.locator("#messages, .alert-success").first.inner_text()
    prescription.refresh_from_db()
    assert prescription.status == "approved"

    # The customer checks out with cash on delivery and sees which prescription covered it.
    page.goto("/accounts/prescriptions/")
    look(customer, "my-prescriptions")
    place_order(customer)
    assert f"Authorised by prescription {prescription.reference}" in page.locator("#confirmation_lines").inner_text()
    order = Order.objects.get()
    page.goto(f"/accounts/orders/{order.number}/")
    assert f"Authorised by prescription {prescription.reference}" in page.locator("#order_lines").inner_text()
    look(customer, "order-detail")


def test_a_rejected_prescription_shows_the_reason_and_the_customer_uploads_again(visitors, shop, prescription_photo):
    UserFactory(email="sana@example.com", first_name="Sana", last_name="Qureshi")
    customer = visitors("rejected-customer")
    page = customer.page
    log_in(customer, "sana@example.com")
    page.goto(shop["isotretinoin"].get_absolute_url())
    page.click("#upload-prescription")
    page.wait_for_load_state()
    upload_prescription(customer, prescription_photo)
    first = Prescription.objects.get()

    pharmacist_user(email="pharmacist@example.com")
    pharmacist = visitors("rejecting-pharmacist")
    log_in(pharmacist, "pharmacist@example.com")
    pharmacist_opens_first_in_queue(pharmacist, first.reference)
    pharmacist.page.select_option("#id_reason_choice", "unsigned")
    pharmacist.page.fill("#id_reason_text", "Please ask your doctor to sign and stamp it.")
    pharmacist.page.click("#decision_form button[value=reject]")
    pharmacist.page.wait_for_load_state()

    page.goto("/accounts/prescriptions/")
    assert "Rejected" in page.locator(".prescription-table").inner_text()
    page.click(f"text={first.reference}")
    page.wait_for_load_state()
    reason = page.locator(".rx-reason").inner_text()
    assert "The prescription is not signed by the doctor." in reason
    assert "Please ask your doctor to sign and stamp it." in reason
    look(customer, "prescription-rejected")
    page.click("text=Upload a new prescription")
    page.wait_for_load_state()
    upload_prescription(customer, prescription_photo)
    assert Prescription.objects.filter(status="pending").count() == 1
    assert re.search(r"RX-\w{8}", page.locator("#messages").inner_text())


def test_a_non_prescription_order_from_browsing_to_confirmation(visitors, shop):
    UserFactory(email="sana@example.com", first_name="Sana", last_name="Qureshi")
    customer = visitors("skincare-customer")
    page = customer.page
    page.goto("/")
    page.click(".site-nav >> text=Sunscreens")
    page.wait_for_load_state()
    look(customer, "listing-sunscreens")
    page.click("text=Mineral sunscreen SPF 50")
    page.wait_for_load_state()
    look(customer, "product-sunscreen")
    page.fill("#id_quantity", "2")
    page.click("#add_to_basket_form button[type=submit]")
    page.wait_for_load_state()
    page.goto("/basket/")
    look(customer, "basket-skincare")
    page.click("text=Proceed to checkout")
    page.wait_for_load_state()
    assert "/accounts/login/" in page.url
    page.fill("#id_login-username", "sana@example.com")
    page.fill("#id_login-password", PASSWORD)
    page.click("button[name=login_submit]")
    page.wait_for_load_state()

    place_order(customer)

    order = Order.objects.get()
    assert order.lines.get().quantity == 2
    assert order.total_incl_tax == shop["sunscreen"].stockrecords.get().price * 2 + 250
    assert order.number in page.locator("h1").inner_text()


def test_search_works_in_the_browser(visitors, shop):
    visitor = visitors("searcher")
    page = visitor.page
    page.goto("/")
    page.fill("#site-search-q", "sunscr")
    page.press("#site-search-q", "Enter")
    page.wait_for_load_state()

    assert page.locator(".product-card__title").all_inner_texts() == ["Mineral sunscreen SPF 50"]
    look(visitor, "search-results")


def test_anonymous_prescription_upload_asks_to_log_in_and_returns(visitors, shop, prescription_photo):
    UserFactory(email="sana@example.com")
    visitor = visitors("anonymous-uploader")
    page = visitor.page
    page.goto(shop["isotretinoin"].get_absolute_url())
    page.click("#upload-prescription")
    page.wait_for_load_state()
    assert "/accounts/login/" in page.url
    look(visitor, "login")
    page.fill("#id_login-username", "sana@example.com")
    page.fill("#id_login-password", PASSWORD)
    page.click("button[name=login_submit]")
    page.wait_for_load_state()

    assert "/accounts/prescriptions/upload/" in page.url
    upload_prescription(visitor, prescription_photo)
    assert page.url.endswith(shop["isotretinoin"].get_absolute_url())
    assert "waiting for our pharmacist's review" in page.locator(".rx-product-status").inner_text()
