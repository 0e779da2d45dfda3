"""What every page tells a customer about the pharmacy itself, and the privacy page."""

import re

import pytest
from django.test import override_settings

from tests.checkout_steps import add_to_basket, checkout_to_preview
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

PHARMACY = {
    "legal_name": "Test Pharmacy (Pvt) Ltd",
    "licence_number": "DSL-TEST-4242",
    "licence_authority": "Drug Sale Licence, Punjab",
    "pharmacist_in_charge": "Bilal Ahmed, PharmD",
    "pharmacist_registration": "Punjab Pharmacy Council No. 777-A",
    "address": "12 Mall Road, Lahore 54000, Pakistan",
    "phone": "+92 42 35761234",
    "email": "care@test-pharmacy.example",
    "hours": "Every day, 10:00 to 22:00",
}


@override_settings(SHOP_PHARMACY=PHARMACY)
def test_every_page_names_the_licence_the_pharmacist_in_charge_and_how_to_reach_the_pharmacy(django_app):
    footer = django_app.get("/accounts/login/").html.select_one("footer.site-footer")
    text = " ".join(footer.get_text(" ").split())

    assert "DSL-TEST-4242" in footer.select_one("#footer-licence").text
    assert "Bilal Ahmed, PharmD" in footer.select_one("#footer-pharmacist").text
    assert "Punjab Pharmacy Council No. 777-A" in text
    assert "12 Mall Road, Lahore 54000" in text
    assert footer.select_one('a[href="tel:+924235761234"]').text == "(042) 35761234"
    assert footer.select_one('a[href="mailto:care@test-pharmacy.example"]')
    assert footer.select_one('a[href="/privacy/"]').text == "Privacy policy"


@override_settings(SHOP_SHIPPING={"standard_charge": "300", "express_charge": "750", "free_standard_over": "6000"})
def test_the_footer_states_the_delivery_fees_the_shop_charges(django_app):
    fees = django_app.get("/accounts/login/").html.select_one("#footer-delivery-fees").text

    # Prices keep their no-break space between "Rs" and the amount.
    assert re.sub(r"[ \n\t]+", " ", fees).strip() == (
        "Standard delivery Rs\xa0300, free on orders of Rs\xa06,000 or more. "
        "Express delivery Rs\xa0750. Pay in cash when your order arrives."
    )


def test_the_privacy_page_says_who_sees_a_prescription_where_it_is_kept_for_how_long_and_how_to_delete_it(
    django_app, settings
):
    page = django_app.get("/privacy/")
    who = " ".join(page.html.select_one("#prescriptions").get_text(" ").split())
    text = " ".join(page.html.select_one("main").get_text(" ").split())

    assert page.html.h1.text == "Privacy policy"
    assert "You, when you are logged in" in who and "Our registered pharmacists" in who
    assert "never a public link" in text and "private storage" in text
    assert "kept for five years after the last supply" in text
    assert "kept for one year after you uploaded it" in text
    assert f"Email {settings.SHOP_PHARMACY['email']} from the address on your account" in text


def test_registration_and_the_upload_form_say_who_sees_a_prescription(django_app, customer):
    registration = django_app.get("/accounts/login/").html.select_one("#register_form")
    upload = django_app.get("/accounts/prescriptions/upload/", user=customer).html.select_one("#upload-privacy")

    assert registration.select_one('#register-privacy a[href="/privacy/"]')
    assert upload.select_one('a[href="/privacy/#prescriptions"]').text.startswith("Who sees your prescription")


def test_the_upload_form_states_its_size_limit_in_whole_megabytes(django_app, customer):
    help_text = django_app.get("/accounts/prescriptions/upload/", user=customer).html.select_one("#id_file_helptext")

    assert "up to 10\xa0MB." in help_text.text


def test_checkout_and_the_confirmation_show_the_phone_number_as_written_in_pakistan(customer_app, pakistan):
    add_to_basket(customer_app, ProductFactory())

    preview = checkout_to_preview(customer_app, phone_number="+923001234567")
    confirmation = preview.forms["place_order_form"].submit().follow()

    for page in (preview, confirmation):
        address = page.html.select_one("main address").get_text(" ")
        assert "0300 1234567" in address
        assert "+92" not in address
