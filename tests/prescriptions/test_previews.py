"""The picture of a PDF's first page on the review page: rendered once, in a limited process, kept privately."""

import resource
import time

import pytest
from django.core.cache import cache
from django.utils import timezone

from prescriptions import previews
from prescriptions.models import Prescription, PrescriptionEvent
from prescriptions.services.customer import prescription_submit
from prescriptions.uploads import CleanFile
from tests.factories import RxProductFactory, pharmacist_user, submit_prescription
from tests.files import MB, pdf_bomb, pdf_bytes

pytestmark = pytest.mark.django_db


def stored_pdf(user, content: bytes) -> Prescription:
    """A PDF as it lies in storage, whether or not today's upload checks would let it in."""
    return prescription_submit(
        user=user,
        clean_file=CleanFile(content, "application/pdf", ".pdf", "pdf"),
        patient_name="Sana Qureshi",
        prescriber_name="Dr. Farah Khan",
        prescriber_registration="12345-P",
        issued_on=timezone.localdate(),
        products=[RxProductFactory(title="Isotretinoin 20 mg capsules")],
    )


@pytest.fixture
def renders(monkeypatch):
    """Every rendering of a first page, counted."""
    calls = []
    render = previews.first_page_png

    def counted(pdf, limits=None):
        calls.append(len(pdf))
        return render(pdf, limits)

    monkeypatch.setattr(previews, "first_page_png", counted)
    return calls


def preview_url(prescription) -> str:
    return f"/dashboard/pharmacy/{prescription.public_id}/first-page.png"


def test_the_first_page_is_rendered_once_and_kept_next_to_the_pdf_in_private_storage(django_app, customer, renders):
    prescription = stored_pdf(customer, pdf_bytes())
    pharmacist = pharmacist_user()

    first = django_app.get(preview_url(prescription), user=pharmacist)
    second = django_app.get(preview_url(prescription), user=pharmacist)

    assert first.body.startswith(b"\x89PNG") and first.body != previews.unavailable_png()
    assert second.body == first.body
    assert len(renders) == 1
    storage, name = prescription.file.storage, prescription.file.name
    picture = name.removesuffix(".pdf") + ".preview.png"
    assert storage.exists(picture)
    with storage.open(picture) as f:
        assert f.read() == first.body


def test_the_preview_has_the_file_views_protective_headers_and_every_staff_view_is_logged(django_app, customer):
    prescription = stored_pdf(customer, pdf_bytes())
    pharmacist = pharmacist_user()

    for _ in range(2):
        response = django_app.get(preview_url(prescription), user=pharmacist)

        assert response.headers["Content-Type"] == "image/png"
        assert response.headers["Content-Disposition"] == (
            f'inline; filename="prescription-{prescription.reference}-page-1.png"'
        )
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response.headers["Cache-Control"]
        assert "private" in response.headers["Cache-Control"]
        assert response.headers["Content-Security-Policy"].startswith("sandbox;")
    assert (
        PrescriptionEvent.objects.filter(prescription=prescription, action="file_viewed", actor=pharmacist).count() == 2
    )


def test_a_pdf_bomb_already_in_storage_shows_preview_unavailable_and_never_reaches_the_web_process(
    django_app, customer, renders
):
    # Uploaded before uploads were checked for this: a megabyte that unpacks to a gigabyte of page content.
    prescription = stored_pdf(customer, pdf_bomb("content", megabytes=1024))
    pharmacist = pharmacist_user()
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    started = time.perf_counter()
    response = django_app.get(preview_url(prescription), user=pharmacist)
    elapsed = time.perf_counter() - started

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/png"
    assert response.body == previews.unavailable_png()
    # Rendering it here took 12 s and 2 GB; the child process is stopped at its memory limit.
    assert elapsed < previews.LIMITS.wall_seconds + 5
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - peak_before < 256 * MB
    assert PrescriptionEvent.objects.filter(prescription=prescription, action="file_viewed").count() == 1

    again = django_app.get(preview_url(prescription), user=pharmacist)

    assert again.body == previews.unavailable_png()
    assert len(renders) == 1  # the failure is remembered, not paid for on every visit


def test_the_renderer_is_held_to_its_memory_limit():
    with pytest.raises(previews.PreviewFailed):
        previews.first_page_png(pdf_bytes(), previews.Limits(memory_bytes=32 * MB))


def test_the_renderer_is_stopped_at_its_time_limit():
    with pytest.raises(previews.PreviewFailed, match="took more than"):
        previews.first_page_png(pdf_bytes(), previews.Limits(wall_seconds=0.01))


def test_garbage_gives_preview_unavailable_not_an_error_page(django_app, customer):
    prescription = stored_pdf(customer, b"%PDF-1.7\n garbage")

    response = django_app.get(preview_url(prescription), user=pharmacist_user())

    assert response.status_code == 200
    assert response.body == previews.unavailable_png()


def test_while_one_request_renders_the_preview_another_does_not_render_it_again(django_app, customer, renders):
    prescription = stored_pdf(customer, pdf_bytes())
    cache.add(f"prescription-preview:{prescription.file.name}", 1)

    response = django_app.get(preview_url(prescription), user=pharmacist_user())

    assert response.body == previews.unavailable_png()
    assert renders == []
    _picture, failed = previews.preview_names(prescription.file.name)
    assert not prescription.file.storage.exists(failed)


def test_a_picture_prescription_has_no_preview(django_app, customer):
    prescription = submit_prescription(customer, [RxProductFactory()])

    django_app.get(preview_url(prescription), user=pharmacist_user(), status=404)


def test_when_the_renderer_cannot_even_start_the_preview_is_tried_again_next_time(django_app, customer, monkeypatch):
    prescription = stored_pdf(customer, pdf_bytes())
    pharmacist = pharmacist_user()
    monkeypatch.setattr(previews.sys, "executable", "/nonexistent/python")

    assert django_app.get(preview_url(prescription), user=pharmacist).body == previews.unavailable_png()
    monkeypatch.undo()
    picture = django_app.get(preview_url(prescription), user=pharmacist)

    assert picture.body != previews.unavailable_png() and picture.body.startswith(b"\x89PNG")
