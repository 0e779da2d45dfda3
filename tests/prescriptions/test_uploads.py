"""Every bad file is refused with a clear form error, and nothing is stored."""

import os
import time
import tracemalloc
from io import BytesIO

import django.core.files.uploadhandler
import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

import prescriptions.uploadhandlers
from prescriptions import uploads
from prescriptions.models import Prescription
from prescriptions.uploads import inspect_upload
from tests.factories import RxProductFactory
from tests.files import (
    BOUNDARY,
    MB,
    METADATA_MARKERS,
    icc_profile,
    image_bytes,
    multipart,
    pdf_bomb,
    pdf_bytes,
    pdf_of_exact_size,
    pdf_with_object_stream,
    pdf_with_objects,
    pdf_with_picture,
    pdf_with_slow_stream,
    png_claiming_size,
    stream,
    upload,
)

pytestmark = pytest.mark.django_db


def stored_files():
    root = settings.PRESCRIPTION_ROOT
    return sorted(os.path.relpath(os.path.join(d, f), root) for d, _dirs, files in os.walk(root) for f in files)


@pytest.fixture
def upload_page(customer_app):
    product = RxProductFactory(title="Isotretinoin 20 mg capsules")

    def submit(name, content, content_type="application/octet-stream"):
        page = customer_app.get(f"/accounts/prescriptions/upload/?product={product.pk}")
        form = page.forms["prescription_upload_form"]
        form["file"] = (name, content, content_type)
        form["patient_name"] = "Sana Qureshi"
        form["prescriber_name"] = "Dr. Farah Khan"
        form["prescriber_registration"] = "12345-P"
        form["issued_on"] = "2026-11-20"
        return form.submit()

    return submit


def file_error(response) -> str:
    errors = response.html.select("#id_file_errors")
    return " ".join(e.text for e in errors)


@pytest.mark.parametrize(
    ("name", "content", "content_type", "message"),
    [
        pytest.param(
            "prescription.pdf",
            image_bytes("PNG"),
            "application/pdf",
            "The file name ends in “.pdf” but the file is a PNG image",
            id="png-named-pdf",
        ),
        pytest.param(
            "prescription.png",
            image_bytes("JPEG"),
            "image/png",
            "The file name ends in “.png” but the file is a JPEG image",
            id="jpeg-named-png",
        ),
        pytest.param(
            "prescription.png",
            b"<!doctype html><html><script>alert(document.cookie)</script></html>",
            "image/png",
            "is not a JPEG, PNG, WebP or PDF file, whatever its name says",
            id="html-sent-as-image-png",
        ),
        pytest.param(
            "prescription.png",
            image_bytes("PNG") + b"<html><script>fetch('/accounts/')</script></html>",
            "image/png",
            "contains hidden web code",
            id="png-html-polyglot",
        ),
        pytest.param(
            "prescription.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "image/svg+xml",
            "a file ending in “.svg” is not one of those",
            id="svg",
        ),
        pytest.param(
            "prescription.png",
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
            "image/png",
            "is not a JPEG, PNG, WebP or PDF file",
            id="svg-named-png",
        ),
        pytest.param(
            "prescription.html",
            b"<html></html>",
            "text/html",
            "a file ending in “.html” is not one of those",
            id="html",
        ),
        pytest.param("shell.php", b"<?php system($_GET['c']); ?>", "image/jpeg", "ending in “.php”", id="php"),
        pytest.param(
            "prescription.jpg.php",
            image_bytes("JPEG"),
            "image/jpeg",
            "a file ending in “.php” is not one of those",
            id="double-extension",
        ),
        pytest.param("prescription", image_bytes("JPEG"), "image/jpeg", "no extension", id="no-extension"),
        pytest.param(
            "bomb.png",
            png_claiming_size(20_000, 20_000),
            "image/png",
            "too many pixels",
            id="decompression-bomb",
        ),
        pytest.param(
            "cut.jpg", image_bytes("JPEG", size=(400, 400))[:300], "image/jpeg", "damaged or incomplete", id="truncated"
        ),
        pytest.param("empty.pdf", b"", "application/pdf", "The submitted file is empty.", id="empty"),
        pytest.param(
            "script.pdf",
            pdf_bytes(javascript=True),
            "application/pdf",
            "contains scripts, actions",
            id="pdf-javascript",
        ),
        pytest.param(
            "disguised.pdf",
            pdf_bytes(javascript=True).replace(b"/JavaScript", b"/J#61vaScript"),
            "application/pdf",
            "contains scripts, actions",
            id="pdf-javascript-hex-escaped",
        ),
        pytest.param(
            "open.pdf", pdf_bytes(open_action=True), "application/pdf", "contains scripts, actions", id="pdf-openaction"
        ),
        pytest.param(
            "launch.pdf", pdf_bytes(launch=True), "application/pdf", "contains scripts, actions", id="pdf-launch"
        ),
        pytest.param(
            "attached.pdf",
            pdf_bytes(attachment=True),
            "application/pdf",
            "contains scripts, actions or attached files",
            id="pdf-embedded-file",
        ),
        pytest.param(
            "locked.pdf", pdf_bytes(password="secret"), "application/pdf", "password-protected", id="pdf-encrypted"
        ),
        pytest.param("long.pdf", pdf_bytes(pages=21), "application/pdf", "has 21 pages", id="pdf-too-many-pages"),
        pytest.param(
            "broken.pdf", b"%PDF-1.7\n garbage", "application/pdf", "could not read this PDF", id="pdf-garbage"
        ),
    ],
)
def test_bad_files_are_refused_with_a_form_error_and_nothing_is_stored(
    upload_page, name, content, content_type, message
):
    response = upload_page(name, content, content_type)

    assert response.status_code == 200
    assert message in file_error(response)
    assert Prescription.objects.count() == 0
    assert stored_files() == []


def pdf_with_link(action: bytes, extra: bytes = b"") -> bytes:
    return pdf_with_objects(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Annots [<< /Type /Annot /Subtype /Link /Rect [72 700 200 720] /A %s >>] %s >>" % (action, extra),
        stream(b"BT ET"),
    )


ACTIVE_PDFS = {
    "link-that-submits-a-form": (
        pdf_with_link(b"<< /S /SubmitForm /F << /FS /URL /F (https://collect.example/) >> >>"),
        "action /SubmitForm under /A",
    ),
    "link-that-imports-data": (pdf_with_link(b"<< /S /ImportData /F (answers.fdf) >>"), "action /ImportData under /A"),
    "link-that-opens-an-embedded-file": (
        pdf_with_link(b"<< /S /GoToE /T << /R /C /N (lab-results.pdf) >> >>"),
        "action /GoToE under /A",
    ),
    "remote-go-to-a-windows-share": (
        pdf_with_link(rb"<< /S /GoToR /F (\\\\fileserver\\share\\rx.pdf) /D [0 /Fit] >>"),
        "action /GoToR under /A",
    ),
    "web-link-to-a-windows-share": (
        pdf_with_link(rb"<< /S /URI /URI (\\\\fileserver\\share\\rx.pdf) >>"),
        "/URI to neither a web nor a mail address under /A",
    ),
    "attachment-without-a-type": (
        pdf_with_link(
            b"<< /S /URI /URI (https://jild.example.pk/) >>",
            b"/PieceInfo << /Rx << /F (lab-results.exe) /EF << /F << /Length 2 >> >> >> >>",
        ),
        "/EF entry (an attached file)",
    ),
}


@pytest.mark.parametrize("case", list(ACTIVE_PDFS))
def test_active_pdfs_are_refused_and_the_refusal_is_logged_by_what_was_found(upload_page, caplog, case):
    content, found = ACTIVE_PDFS[case]

    with caplog.at_level("INFO", logger="prescriptions.uploads"):
        response = upload_page("Sana Qureshi isotretinoin.pdf", content, "application/pdf")

    assert "contains scripts, actions or attached files" in file_error(response)
    assert Prescription.objects.count() == 0
    assert stored_files() == []
    assert [record.getMessage() for record in caplog.records] == [f"Upload refused: active_pdf ({found})"]


def test_a_web_link_in_a_pdf_is_accepted(upload_page):
    response = upload_page("scan.pdf", pdf_with_link(b"<< /S /URI /URI (https://pmdc.org.pk/) >>"), "application/pdf")

    assert response.status_code == 302
    assert Prescription.objects.count() == 1


def test_a_refused_file_is_logged_by_its_reason_never_by_its_name(upload_page, caplog):
    with caplog.at_level("INFO", logger="prescriptions.uploads"):
        upload_page("Sana Qureshi isotretinoin.php", image_bytes("JPEG"), "image/jpeg")

    assert [record.getMessage() for record in caplog.records] == ["Upload refused: bad_extension"]


def test_a_file_one_byte_over_the_limit_is_refused_with_the_limit_in_the_message(upload_page):
    content = image_bytes("JPEG") + b"\0" * (settings.PRESCRIPTION_MAX_UPLOAD_BYTES + 1 - len(image_bytes("JPEG")))

    response = upload_page("big.jpg", content, "image/jpeg")

    assert response.status_code == 200
    assert "The largest file we accept is 10 MB" in file_error(response)
    assert Prescription.objects.count() == 0
    assert stored_files() == []


def test_a_file_exactly_at_the_limit_passes_the_size_check(upload_page):
    content = pdf_of_exact_size(settings.PRESCRIPTION_MAX_UPLOAD_BYTES)

    response = upload_page("scan.pdf", content, "application/pdf")

    assert response.status_code == 302
    assert Prescription.objects.count() == 1


def test_the_decompression_bomb_is_refused_quickly():
    started = time.perf_counter()
    with pytest.raises(Exception, match="too many pixels"):
        inspect_upload(upload("bomb.png", png_claiming_size(20_000, 20_000)))
    # Generous: decoding 400 million pixels would take seconds and gigabytes.
    assert time.perf_counter() - started < 1.0


UNPACKS_TOO_FAR = "This PDF unpacks to more than 100 MB when it is opened"
HOSTILE_PDFS = {
    # A page whose content stream is a megabyte in the file and a gigabyte unpacked.
    "content-stream": (lambda: pdf_bomb("content"), UNPACKS_TOO_FAR),
    "packed-twice": (lambda: pdf_bomb("flate-twice"), UNPACKS_TOO_FAR),
    "hex-text-of-packed-data": (lambda: pdf_bomb("hex-over-flate"), UNPACKS_TOO_FAR),
    "lzw": (lambda: pdf_bomb("lzw", megabytes=200), UNPACKS_TOO_FAR),
    "embedded-font": (lambda: pdf_bomb("font"), UNPACKS_TOO_FAR),
    "picture-pixels": (lambda: pdf_bomb("image"), UNPACKS_TOO_FAR),
    # None of them large, but together far more than a prescription.
    "150-streams-of-a-megabyte": (lambda: pdf_bomb("many-streams", megabytes=150), UNPACKS_TOO_FAR),
    "object-stream": (lambda: pdf_bomb("object-stream"), UNPACKS_TOO_FAR),
    # Reading the small object stream's length makes the reader unpack the big one.
    "object-stream-behind-a-length": (
        lambda: pdf_with_object_stream(1024, length_in_object_stream=True),
        UNPACKS_TOO_FAR,
    ),
    "picture-declaring-100000x100000": (
        lambda: pdf_with_picture(100_000, 100_000),
        "holds a picture of 100000 × 100000 pixels, too large to process",
    ),
    "jpeg-header-declaring-30000x30000": (
        lambda: pdf_with_picture(100, 100, header_size=(30_000, 30_000)),
        "holds a picture of 30000 × 30000 pixels, too large to process",
    ),
    "filter-that-cannot-be-bounded": (
        lambda: pdf_with_objects(
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
            stream(b"\x00" * 64, b"/Filter /BrotliDecode"),
        ),
        "This PDF is packed in a way we cannot check",
    ),
}


@pytest.mark.parametrize("case", list(HOSTILE_PDFS))
def test_pdfs_that_unpack_to_far_more_than_they_weigh_are_refused_and_nothing_is_stored(upload_page, case):
    build, message = HOSTILE_PDFS[case]

    response = upload_page("scan.pdf", build(), "application/pdf")

    assert response.status_code == 200
    assert message in file_error(response)
    assert Prescription.objects.count() == 0
    assert stored_files() == []


def test_a_pdf_bomb_is_refused_and_never_unpacked_in_the_web_process():
    bomb = upload("scan.pdf", pdf_bomb("content", megabytes=1024))
    assert len(bomb) < 1.1 * MB

    tracemalloc.start()
    try:
        with pytest.raises(ValidationError, match="unpacks to more than 100 MB"):
            inspect_upload(bomb)
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    # The file is read twice here (upload, pipe to the checker), and unpacked
    # only in the checker's process; unpacking it here would take a gigabyte.
    assert peak < 8 * MB


def test_a_pdf_that_takes_too_long_to_check_is_refused(monkeypatch):
    # pypdf unpacks LZW in pure Python: 4 MB of codes that each stand for one
    # byte keep it busy for 2.5 s of CPU on a fast core (a slower one only adds
    # margin), well past the one second allowed here.
    inspect_upload(upload("scan.pdf", pdf_with_slow_stream(100 * 1024)))
    monkeypatch.setattr(uploads, "CHECK_LIMITS", uploads.sandbox.Limits(512 * MB, cpu_seconds=1, wall_seconds=30))

    with pytest.raises(ValidationError, match="too complex for us to check") as refused:
        inspect_upload(upload("scan.pdf", pdf_with_slow_stream(4 * MB)))

    assert refused.value.detail == "the checker killed by SIGXCPU"


def test_a_scan_of_several_full_pages_is_accepted(upload_page):
    pages = [Image.new("RGB", (2480, 3508), (250, 250, 250)) for _ in range(4)]  # A4 at 300 dpi
    out = BytesIO()
    pages[0].save(out, format="PDF", resolution=300, save_all=True, append_images=pages[1:])

    response = upload_page("scan.pdf", out.getvalue(), "application/pdf")

    assert response.status_code == 302
    assert Prescription.objects.get().file_kind == "pdf"


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_good_images_are_stored_re_encoded_without_exif(upload_page, fmt):
    name = {"JPEG": "photo.jpg", "PNG": "scan.png", "WEBP": "photo.webp"}[fmt]
    original = image_bytes(fmt, exif_gps=True)
    assert Image.open(BytesIO(original)).getexif()  # the fixture really carries EXIF and GPS

    response = upload_page(name, original, "image/jpeg")

    assert response.status_code == 302
    prescription = Prescription.objects.get()
    with prescription.file.open("rb") as f:
        stored = f.read()
    assert stored != original
    image = Image.open(BytesIO(stored))
    assert image.format == fmt
    assert not image.getexif()
    assert b"PhoneModel" not in stored and b"Exif" not in stored
    assert image.size == (64, 48)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_the_stored_image_keeps_no_colour_profile_xmp_comment_or_text(upload_page, fmt):
    name = {"JPEG": "photo.jpg", "PNG": "scan.png", "WEBP": "photo.webp"}[fmt]
    original = image_bytes(fmt, exif_gps=True, metadata=True)
    assert {"icc_profile", "exif", "xmp"} <= set(Image.open(BytesIO(original)).info)  # the fixture carries them
    # What the encoder writes into any picture of this format (JFIF header, WebP animation defaults).
    bare = set(Image.open(BytesIO(inspect_upload(upload(name, image_bytes(fmt))).content)).info)

    response = upload_page(name, original, "image/jpeg")

    assert response.status_code == 302
    with Prescription.objects.get().file.open("rb") as f:
        stored = f.read()
    info = Image.open(BytesIO(stored)).info
    assert not {"icc_profile", "exif", "xmp", "comment", "Comment", "XML:com.adobe.xmp"} & set(info)
    assert set(info) <= bare
    assert icc_profile() not in stored
    assert not [marker for marker in METADATA_MARKERS if marker in stored]


def test_a_transparent_palette_picture_stays_transparent():
    palette = Image.new("P", (8, 8), 1)
    palette.putpalette([255, 255, 255, 200, 40, 40])
    out = BytesIO()
    palette.save(out, format="PNG", transparency=1)

    stored = Image.open(BytesIO(inspect_upload(upload("scan.png", out.getvalue())).content))

    assert stored.info.get("transparency") == 1


def test_stored_files_get_a_random_name_never_the_customers(upload_page):
    response = upload_page("../../../etc/passwd.jpg", image_bytes("JPEG"), "image/jpeg")

    assert response.status_code == 302
    [path] = stored_files()
    assert "passwd" not in path and ".." not in path
    assert path.endswith(".jpg")
    assert len(os.path.basename(path)) == 32 + len(".jpg")


def test_two_uploads_of_the_same_name_never_overwrite_each_other(upload_page):
    upload_page("scan.png", image_bytes("PNG", colour=(10, 10, 10)), "image/png")
    upload_page("scan.png", image_bytes("PNG", colour=(250, 250, 250)), "image/png")

    assert len(stored_files()) == 2
    assert len({p.file_sha256 for p in Prescription.objects.all()}) == 2


def test_stored_files_are_outside_media_root_and_private_to_the_server_user(upload_page):
    upload_page("photo.jpg", image_bytes("JPEG"), "image/jpeg")

    prescription = Prescription.objects.get()
    path = prescription.file.path
    assert not os.path.abspath(path).startswith(os.path.abspath(settings.MEDIA_ROOT))
    assert os.stat(path).st_mode & 0o077 == 0


def test_plain_pdfs_are_stored_as_uploaded(upload_page):
    content = pdf_bytes()

    response = upload_page("scan.pdf", content, "application/pdf")

    assert response.status_code == 302
    prescription = Prescription.objects.get()
    assert prescription.file_kind == "pdf"
    with prescription.file.open("rb") as f:
        assert f.read() == content


# --- One request, many files -------------------------------------------------------------


@pytest.fixture
def disk_writes(monkeypatch, settings, tmp_path):
    """Sizes of what uploads write to temporary files, which go to ``tmp_path``."""
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    written = []

    class Counted(TemporaryUploadedFile):
        def write(self, data):
            written.append(len(data))
            return self.file.write(data)

    monkeypatch.setattr(django.core.files.uploadhandler, "TemporaryUploadedFile", Counted)
    monkeypatch.setattr(prescriptions.uploadhandlers, "TemporaryUploadedFile", Counted, raising=False)
    return written


def post_multipart(client, url, parts):
    return client.post(url, data=multipart(parts), content_type=f"multipart/form-data; boundary={BOUNDARY}")


@pytest.mark.parametrize(
    ("count", "size"),
    [
        pytest.param(5, 3 * MB, id="5-files-of-3-MB"),
        pytest.param(100, 1000, id="100-small-files"),  # Django's own limit, beyond which it answers 400
    ],
)
def test_one_request_with_several_files_is_refused_with_a_form_error_and_little_reaches_the_disk(
    customer, disk_writes, tmp_path, count, size
):
    client = Client()
    client.force_login(customer)
    product = RxProductFactory()
    scan = pdf_of_exact_size(size)
    details = [
        ("products", str(product.pk)),
        ("patient_name", "Sana Qureshi"),
        ("prescriber_name", "Dr. Farah Khan"),
        ("prescriber_registration", "12345-P"),
        ("issued_on", str(timezone.localdate())),
    ]

    response = post_multipart(
        client,
        "/accounts/prescriptions/upload/",
        [("file", f"scan-{n}.pdf", "application/pdf", scan) for n in range(count)] + details,
    )

    assert response.status_code == 200
    page = BeautifulSoup(response.content, "html.parser")
    assert "This upload held more than one file" in page.select_one("#id_file_errors").text
    assert Prescription.objects.count() == 0
    assert stored_files() == []
    assert sum(disk_writes) <= settings.PRESCRIPTION_MAX_UPLOAD_BYTES
    assert os.listdir(tmp_path) == []


def test_any_page_holds_a_request_to_its_total_of_file_bytes(client, disk_writes, tmp_path):
    parts = [("file", f"big-{n}.bin", "application/octet-stream", bytes(14 * MB)) for n in range(2)]

    response = post_multipart(client, "/accounts/login/", [*parts, ("login_submit", "Log in")])

    assert response.status_code < 500
    assert sum(disk_writes) <= settings.SHOP_UPLOAD_MAX_REQUEST_BYTES
    assert os.listdir(tmp_path) == []


def test_when_the_pdf_checker_cannot_start_the_customer_is_asked_to_try_again(upload_page, monkeypatch):
    monkeypatch.setattr(uploads.sandbox.sys, "executable", "/nonexistent/python")

    response = upload_page("scan.pdf", pdf_bytes(), "application/pdf")

    assert "We could not check this PDF just now. Please try again in a few minutes." in file_error(response)
    assert Prescription.objects.count() == 0
    assert stored_files() == []
