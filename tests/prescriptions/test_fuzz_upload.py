"""Random and hostile input to the real upload page: never an error page, and a refusal keeps nothing."""

import datetime
import html
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PIL import Image

from prescriptions.models import Prescription
from prescriptions.previews import preview_names
from tests.factories import ProductFactory, RxProductFactory
from tests.files import BOUNDARY, image_bytes, multipart, pdf_bytes, pdf_with_objects, png_claiming_size

pytestmark = pytest.mark.django_db

URL = "/accounts/prescriptions/upload/"
FUZZ = hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)

GOOD_FILES = {
    "prescription.jpg": image_bytes("JPEG"),
    "prescription.png": image_bytes("PNG"),
    "prescription.webp": image_bytes("WEBP"),
    "prescription.pdf": pdf_bytes(),
}
HOSTILE_FILES = [  # named as the file they pretend to be, so the deeper checks are reached
    ("script.pdf", pdf_bytes(javascript=True)),
    ("launch.pdf", pdf_bytes(launch=True)),
    ("attachment.pdf", pdf_bytes(attachment=True)),
    ("locked.pdf", pdf_bytes(password="secret")),
    ("bomb.png", png_claiming_size(30_000, 30_000)),
    ("polyglot.png", image_bytes("PNG") + b"<script>alert(1)</script>"),
    ("animated.png", b"GIF89a" + bytes(32)),
    ("shell.jpg", b"<?php system($_GET['c']); ?>"),
    ("hollow.pdf", b"%PDF-1.7\n" + bytes(64)),
    ("hollow.jpg", b"\xff\xd8\xff\xe0" + bytes(64)),
    ("header-only.png", b"\x89PNG\r\n\x1a\n"),
    ("header-only.webp", b"RIFF\x00\x00\x00\x00WEBPVP8 "),
]
ODD_NAMES = [
    "../../../../etc/cron.d/evil.jpg",
    "..\\..\\windows\\win.ini.png",
    "/var/lib/private/prescriptions/overwrite.pdf",
    "scan.jpg\x00.php",
    "scan.php.jpg",
    "scan.jpg.exe",
    "SCAN.JPEG",
    ".jpg",
    "",
    "no-extension",
    "نسخہ.pdf",
    "rx" + "x" * 400 + ".png",
    "CON.jpg",
    "scan.pdf ",
    "%2e%2e%2fescape.jpg",
    "&#46;&#46;/entity.jpg",
]
ODD_NEXT = [
    "/basket/",
    "//evil.example/",
    "https://evil.example/",
    "/\\evil.example",
    "\\\\evil.example",
    "javascript:alert(1)",
    " //evil.example",
    "\t//evil.example",
    "/basket/\r\nSet-Cookie: stolen=1",
    "https://testserver/basket/",
]
CONTENT_TYPES = ["image/jpeg", "image/png", "image/webp", "application/pdf", "text/html", "image/svg+xml", ""]


def stored_files() -> set[Path]:
    root = Path(settings.PRESCRIPTION_ROOT)
    return {Path(folder, name) for folder, _dirs, names in os.walk(root) for name in names}


# --- Strategies ----------------------------------------------------------------------------


@st.composite
def damaged(draw, content: bytes) -> bytes:
    """A real file with bits flipped, bytes cut off, or junk spliced in."""
    how = draw(st.sampled_from(["flip", "truncate", "splice"]))
    data = bytearray(content)
    if how == "flip":
        for position in draw(st.lists(st.integers(0, len(data) * 8 - 1), min_size=1, max_size=16)):
            data[position // 8] ^= 1 << (position % 8)
    elif how == "truncate":
        data = data[: draw(st.integers(0, len(data) - 1))]
    else:
        at = draw(st.integers(0, len(data)))
        data[at:at] = draw(st.binary(min_size=1, max_size=64))
    return bytes(data)


good_file = st.sampled_from(sorted(GOOD_FILES.items()))


@st.composite
def any_file(draw):
    """(file name, content type, bytes): sometimes good, mostly not."""
    kind = draw(st.sampled_from(["good", "damaged", "hostile", "random", "misnamed"]))
    name, content = draw(good_file)
    if kind == "damaged":
        content = draw(damaged(content))
    elif kind == "hostile":
        name, content = draw(st.sampled_from(HOSTILE_FILES))
    elif kind == "random":
        content = draw(st.binary(max_size=4096))
    if kind in ("random", "misnamed"):
        name = draw(st.one_of(st.sampled_from(ODD_NAMES + sorted(GOOD_FILES)), st.text(max_size=80)))
    content_type = draw(st.one_of(st.sampled_from(CONTENT_TYPES), st.text(max_size=40)))
    return name, content_type, content


def recent_date():
    today = timezone.localdate()
    return st.dates(min_value=today - datetime.timedelta(days=365), max_value=today).map(str)


odd_text = st.one_of(
    st.text(max_size=200),
    st.text(min_size=121, max_size=5000),
    st.sampled_from(["", " ", "\x00", "Dr.\x00Khan", "<script>alert(1)</script>", "' OR 1=1 --", "\u202eevil"]),
)
odd_date = st.one_of(
    st.dates().map(str),
    st.sampled_from(["2026-02-30", "0000-00-00", "99999-01-01", "31/12/2025", "yesterday", "", "2025-13-01"]),
    st.text(max_size=30),
)
odd_registration = st.one_of(
    st.from_regex(r"[0-9]{2,7}-?[A-Za-z]{1,2}", fullmatch=True),
    st.sampled_from(["", "12345-P\x00", "١٢٣٤٥-P", "12 345 p", "1", "12345678-PP", "P-12345", "12345-PPP"]),
    st.text(max_size=40),
)


def product_values(rx_product, plain_product):
    # Ids too big for the database have their own test at the end.
    return st.lists(
        st.one_of(
            st.sampled_from([str(rx_product.pk), str(plain_product.pk), "0", "-1", "999999", "1.5", ""]),
            st.text(max_size=20),
        ),
        max_size=4,
    )


# --- The properties ------------------------------------------------------------------------


@pytest.fixture
def browser(customer):
    client = Client()
    client.force_login(customer)
    return client


@pytest.fixture
def rx_product():
    return RxProductFactory(title="Isotretinoin 20 mg capsules")


def post(browser, parts):
    # Ten uploads an hour per customer: each example starts a fresh hour.
    cache.clear()
    return browser.post(URL, data=multipart(parts), content_type=f"multipart/form-data; boundary={BOUNDARY}")


def check_the_outcome(response, *, rows_before, files_before, customer, next_url=None):
    """The property every upload must keep: stored whole and clean, or refused with nothing kept."""
    assert response.status_code in (200, 302), response.status_code
    new_rows = list(Prescription.objects.exclude(pk__in=rows_before))
    new_files = stored_files() - files_before
    if response.status_code == 200:
        assert new_rows == []
        assert new_files == set()
        return None
    (prescription,) = new_rows
    stored = Path(prescription.file.path)
    if prescription.file_kind == Prescription.FileKind.PDF:
        # Beside a PDF, the pictures of its pages, or the note that none could be drawn.
        beside = {stored.with_name(Path(name).name) for name in preview_names(prescription.file.name)}
        assert stored in new_files and new_files - {stored} <= beside
        assert new_files & {stored.with_suffix(".pages.json"), stored.with_suffix(".preview-failed")}
    else:
        assert new_files == {stored}
    # The name is the server's own: nothing of the customer's file name reaches the disk.
    assert re.fullmatch(r"[0-9a-f]{32}\.(jpg|png|webp|pdf)", Path(prescription.file.name).name)
    assert Path(prescription.file.path).resolve().is_relative_to(Path(settings.PRESCRIPTION_ROOT).resolve())
    assert prescription.user == customer
    location = response["Location"]
    if location != f"/accounts/prescriptions/{prescription.public_id}/":
        # Only where ``next`` asked to go, and never off the site.
        assert next_url is not None, location
        assert stays_on_site(location), location
    return prescription


def stored_file_is_what_the_record_says(prescription) -> bool:
    path = Path(prescription.file.path)
    assert path.stat().st_size == prescription.file_size
    if prescription.file_kind == Prescription.FileKind.PDF:
        return path.read_bytes().startswith(b"%PDF-") and prescription.content_type == "application/pdf"
    with Image.open(path) as image:
        image.load()
        # Re-encoded: a picture of the declared type, with no metadata left in it.
        return Image.MIME[image.format] == prescription.content_type and not image.getexif()


def stays_on_site(location: str) -> bool:
    # Browsers drop tabs and newlines from a URL and read a backslash as a slash.
    cleaned = re.sub(r"[\t\r\n]", "", location).replace("\\", "/").lstrip("".join(map(chr, range(33))))
    parts = urlsplit(cleaned)
    return parts.netloc in ("", "testserver") and parts.scheme in ("", "http", "https")


def test_any_file_is_stored_clean_under_a_new_name_or_refused_with_nothing_kept(browser, customer, rx_product):
    @FUZZ
    @given(upload=any_file())
    def upload_with_good_details(upload):
        rows_before, files_before = set(Prescription.objects.values_list("pk", flat=True)), stored_files()
        name, content_type, content = upload

        response = post(
            browser,
            [
                ("file", name, content_type, content),
                ("products", str(rx_product.pk)),
                ("patient_name", "Sana Qureshi"),
                ("prescriber_name", "Dr. Farah Khan"),
                ("prescriber_registration", "12345-P"),
                ("issued_on", str(timezone.localdate())),
            ],
        )

        prescription = check_the_outcome(
            response, rows_before=rows_before, files_before=files_before, customer=customer
        )
        if prescription is not None:
            assert stored_file_is_what_the_record_says(prescription)

    upload_with_good_details()


def test_malformed_fields_never_break_the_page_and_a_refusal_keeps_nothing(browser, customer, rx_product):
    plain_product = ProductFactory(title="Gentle cleanser")

    @FUZZ
    @given(
        file=st.one_of(st.none(), any_file()),
        products=st.one_of(st.none(), product_values(rx_product, plain_product)),
        patient_name=st.one_of(st.none(), st.just("Sana Qureshi"), odd_text),
        prescriber_name=st.one_of(st.none(), st.just("Dr. Farah Khan"), odd_text),
        registration=st.one_of(st.none(), odd_registration),
        issued_on=st.one_of(st.none(), recent_date(), odd_date),
        note=st.one_of(st.none(), odd_text, st.text(min_size=1001, max_size=1500)),
        next_url=st.one_of(st.none(), st.sampled_from(ODD_NEXT), st.text(max_size=40)),
        extra=st.lists(st.tuples(st.text(min_size=1, max_size=20), st.text(max_size=50)), max_size=3),
        file_as_text=st.booleans(),
    )
    def upload_with_anything(
        file, products, patient_name, prescriber_name, registration, issued_on, note, next_url, extra, file_as_text
    ):
        rows_before, files_before = set(Prescription.objects.values_list("pk", flat=True)), stored_files()
        parts = [
            (name, value)
            for name, value in [
                ("patient_name", patient_name),
                ("prescriber_name", prescriber_name),
                ("prescriber_registration", registration),
                ("issued_on", issued_on),
                ("note", note),
                ("next", next_url),
            ]
            if value is not None
        ]
        parts += [("products", value) for value in products or []]
        if file is not None:
            # A file field sent as plain text, as a script might, is not a file at all.
            parts.append(("file", file[2]) if file_as_text else ("file", *file))
        parts += [(name, value) for name, value in extra if name != "next"]

        response = post(browser, parts)

        prescription = check_the_outcome(
            response, rows_before=rows_before, files_before=files_before, customer=customer, next_url=next_url
        )
        if prescription is not None:
            assert list(prescription.products.all()) == [rx_product]
            assert "\x00" not in prescription.patient_name + prescription.prescriber_name + prescription.note

    upload_with_anything()


def test_the_upload_page_opens_whatever_product_and_next_the_address_asks_for(browser, rx_product):
    plain_product = ProductFactory(title="Gentle cleanser")

    @FUZZ
    @given(
        product=st.one_of(
            # Superscript digits have their own test at the end.
            st.sampled_from([str(rx_product.pk), str(plain_product.pk), "0", "-1", "9" * 30, "\uff11", "٣"]),
            st.text(max_size=30),
        ),
        next_url=st.one_of(st.none(), st.sampled_from(ODD_NEXT), st.text(max_size=40)),
    )
    def open_the_page(product, next_url):
        rows_before = Prescription.objects.count()
        query = {"product": product} if next_url is None else {"product": product, "next": next_url}

        response = browser.get(URL, query)

        assert response.status_code == 200
        page = response.content.decode()
        ticked = re.findall(r'<input[^>]*name="products" value="(\d+)"[^>]*checked', page)
        assert set(ticked) <= {str(rx_product.pk)}
        kept_next = re.search(r'<input type="hidden" name="next" value="([^"]*)">', page).group(1)
        assert stays_on_site(html.unescape(kept_next)), kept_next
        assert Prescription.objects.count() == rows_before

    open_the_page()


# --- Inputs the fuzzing found, kept as plain examples ------------------------------------------


def test_a_product_id_too_big_for_the_database_is_refused_with_a_form_error(browser, customer, rx_product):
    rows_before, files_before = set(Prescription.objects.values_list("pk", flat=True)), stored_files()

    response = post(
        browser,
        [
            ("file", "prescription.jpg", "image/jpeg", GOOD_FILES["prescription.jpg"]),
            ("products", "9" * 30),
            ("patient_name", "Sana Qureshi"),
            ("prescriber_name", "Dr. Farah Khan"),
            ("prescriber_registration", "12345-P"),
            ("issued_on", str(timezone.localdate())),
        ],
    )

    assert response.status_code == 200
    check_the_outcome(response, rows_before=rows_before, files_before=files_before, customer=customer)


def test_a_pdf_whose_stream_length_points_at_itself_is_refused_with_a_form_error(browser, customer, rx_product):
    rows_before, files_before = set(Prescription.objects.values_list("pk", flat=True)), stored_files()
    looped = pdf_with_objects(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length 4 0 R >>\nstream\nBT ET\nendstream",
    )

    response = post(
        browser,
        [
            ("file", "prescription.pdf", "application/pdf", looped),
            ("products", str(rx_product.pk)),
            ("patient_name", "Sana Qureshi"),
            ("prescriber_name", "Dr. Farah Khan"),
            ("prescriber_registration", "12345-P"),
            ("issued_on", str(timezone.localdate())),
        ],
    )

    assert response.status_code == 200
    assert 'id="id_file_errors"' in response.content.decode()
    check_the_outcome(response, rows_before=rows_before, files_before=files_before, customer=customer)


def test_a_product_in_the_address_written_with_superscript_digits_still_opens_the_page(browser):
    # "²".isdigit() is true, but int("²") fails.
    response = browser.get(URL, {"product": "²"})

    assert response.status_code == 200
