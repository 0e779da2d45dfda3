"""Pictures of every page of a PDF: drawn at upload, in a limited process, kept privately, shown instead of the PDF."""

import datetime
import os
import resource
from io import BytesIO

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from PIL import Image
from pypdf import PdfWriter

from prescriptions import previews
from prescriptions.models import Prescription, PrescriptionEvent
from prescriptions.services.customer import prescription_submit
from prescriptions.services.decisions import prescription_reject
from prescriptions.services.scheduled import prescriptions_erase_expired
from prescriptions.uploads import CleanFile
from shop.tasks import run_pending_tasks
from tests.factories import RxProductFactory, pharmacist_user, submit_prescription
from tests.files import MB, image_bytes, pdf_bomb, pdf_bytes

pytestmark = pytest.mark.django_db


def stored_pdf(user, content: bytes) -> Prescription:
    """A PDF as it lies in storage, with no pictures yet, whether or not today's upload checks would let it in.

    The drawing it queues waits in a database queue that no worker reads.
    """
    with override_settings(TASKS=DATABASE_QUEUE):
        return prescription_submit(
            user=user,
            clean_file=CleanFile(content, "application/pdf", ".pdf", "pdf"),
            patient_name="Sana Qureshi",
            prescriber_name="Dr. Farah Khan",
            prescriber_registration="12345-P",
            issued_on=timezone.localdate(),
            products=[RxProductFactory(title="Isotretinoin 20 mg capsules")],
        )


def scan(pages: int) -> bytes:
    """A PDF of ``pages`` pictures, each a different colour so that the pictures of its pages tell them apart."""
    images = [Image.new("RGB", (620, 877), (40 * number % 256, 90, 160)) for number in range(pages)]
    out = BytesIO()
    images[0].save(out, format="PDF", resolution=75, save_all=True, append_images=images[1:])
    return out.getvalue()


DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def renders(monkeypatch):
    """Every drawing of a PDF's pages, counted."""
    calls = []
    draw = previews.draw_pages

    def counted(pdf, limits=None):
        calls.append(len(pdf))
        return draw(pdf, limits)

    monkeypatch.setattr(previews, "draw_pages", counted)
    return calls


def page_url(prescription, number=1) -> str:
    return f"/dashboard/pharmacy/{prescription.public_id}/page-{number}.jpg"


def stored_names(prescription) -> list[str]:
    folder = os.path.dirname(prescription.file.path)
    stem = os.path.basename(prescription.file.name).removesuffix(".pdf")
    return sorted(name for name in os.listdir(folder) if name.startswith(stem))


def upload_pdf(customer_app, content: bytes):
    product = RxProductFactory(title="Isotretinoin 20 mg capsules")
    form = customer_app.get(f"/accounts/prescriptions/upload/?product={product.pk}").forms["prescription_upload_form"]
    form["file"] = ("scan.pdf", content, "application/pdf")
    form["patient_name"] = "Sana Qureshi"
    form["prescriber_name"] = "Dr. Farah Khan"
    form["prescriber_registration"] = "12345-P"
    form["issued_on"] = timezone.localdate().isoformat()
    # The tests' queue runs the drawing the upload queues at once (shop/settings/test.py).
    response = form.submit()
    assert response.status_code == 302, response.text
    return Prescription.objects.get()


def test_every_page_is_drawn_at_upload_and_kept_next_to_the_pdf_in_private_storage(customer_app, renders):
    prescription = upload_pdf(customer_app, scan(3))

    assert len(renders) == 1
    stem = os.path.basename(prescription.file.name).removesuffix(".pdf")
    assert stored_names(prescription) == sorted(
        [f"{stem}.pdf", f"{stem}.pages.json", *(f"{stem}.page-{number}.jpg" for number in (1, 2, 3))]
    )
    folder = os.path.dirname(prescription.file.path)
    assert os.path.realpath(folder).startswith(os.path.realpath(settings.PRESCRIPTION_ROOT))
    colours = []
    for number in (1, 2, 3):
        with Image.open(os.path.join(folder, f"{stem}.page-{number}.jpg")) as picture:
            assert picture.format == "JPEG"
            assert picture.width <= previews.MAX_WIDTH_PX and picture.height <= previews.MAX_HEIGHT_PX
            colours.append(picture.convert("RGB").getpixel((picture.width // 2, picture.height // 2)))
    # Each picture is of its own page: the reds differ as the pages' do.
    assert [red for red, _green, _blue in colours] == sorted(red for red, _green, _blue in colours)
    assert len({red // 20 for red, _green, _blue in colours}) == 3


def test_the_upload_request_draws_nothing_and_a_worker_draws_the_pages(customer_app, settings, renders):
    settings.TASKS = DATABASE_QUEUE
    product = RxProductFactory(title="Isotretinoin 20 mg capsules")
    form = customer_app.get(f"/accounts/prescriptions/upload/?product={product.pk}").forms["prescription_upload_form"]
    form["file"] = ("scan.pdf", scan(2), "application/pdf")
    form["patient_name"], form["prescriber_name"] = "Sana Qureshi", "Dr. Farah Khan"
    form["prescriber_registration"], form["issued_on"] = "12345-P", timezone.localdate().isoformat()

    assert form.submit().status_code == 302

    assert renders == []
    prescription = Prescription.objects.get()
    queued = DBTaskResult.objects.get(task_path="prescriptions.tasks.draw_prescription_pages")
    assert queued.args_kwargs["args"] == [prescription.pk]  # the id alone: no health data in the queue
    run_pending_tasks()
    assert len(renders) == 1
    assert previews.stored_pages(prescription.file).count == 2


def test_the_pharmacist_sees_every_page_and_reviewing_draws_nothing_again(customer_app, django_app, renders):
    prescription = upload_pdf(customer_app, scan(2))
    pharmacist = pharmacist_user()

    review = django_app.get(f"/dashboard/pharmacy/{prescription.public_id}/", user=pharmacist)
    pictures = review.html.select(".rx-review__file img")

    assert [img["src"] for img in pictures] == [page_url(prescription, 1), page_url(prescription, 2)]
    assert [img["alt"] for img in pictures] == [
        f"Page 1 of 2 of prescription {prescription.reference}",
        f"Page 2 of 2 of prescription {prescription.reference}",
    ]
    for img in pictures:
        assert django_app.get(img["src"], user=pharmacist).body.startswith(b"\xff\xd8\xff")
    assert len(renders) == 1
    warning = review.html.select_one("#original-warning")
    assert warning.a["href"] == f"/accounts/prescriptions/{prescription.public_id}/file/"
    assert "A PDF can hold content that runs when it is opened" in warning.text


def test_a_page_picture_has_the_file_views_protective_headers_and_every_staff_view_is_logged(django_app, customer):
    prescription = stored_pdf(customer, pdf_bytes(pages=2))
    previews.render_and_store(prescription.file)
    pharmacist = pharmacist_user()

    for number in (1, 2):
        response = django_app.get(page_url(prescription, number), user=pharmacist)

        assert response.headers["Content-Type"] == "image/jpeg"
        assert response.headers["Content-Disposition"] == (
            f'inline; filename="prescription-{prescription.reference}-page-{number}.jpg"'
        )
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response.headers["Cache-Control"]
        assert "private" in response.headers["Cache-Control"]
        assert response.headers["Content-Security-Policy"].startswith("sandbox;")
    assert (
        PrescriptionEvent.objects.filter(prescription=prescription, action="file_viewed", actor=pharmacist).count() == 2
    )


@pytest.mark.parametrize("number", [0, 3, 21, 999999])
def test_a_page_the_pdf_does_not_have_is_not_found_and_not_logged(django_app, customer, number):
    prescription = stored_pdf(customer, pdf_bytes(pages=2))
    previews.render_and_store(prescription.file)

    django_app.get(page_url(prescription, number), user=pharmacist_user(), status=404)

    assert not PrescriptionEvent.objects.filter(action="file_viewed").exists()


def test_a_pdf_stored_before_pages_were_drawn_at_upload_is_drawn_on_the_first_review(django_app, customer, renders):
    prescription = stored_pdf(customer, pdf_bytes(pages=2))
    pharmacist = pharmacist_user()

    first = django_app.get(f"/dashboard/pharmacy/{prescription.public_id}/", user=pharmacist)
    second = django_app.get(f"/dashboard/pharmacy/{prescription.public_id}/", user=pharmacist)

    assert len(first.html.select(".rx-review__page")) == 2
    assert len(second.html.select(".rx-review__page")) == 2
    assert len(renders) == 1


def test_a_pdf_bomb_already_in_storage_has_no_pictures_and_never_reaches_the_web_process(django_app, customer, renders):
    # Uploaded before uploads were checked for this: a megabyte that unpacks to a gigabyte of page content.
    prescription = stored_pdf(customer, pdf_bomb("content", megabytes=1024))
    pharmacist = pharmacist_user()
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    review = django_app.get(f"/dashboard/pharmacy/{prescription.public_id}/", user=pharmacist)

    assert review.status_code == 200
    assert "No picture of this PDF could be made" in review.html.select_one("#pages-unavailable").text
    assert review.html.select(".rx-review__page") == []
    # Drawing it here took 12 s and 2 GB; the child process is stopped at its memory limit.
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - peak_before < 256 * MB
    django_app.get(page_url(prescription), user=pharmacist, status=404)

    again = django_app.get(f"/dashboard/pharmacy/{prescription.public_id}/", user=pharmacist)

    assert again.html.select_one("#pages-unavailable") is not None
    assert len(renders) == 1  # the failure is remembered, not paid for on every visit


def test_the_renderer_is_held_to_its_memory_limit():
    with pytest.raises(previews.PreviewFailed):
        previews.draw_pages(pdf_bytes(), previews.sandbox.Limits(memory_bytes=32 * MB, cpu_seconds=10, wall_seconds=20))


def test_the_renderer_is_stopped_at_its_time_limit():
    with pytest.raises(previews.PreviewFailed, match="took more than"):
        previews.draw_pages(
            pdf_bytes(), previews.sandbox.Limits(memory_bytes=768 * MB, cpu_seconds=10, wall_seconds=0.01)
        )


def test_garbage_shows_that_there_are_no_pictures_not_an_error_page(django_app, customer):
    prescription = stored_pdf(customer, b"%PDF-1.7\n garbage")

    review = django_app.get(f"/dashboard/pharmacy/{prescription.public_id}/", user=pharmacist_user())

    assert review.status_code == 200
    assert review.html.select_one("#pages-unavailable") is not None


def test_while_one_request_draws_the_pages_another_does_not_draw_them_again(django_app, customer, renders):
    prescription = stored_pdf(customer, pdf_bytes())
    cache.add(f"prescription-preview:{prescription.file.name}", 1)

    review = django_app.get(f"/dashboard/pharmacy/{prescription.public_id}/", user=pharmacist_user())

    assert review.html.select_one("#pages-unavailable") is not None
    assert renders == []
    stem = os.path.basename(prescription.file.name).removesuffix(".pdf")
    assert stored_names(prescription) == [f"{stem}.pdf"]  # nothing remembered: the next visit draws them


def test_a_picture_prescription_has_no_page_pictures(django_app, customer):
    prescription = submit_prescription(customer, [RxProductFactory()])

    django_app.get(page_url(prescription), user=pharmacist_user(), status=404)


def test_when_the_renderer_cannot_even_start_the_pages_are_drawn_next_time(django_app, customer, monkeypatch):
    prescription = stored_pdf(customer, pdf_bytes())
    pharmacist = pharmacist_user()
    monkeypatch.setattr(previews.sandbox.sys, "executable", "/nonexistent/python")

    assert previews.render_and_store(prescription.file) is None
    monkeypatch.undo()
    review = django_app.get(f"/dashboard/pharmacy/{prescription.public_id}/", user=pharmacist)

    assert len(review.html.select(".rx-review__page")) == 1


def test_a_stored_pdf_longer_than_an_upload_may_be_shows_its_first_pages_and_says_so(django_app, customer):
    writer = PdfWriter()
    for _ in range(previews.MAX_PAGES + 3):
        writer.add_blank_page(width=595, height=842)
    out = BytesIO()
    writer.write(out)
    prescription = stored_pdf(customer, out.getvalue())

    review = django_app.get(f"/dashboard/pharmacy/{prescription.public_id}/", user=pharmacist_user())

    assert len(review.html.select(".rx-review__page")) == previews.MAX_PAGES
    assert "Only the first 20 of 23 pages are shown" in review.html.select_one("#pages-missing").text


def test_the_pictures_are_erased_with_the_pdf(customer, django_capture_on_commit_callbacks):
    prescription = stored_pdf(customer, scan(2))
    previews.render_and_store(prescription.file)
    prescription_reject(prescription=prescription, pharmacist=pharmacist_user(), reason="Unreadable")
    Prescription.objects.filter(pk=prescription.pk).update(submitted_at=timezone.now() - datetime.timedelta(days=400))
    assert len(stored_names(prescription)) == 4

    with django_capture_on_commit_callbacks(execute=True):
        assert prescriptions_erase_expired() == 1

    assert stored_names(prescription) == []


def test_a_photo_upload_draws_nothing(customer_app, renders):
    product = RxProductFactory(title="Isotretinoin 20 mg capsules")
    form = customer_app.get(f"/accounts/prescriptions/upload/?product={product.pk}").forms["prescription_upload_form"]
    form["file"] = ("scan.jpg", image_bytes("JPEG"), "image/jpeg")
    form["patient_name"] = "Sana Qureshi"
    form["prescriber_name"] = "Dr. Farah Khan"
    form["prescriber_registration"] = "12345-P"
    form["issued_on"] = timezone.localdate().isoformat()

    assert form.submit().status_code == 302
    assert renders == []
