"""The customer's and the pharmacist's journeys, in a real browser, through the demo shop."""

import datetime
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from oscar.core.loading import get_model
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from demo.loader import DEMO_PASSWORD
from prescriptions.models import Prescription
from prescriptions.services.decisions import prescription_reject
from tests.e2e.conftest import look, screenshot
from tests.factories import UserFactory, submit_prescription

Order = get_model("order", "Order")
Product = get_model("catalogue", "Product")

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("demo_shop")]

ISOTRETINOIN = "Isotretinoin 20 mg capsules, 30"
SUNSCREEN = "Mineral sunscreen SPF 50, 50 ml"
CUSTOMER = "customer@example.com"  # the demo's customer, with a saved address in Islamabad
PHARMACIST = "pharmacist@example.com"
ADMIN = "admin@example.com"


def product(title):
    return Product.objects.get(title=title)


def user(email):
    return get_user_model().objects.get(email=email)


def rupees(amount) -> str:
    return f"Rs\xa0{Decimal(amount):,.0f}"


def prescription_photo(folder, patient):
    image = Image.new("RGB", (900, 1200), "white")
    draw = ImageDraw.Draw(image)
    lines = ["Dr. Farah Khan, MBBS, FCPS", "PMDC 12345-P", f"Patient: {patient}", "Isotretinoin 20 mg, 1 daily"]
    for i, text in enumerate(lines):
        draw.text((60, 80 + 60 * i), text, fill="black")
    path = folder / "prescription.jpg"
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
    expect(page.locator("#logout_link")).to_be_visible()
    expect(page.locator("#main")).to_contain_text("Mehwish Anwar")
    expect(page.locator("#main")).to_contain_text(email)


def log_in(visitor, email, password=DEMO_PASSWORD):
    page = visitor.page
    page.goto("/accounts/login/")
    page.fill("#id_login-username", email)
    page.fill("#id_login-password", password)
    page.click("button[name=login_submit]")
    page.wait_for_load_state()
    expect(page.locator("#logout_link, #logout_form")).to_have_count(1)


def upload_prescription(visitor, folder, patient):
    """The customer's own prescription: the form already holds their name as the patient's."""
    page = visitor.page
    page.set_input_files("#id_file", str(prescription_photo(folder, patient)))
    expect(page.locator("#id_patient_name")).to_have_value(patient)
    page.fill("#id_prescriber_name", "Dr. Farah Khan")
    page.fill("#id_prescriber_registration", "12345-P")
    page.fill("#id_issued_on", timezone.localdate().isoformat())
    expect(page.locator("#id_issued_on_in_words")).to_have_text(f"{timezone.localdate():%-d %B %Y}")
    page.click("#prescription_upload_form button[type=submit]")
    page.wait_for_load_state()


def queue_references(page) -> list[str]:
    return page.locator("#prescription-queue tbody tr td:first-child").all_inner_texts()


def pharmacist_opens_first_in_queue(pharmacist, reference):
    page = pharmacist.page
    page.goto("/dashboard/")
    assert page.url.endswith("/dashboard/pharmacy/")
    brand = page.locator(".navbar-accounts .navbar-brand")
    expect(brand).to_have_text("Jild Pharmacy")
    assert brand.evaluate(
        """el => {
            const text = document.createRange();
            text.selectNodeContents(el);
            const box = text.getBoundingClientRect();
            return getComputedStyle(el).backgroundImage === "none" && box.left >= 0 && box.width > 60;
        }"""
    ), "the shop's name is drawn on screen, not hidden behind Oscar's logo"
    first = page.locator("#prescription-queue tbody tr").first
    assert first.locator("td").first.inner_text() == reference
    look(pharmacist, "queue")
    first.locator("a").first.click()
    page.wait_for_load_state()
    expect(page.locator("h1")).to_contain_text(reference)
    assert page.locator(".rx-review__image").evaluate("img => img.complete && img.naturalWidth") > 0

    # The full file opens in a tab of its own.
    with pharmacist.context.expect_page() as tab_opened:
        page.click(".rx-review__file a[target=_blank]")
    tab = tab_opened.value
    pharmacist.listen(tab)
    tab.wait_for_load_state()
    assert re.search(r"/accounts/prescriptions/[0-9a-f-]+/file/$", tab.url)
    assert tab.evaluate("() => document.contentType") == "image/jpeg"
    assert tab.locator("img").evaluate("img => img.complete && img.naturalWidth") == 900
    tab.close()


def place_order(visitor, *, saved_address=False):
    """From the basket to the confirmation page, cash on delivery."""
    page = visitor.page
    page.goto("/basket/")
    page.click("text=Proceed to checkout")
    page.wait_for_load_state()
    assert page.url.endswith("/checkout/shipping-address/")
    expect(page.locator("h1")).to_have_text("Delivery address")
    look(visitor, "checkout-1-address")
    if saved_address:
        saved = page.locator(".address-choices li").first
        expect(saved).to_contain_text("Islamabad")
        expect(saved).to_contain_text("0300 1234567")
        saved.locator("button", has_text="Deliver to this address").click()
    else:
        page.fill("#id_first_name", "Mehwish")
        page.fill("#id_last_name", "Anwar")
        page.fill("#id_line1", "House 14, Street 7")
        page.fill("#id_line4", "Lahore")
        page.fill("#id_postcode", "54000")
        page.fill("#id_phone_number", "0300 1234567")
        page.click("#new_shipping_address button[type=submit]")
    page.wait_for_load_state()

    assert page.url.endswith("/checkout/shipping-method/")
    expect(page.locator("h1")).to_have_text("Delivery method")
    look(visitor, "checkout-2-method")
    page.locator("form:has(input[value=standard]) button[type=submit]").click()
    page.wait_for_load_state()

    assert page.url.endswith("/checkout/payment-details/")
    expect(page.locator("h1")).to_have_text("Payment")
    expect(page.locator("#cod-title")).to_have_text("Cash on delivery")
    look(visitor, "checkout-3-payment")
    page.click("#view_preview")
    page.wait_for_load_state()

    assert page.url.endswith("/checkout/preview/")
    expect(page.locator("h1")).to_have_text("Review your order")
    expect(page.locator("#summary-payment").locator("..")).to_contain_text("Cash on delivery")
    expect(page.locator("main address")).to_contain_text("0300 1234567")
    look(visitor, "checkout-4-review")
    page.click("#place_order_form button[type=submit]")
    page.wait_for_load_state()

    assert page.url.endswith("/checkout/thank-you/")
    expect(page.locator("h1")).to_contain_text("is confirmed")
    expect(page.locator("#payment-title").locator("..")).to_contain_text("Cash on delivery")
    look(visitor, "checkout-5-confirmation")


def other_customers_prescriptions():
    """What else is in the queue when the journey's upload arrives: a decided one, uploaded earlier."""
    other = UserFactory(email="bilal.khan@example.com", first_name="Bilal", last_name="Khan")
    decided = submit_prescription(other, [product(ISOTRETINOIN)], patient_name="Bilal Khan")
    Prescription.objects.filter(pk=decided.pk).update(submitted_at=timezone.now() - datetime.timedelta(days=2))
    prescription_reject(prescription=decided, pharmacist=user(PHARMACIST), reason="The prescription is not signed.")
    return other, decided


def test_prescription_journey_from_registration_to_a_covered_order(visitors, tmp_path):
    other, decided = other_customers_prescriptions()
    customer = visitors("customer")
    page = customer.page

    # A new customer registers and browses to isotretinoin.
    register(customer, "new.customer@example.com")
    page.goto("/")
    look(customer, "home")
    page.click(".site-nav >> text=Prescription medicines")
    page.wait_for_load_state()
    expect(page.locator("h1")).to_have_text("Prescription medicines")
    look(customer, "listing-prescription-medicines")
    page.click(f"text={ISOTRETINOIN}")
    page.wait_for_load_state()

    # They read the pregnancy warning, near the top, and the side effects.
    warning = page.locator(".pregnancy-warning")
    expect(warning).to_be_visible()
    assert warning.bounding_box()["y"] < 700, "the pregnancy warning must be visible without scrolling"
    expect(warning).to_contain_text("Isotretinoin causes severe birth defects")
    expect(page.locator("#common-side-effects")).to_be_visible()
    expect(page.locator("#common-side-effects")).to_contain_text("Dry, cracked lips")
    expect(page.locator("#serious-side-effects")).to_be_visible()
    expect(page.locator("#serious-side-effects")).to_contain_text("get medical help straight away")
    look(customer, "isotretinoin")
    page.check("#id_acknowledged")
    page.click("#acknowledge_form button[type=submit]")
    page.wait_for_load_state()
    expect(warning).to_contain_text("You confirmed you read this warning")

    # The medicine goes in the basket, and checkout stops with a clear message.
    page.click("#add_to_basket_form button[type=submit]")
    page.wait_for_load_state()
    page.goto("/basket/")
    look(customer, "basket-uncovered")
    page.click("text=Proceed to checkout")
    page.wait_for_load_state()
    assert page.url.endswith("/basket/")
    alert = page.locator("#messages .alert-warning")
    expect(alert).to_contain_text("needs a prescription approved by our pharmacist")
    look(customer, "basket-checkout-blocked", phone_path="/checkout/")

    # They upload a prescription from the message, and come back to the basket.
    alert.locator("text=Upload a prescription").click()
    page.wait_for_load_state()
    expect(page.locator("#upload-privacy a")).to_have_attribute("href", "/privacy/#prescriptions")
    look(customer, "upload-form")
    upload_prescription(customer, tmp_path, "Mehwish Anwar")
    assert page.url.endswith("/basket/")
    prescription = Prescription.objects.get(user__email="new.customer@example.com")
    expect(page.locator("#messages")).to_contain_text(f"We received prescription {prescription.reference}")
    expect(page.locator(".rx-status").first).to_contain_text("waiting for our pharmacist's review")

    # Another customer uploads after them: the journey's upload still comes first.
    newer = submit_prescription(other, [product(ISOTRETINOIN)], patient_name="Bilal Khan")
    assert newer.submitted_at > prescription.submitted_at > decided.submitted_at

    # The pharmacist finds it at the top of the queue, opens it, checks it and approves it.
    pharmacist = visitors("pharmacist")
    log_in(pharmacist, PHARMACIST)
    pharmacist_opens_first_in_queue(pharmacist, prescription.reference)
    review = pharmacist.page
    assert queue_references_of(pharmacist, "pending") == [prescription.reference, newer.reference]
    assert queue_references_of(pharmacist, "all") == [prescription.reference, newer.reference, decided.reference]
    review.goto(f"/dashboard/pharmacy/{prescription.public_id}/")
    look(pharmacist, "review")
    boxes = review.locator("#decision_form input[type=checkbox]")
    expect(boxes).to_have_count(8)
    for box in boxes.all():
        box.check()
    review.select_option("#id_patient_can_become_pregnant", "yes")
    review.fill("#id_pregnancy_test_on", timezone.localdate().isoformat())
    expect(review.locator("#id_pregnancy_test_on_in_words")).to_have_text(f"{timezone.localdate():%-d %B %Y}")
    review.click("#decision_form button[value=approve]")
    review.wait_for_load_state()
    expect(review.locator("#messages, .alert-success").first).to_contain_text(f"Approved {prescription.reference}.")
    prescription.refresh_from_db()
    assert prescription.status == "approved"

    # The customer checks out with cash on delivery and sees which prescription covered it.
    page.goto("/accounts/prescriptions/")
    expect(page.locator(".prescription-table")).to_contain_text("Approved")
    look(customer, "my-prescriptions")
    place_order(customer)
    expect(page.locator("#confirmation_lines")).to_contain_text(f"Authorised by prescription {prescription.reference}")
    order = Order.objects.get()
    assert order.total_incl_tax == product(ISOTRETINOIN).stockrecords.get().price + Decimal(
        settings.SHOP_SHIPPING["standard_charge"]
    )
    page.goto(f"/accounts/orders/{order.number}/")
    expect(page.locator("#order_lines")).to_contain_text(f"Authorised by prescription {prescription.reference}")
    look(customer, "order-detail")


def queue_references_of(pharmacist, status):
    page = pharmacist.page
    page.goto(f"/dashboard/pharmacy/?status={status}")
    return queue_references(page)


def test_a_rejected_prescription_shows_the_reason_and_the_customer_uploads_again(visitors, tmp_path):
    customer = visitors("rejected-customer")
    page = customer.page
    log_in(customer, CUSTOMER)
    page.goto(product(ISOTRETINOIN).get_absolute_url())
    page.click("#upload-prescription")
    page.wait_for_load_state()
    upload_prescription(customer, tmp_path, "Sana Qureshi")
    first = Prescription.objects.get()

    pharmacist = visitors("rejecting-pharmacist")
    log_in(pharmacist, PHARMACIST)
    pharmacist_opens_first_in_queue(pharmacist, first.reference)
    look(pharmacist, "review-before-rejecting")
    pharmacist.page.select_option("#id_reason_choice", "unsigned")
    pharmacist.page.fill("#id_reason_text", "Please ask your doctor to sign and stamp it.")
    pharmacist.page.click("#decision_form button[value=reject]")
    pharmacist.page.wait_for_load_state()
    expect(pharmacist.page.locator("#messages")).to_contain_text(first.reference)
    pharmacist.page.goto(f"/dashboard/pharmacy/{first.public_id}/")
    expect(pharmacist.page.locator("#audit-trail")).to_contain_text("Pending review \u2192 Rejected")
    look(pharmacist, "review-rejected")

    page.goto("/accounts/prescriptions/")
    expect(page.locator(".prescription-table")).to_contain_text("Rejected")
    page.click(f"text={first.reference}")
    page.wait_for_load_state()
    reason = page.locator(".rx-reason")
    expect(reason).to_contain_text("The prescription is not signed by the doctor.")
    expect(reason).to_contain_text("Please ask your doctor to sign and stamp it.")
    look(customer, "prescription-rejected")
    page.click("text=Upload a new prescription")
    page.wait_for_load_state()
    look(customer, "upload-again")
    upload_prescription(customer, tmp_path, "Sana Qureshi")
    assert Prescription.objects.filter(status="pending").count() == 1
    expect(page.locator("#messages")).to_contain_text(re.compile(r"RX-\w{8}"))
    look(customer, "uploaded-again")


def test_a_non_prescription_order_from_browsing_to_confirmation(visitors):
    customer = visitors("skincare-customer")
    page = customer.page
    page.goto("/")
    page.click(".site-nav >> text=Sunscreens")
    page.wait_for_load_state()
    expect(page.locator("h1")).to_have_text("Sunscreens")
    look(customer, "listing-sunscreens")
    page.click(f"text={SUNSCREEN}")
    page.wait_for_load_state()
    look(customer, "product-sunscreen")
    page.fill("#id_quantity", "2")
    page.click("#add_to_basket_form button[type=submit]")
    page.wait_for_load_state()
    page.goto("/basket/")
    look(customer, "basket")
    page.click("text=Proceed to checkout")
    page.wait_for_load_state()
    assert "/accounts/login/" in page.url
    look(customer, "login")
    page.fill("#id_login-username", CUSTOMER)
    page.fill("#id_login-password", DEMO_PASSWORD)
    page.click("button[name=login_submit]")
    page.wait_for_load_state()

    place_order(customer, saved_address=True)

    order = Order.objects.get()
    price = product(SUNSCREEN).stockrecords.get().price
    assert order.lines.get().quantity == 2
    assert price * 2 >= Decimal(settings.SHOP_SHIPPING["free_standard_over"]), "two tubes earn free delivery"
    assert order.total_incl_tax == price * 2
    expect(page.locator("h1")).to_contain_text(order.number)
    expect(page.locator("#confirmation_lines tfoot")).to_contain_text(rupees(price * 2))


def test_search_works_in_the_browser(visitors):
    visitor = visitors("searcher")
    page = visitor.page
    page.goto("/")
    page.fill("#site-search-q", "sunscr")
    page.press("#site-search-q", "Enter")
    page.wait_for_load_state()

    titles = page.locator(".product-card__title").all_inner_texts()
    sunscreens = set(Product.objects.filter(title__icontains="sunscreen").values_list("title", flat=True))
    assert SUNSCREEN in sunscreens
    assert set(titles[: len(sunscreens)]) == sunscreens, "products named sunscreen come before mentions of it"
    expect(page.locator(".listing-toolbar__count")).to_have_text(f"{len(titles)} products found")
    expect(page.locator("h1")).to_have_text("Search results for \u201csunscr\u201d")
    look(visitor, "search-results")


def test_anonymous_prescription_upload_asks_to_log_in_and_returns(visitors, tmp_path):
    visitor = visitors("anonymous-uploader")
    page = visitor.page
    isotretinoin = product(ISOTRETINOIN)
    page.goto(isotretinoin.get_absolute_url())
    look(visitor, "isotretinoin-anonymous")
    page.click("#upload-prescription")
    page.wait_for_load_state()
    assert "/accounts/login/" in page.url
    look(visitor, "login")
    page.fill("#id_login-username", CUSTOMER)
    page.fill("#id_login-password", DEMO_PASSWORD)
    page.click("button[name=login_submit]")
    page.wait_for_load_state()

    assert "/accounts/prescriptions/upload/" in page.url
    upload_prescription(visitor, tmp_path, "Sana Qureshi")
    assert page.url.endswith(isotretinoin.get_absolute_url())
    expect(page.locator(".rx-product-status")).to_contain_text("waiting for our pharmacist's review")


def test_the_privacy_page_reads_well(visitors):
    visitor = visitors("reader")
    page = visitor.page
    page.goto("/")
    page.click("footer >> text=Privacy policy")
    page.wait_for_load_state()
    expect(page.locator("h1")).to_have_text("Privacy policy")
    expect(page.locator("#prescriptions")).to_be_visible()
    look(visitor, "privacy")


DASHBOARD_PAGES = [
    ("products", "/dashboard/catalogue/"),
    ("product-create", "/dashboard/catalogue/products/create/{medicine}/"),
    ("product-edit", "/dashboard/catalogue/products/{isotretinoin}/"),
    ("product-type-create", "/dashboard/catalogue/product-type/create/"),
    ("product-type-edit", "/dashboard/catalogue/product-type/{medicine_pk}/update/"),
    ("option-group-create", "/dashboard/catalogue/attribute-option-group/create/"),
    ("option-group-popup", "/dashboard/catalogue/attribute-option-group/create/?_popup=1"),
    ("option-create", "/dashboard/catalogue/option/create/"),
    ("option-popup", "/dashboard/catalogue/option/create/?_popup=1"),
    ("pharmacy-queue", "/dashboard/pharmacy/?status=all"),
    ("pharmacy-review", "/dashboard/pharmacy/{prescription}/"),
    ("pharmacy-rules", "/dashboard/pharmacy/rules/"),
    ("pharmacy-rule", "/dashboard/pharmacy/rules/{isotretinoin}/"),
    ("pharmacy-switches", "/dashboard/pharmacy/medicines/"),
    ("pharmacy-switch", "/dashboard/pharmacy/medicines/{isotretinoin}/"),
    ("drug-information", "/dashboard/catalogue/drug-information/"),
    ("drug-information-edit", "/dashboard/catalogue/drug-information/{drug}/"),
]


def test_dashboard_pages_run_their_scripts_under_the_content_security_policy(visitors):
    isotretinoin = product(ISOTRETINOIN)
    prescription = submit_prescription(user(CUSTOMER), [isotretinoin])
    ids = {
        "medicine": isotretinoin.product_class.slug,
        "medicine_pk": isotretinoin.product_class.pk,
        "isotretinoin": isotretinoin.pk,
        "drug": isotretinoin.drug_information_id,
        "prescription": prescription.public_id,
    }
    admin = visitors("admin")
    log_in(admin, ADMIN)
    page = admin.page
    for name, path in DASHBOARD_PAGES:
        response = page.goto(path.format(**ids))
        page.wait_for_load_state("load")
        assert response.status == 200, name
        if "_popup" not in path:
            expect(page.locator(".navbar-accounts .navbar-brand")).to_have_text("Jild Pharmacy")
        assert admin.errors == [], f"{name}: {admin.errors}"
        screenshot(admin, name)


def test_on_a_phone_menus_fold_away_and_prescriptions_show_their_status(visitors):
    prescription = submit_prescription(user(CUSTOMER), [product(ISOTRETINOIN)])
    visitor = visitors("phone-customer")
    log_in(visitor, CUSTOMER)
    phone = visitor.phone

    visitor.phone_at("/")
    categories = phone.locator("#site-nav-list")
    expect(categories).to_be_hidden()
    phone.tap(".site-nav__toggle")
    expect(categories.locator("a", has_text="Prescription medicines")).to_be_visible()
    phone.tap("#site-nav-list >> text=Sunscreens")
    expect(phone.locator("h1")).to_have_text("Sunscreens")

    visitor.phone_at("/accounts/prescriptions/")
    menu = phone.locator("#sidebar-menu")
    expect(menu).to_be_hidden()
    assert phone.locator("h1").bounding_box()["y"] < 500, "the page's own content comes before the account menu"
    status = phone.locator(".prescription-table tbody tr").first.locator(".prescription-table__status")
    expect(status).to_have_text("Pending review")
    box = status.bounding_box()
    assert box["x"] + box["width"] <= 390, "the status is on screen, not in a sideways scroll"
    expect(phone.locator(".prescription-table .rx-ref")).to_have_text(prescription.reference)
    assert phone.locator(".prescription-table .rx-ref").bounding_box()["height"] < 40, "the reference is one line"
    phone.tap(".sidebar__toggle")
    expect(menu.locator("a", has_text="Order history")).to_be_visible()
