"""Storage that fails (a full or read-only disk) costs the customer a clear message, and leaves nothing behind.

The faults are real: a tmpfs of a few hundred kilobytes mounted over the
test's prescription folder, filled up or remounted read-only. Mounting needs
root (CI runs as root); without it these tests skip and say why.
"""

import datetime
import io
import os
import subprocess
from pathlib import Path

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from PIL import Image

from prescriptions.models import Prescription, prescription_storage
from prescriptions.services.scheduled import prescription_files_sweep_orphans
from tests.factories import RxProductFactory, submit_prescription
from tests.prescriptions.test_views import fill_upload_form

pytestmark = pytest.mark.django_db


def files_under(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file() and path.name != "filler"]


@pytest.fixture
def own_disk(settings):
    """A 256 KB tmpfs over the prescription folder, for this test alone."""
    root = Path(settings.PRESCRIPTION_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("mounting a small filesystem needs root; run the tests as root to try a full or read-only disk")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k,mode=0700", "tmpfs", str(root)], capture_output=True, text=True
    )
    if mounted.returncode:
        pytest.skip(f"could not mount a tmpfs here: {mounted.stderr.strip()}")
    yield root
    subprocess.run(["umount", "-l", str(root)], check=True)


def photo_of_noise() -> bytes:
    """A photo JPEG cannot squeeze: about 100 KB, more than the full disk has left, less than the empty one holds."""
    picture = Image.frombytes("RGB", (350, 250), os.urandom(350 * 250 * 3))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=95)
    return out.getvalue()


def upload(customer_app, product):
    page = customer_app.get(f"/accounts/prescriptions/upload/?product={product.pk}")
    form = fill_upload_form(page)
    form["file"] = ("prescription.jpg", photo_of_noise(), "image/jpeg")
    return form.submit()


def assert_refused_and_nothing_kept(response, root):
    assert response.status_code == 200
    assert "We could not save your prescription just now; nothing was kept." in response.text
    assert Prescription.objects.count() == 0
    assert files_under(root) == []
    assert not DBTaskResult.objects.exists()


def test_a_full_disk_refuses_the_upload_with_a_message_and_leaves_no_partial_file(customer_app, own_disk):
    (own_disk / "filler").write_bytes(b"\0" * 200 * 1024)

    response = upload(customer_app, RxProductFactory())

    assert_refused_and_nothing_kept(response, own_disk)


def test_a_read_only_disk_refuses_the_upload_with_a_message(customer_app, own_disk):
    subprocess.run(["mount", "-o", "remount,ro", str(own_disk)], check=True)

    response = upload(customer_app, RxProductFactory())

    assert_refused_and_nothing_kept(response, own_disk)


def test_the_upload_succeeds_once_the_disk_has_room_again(customer_app, own_disk):
    filler = own_disk / "filler"
    filler.write_bytes(b"\0" * 200 * 1024)
    product = RxProductFactory()
    assert upload(customer_app, product).status_code == 200

    filler.unlink()

    assert upload(customer_app, product).status_code == 302
    assert [path.name for path in files_under(own_disk)] == [Path(Prescription.objects.get().file.name).name]


def test_a_stored_file_is_readable_by_the_shop_alone(customer, settings):
    prescription = submit_prescription(customer, [RxProductFactory()])

    path = Path(prescription.file.path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700


# --- The sweep of orphan files --------------------------------------------------------


def aged(path: Path, hours: float) -> None:
    then = (timezone.now() - datetime.timedelta(hours=hours)).timestamp()
    os.utime(path, (then, then))


def test_the_sweep_deletes_old_files_no_prescription_owns_and_keeps_the_rest(customer):
    storage = prescription_storage()
    prescription = submit_prescription(customer, [RxProductFactory()])
    owned = Path(prescription.file.path)
    stem = owned.name.split(".", 1)[0]
    page_picture = owned.with_name(f"{stem}.page-1.jpg")
    page_picture.write_bytes(b"\xff\xd8\xff picture")
    stranded = Path(storage.path("ab/ab0123456789abcdef0123456789abcd.jpg"))
    stranded.parent.mkdir(parents=True, exist_ok=True)
    stranded.write_bytes(b"half an upload")
    uploading = stranded.with_name("ab9876543210fedcba9876543210fedc.pdf")
    uploading.write_bytes(b"an upload whose row is being written")
    for path in (owned, page_picture, stranded):
        aged(path, hours=2)
    aged(uploading, hours=0.5)

    assert prescription_files_sweep_orphans() == 1

    assert not stranded.exists()
    assert owned.exists() and page_picture.exists() and uploading.exists()


def test_the_sweep_removes_what_an_erased_prescription_left_behind(customer):
    prescription = submit_prescription(customer, [RxProductFactory()])
    left = Path(prescription.file.path)
    Prescription.objects.filter(pk=prescription.pk).update(file="", erased_at=timezone.now())
    aged(left, hours=2)

    assert prescription_files_sweep_orphans() == 1
    assert not left.exists()


def test_the_sweep_has_nothing_to_do_before_the_first_upload(settings):
    assert not Path(settings.PRESCRIPTION_ROOT).exists()
    assert prescription_files_sweep_orphans() == 0


def test_the_workers_run_the_pharmacys_jobs_on_schedule(settings):
    from shop.tasks import periodic_jobs

    scheduled = {job.task: job.every for job in periodic_jobs()}

    assert scheduled["prescriptions.tasks.sweep_orphan_files"] == datetime.timedelta(hours=1)
    assert scheduled["prescriptions.tasks.erase_expired_prescriptions"] == datetime.timedelta(days=1)
    assert scheduled["prescriptions.tasks.send_prescription_reminders"] == datetime.timedelta(days=1)
