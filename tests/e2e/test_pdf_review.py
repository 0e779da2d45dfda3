"""In a real browser: a PDF prescription reaches the pharmacist as pictures of its pages, never as the PDF."""

from io import BytesIO

import pytest
from django.utils import timezone
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from prescriptions.models import Prescription
from tests.e2e.conftest import look
from tests.e2e.test_journeys import CUSTOMER, ISOTRETINOIN, PHARMACIST, log_in, product

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("demo_shop")]


def prescription_pdf(folder):
    """Two pages, as a phone's "scan to PDF" writes them: pictures of paper."""
    pages = []
    for number, lines in enumerate(
        [
            ["Dr. Farah Khan, MBBS, FCPS", "PMDC 12345-P", "Patient: Sana Qureshi", "Isotretinoin 20 mg, 1 daily"],
            ["Page 2", "Review in 4 weeks", "Pregnancy test before each supply"],
        ],
        start=1,
    ):
        page = Image.new("RGB", (1240, 1754), "white")
        draw = ImageDraw.Draw(page)
        for line, text in enumerate(lines):
            draw.text((120, 160 + 90 * line), text, fill="black", font_size=48)
        draw.text((1000, 1650), f"{number} / 2", fill="grey", font_size=32)
        pages.append(page)
    out = BytesIO()
    pages[0].save(out, format="PDF", resolution=150, save_all=True, append_images=pages[1:])
    path = folder / "prescription.pdf"
    path.write_bytes(out.getvalue())
    return path


def test_the_pharmacist_reads_every_page_of_a_pdf_as_pictures_and_is_warned_about_the_original(visitors, tmp_path):
    customer = visitors("customer")
    log_in(customer, CUSTOMER)
    page = customer.page
    page.goto(f"/accounts/prescriptions/upload/?product={product(ISOTRETINOIN).pk}")
    page.set_input_files("#id_file", str(prescription_pdf(tmp_path)))
    page.fill("#id_prescriber_name", "Dr. Farah Khan")
    page.fill("#id_prescriber_registration", "12345-P")
    page.fill("#id_issued_on", timezone.localdate().isoformat())
    page.click("#prescription_upload_form button[type=submit]")
    page.wait_for_load_state()
    prescription = Prescription.objects.get(user__email=CUSTOMER, file_kind="pdf")
    expect(page.locator("#messages")).to_contain_text(f"We received prescription {prescription.reference}")

    pharmacist = visitors("pharmacist")
    log_in(pharmacist, PHARMACIST)
    review = pharmacist.page
    review.goto(f"/dashboard/pharmacy/{prescription.public_id}/")
    pictures = review.locator(".rx-review__page")
    expect(pictures).to_have_count(2)
    for number in (1, 2):
        picture = pictures.nth(number - 1)
        picture.scroll_into_view_if_needed()
        expect(picture).to_have_attribute("alt", f"Page {number} of 2 of prescription {prescription.reference}")
        assert picture.evaluate("img => img.complete && img.naturalWidth") > 0
    expect(review.locator("#original-warning")).to_contain_text("A PDF can hold content that runs when it is opened")
    look(pharmacist, "review-pdf-pages")
