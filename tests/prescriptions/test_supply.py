"""The supply register: a pharmacist records batch and expiry for each prescription line before the order leaves."""

import csv
import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from oscar.apps.partner.strategy import Default
from oscar.core.loading import get_model
from oscar.test.factories import create_order

from prescriptions.models import DispensingPolicy, PrescriptionEvent, SupplyRecord
from prescriptions.selectors.supply import orders_to_dispense, undispensed_rx_lines
from prescriptions.services.supply import FALLBACK_COURSE_DAYS, SupplyRefused, supply_record_order
from tests.factories import PakistanFactory, ProductFactory, RxProductFactory, UserFactory, approve, pharmacist_user
from tests.factories import submit_prescription as submit

Basket = get_model("basket", "Basket")
ShippingAddress = get_model("order", "ShippingAddress")

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
GOOD_EXPIRY = TODAY + datetime.timedelta(days=400)


@pytest.fixture
def medicine():
    product = RxProductFactory(title="Isotretinoin 20 mg capsules, 30")
    DispensingPolicy.objects.create(product=product, max_supply_days=30)
    return product


@pytest.fixture
def pharmacist():
    return pharmacist_user(email="pharmacist@example.com")


def rx_order(customer, *products, days_supply=30, extra=()):
    """An order placed through Oscar's OrderCreator, each product covered by its own approved prescription."""
    for product in products:
        approve(submit(customer, [product]), days_supply=days_supply)
    basket = Basket.objects.create(owner=customer)
    basket.strategy = Default()
    for product in (*products, *extra):
        basket.add_product(product, 1)
    address = ShippingAddress.objects.create(
        first_name="Sana",
        last_name="Qureshi",
        line1="House 14, Street 7",
        line4="Islamabad",
        postcode="44000",
        phone_number="+923001234567",
        country=PakistanFactory(),
    )
    return create_order(basket=basket, user=customer, shipping_address=address)


def rx_lines(order):
    return list(order.lines.filter(prescription_dispense__isnull=False).order_by("pk"))


def good_entries(order):
    return {line.pk: ("B-2026/117", GOOD_EXPIRY) for line in rx_lines(order)}


# --- The service --------------------------------------------------------------


def test_recording_the_supply_keeps_what_an_inspector_asks_for(customer, medicine, pharmacist):
    order = rx_order(customer, medicine)
    line = rx_lines(order)[0]
    prescription = line.prescription_dispense.prescription

    [record] = supply_record_order(order=order, pharmacist=pharmacist, entries={line.pk: (" B-2026/117 ", GOOD_EXPIRY)})

    record.refresh_from_db()
    assert (record.batch_number, record.expiry_date, record.pharmacist) == ("B-2026/117", GOOD_EXPIRY, pharmacist)
    assert (record.medicine_name, record.quantity, record.product) == (line.title, 1, medicine)
    assert (record.prescriber_name, record.prescriber_registration) == ("Dr. Farah Khan", "12345-P")
    assert record.prescription_issued_on == prescription.issued_on
    assert record.patient_name == "Sana Qureshi"
    assert "House 14, Street 7" in record.patient_address and "Islamabad" in record.patient_address
    assert record.pharmacist_name == "Ayesha Siddiqui"
    event = prescription.events.get(action=PrescriptionEvent.Action.SUPPLIED)
    assert event.actor == pharmacist and event.data["batch_number"] == "B-2026/117"


def test_every_prescription_line_is_recorded_in_one_call_and_other_lines_need_none(customer, medicine, pharmacist):
    second = RxProductFactory(title="Tretinoin cream 0.05%")
    DispensingPolicy.objects.create(product=second, max_supply_days=30)
    cleanser = ProductFactory(title="Gentle cleanser")
    order = rx_order(customer, medicine, second, extra=[cleanser])
    assert len(undispensed_rx_lines(order)) == 2

    records = supply_record_order(order=order, pharmacist=pharmacist, entries=good_entries(order))

    assert {r.medicine_name for r in records} == {medicine.title, second.title}
    assert undispensed_rx_lines(order) == []
    assert order not in orders_to_dispense()


def test_a_missing_line_refuses_the_whole_supply(customer, medicine, pharmacist):
    second = RxProductFactory(title="Tretinoin cream 0.05%")
    DispensingPolicy.objects.create(product=second, max_supply_days=30)
    order = rx_order(customer, medicine, second)
    first, other = rx_lines(order)

    with pytest.raises(SupplyRefused) as refused:
        supply_record_order(order=order, pharmacist=pharmacist, entries={first.pk: ("B1", GOOD_EXPIRY)})

    assert set(refused.value.fields) == {other.pk}
    assert refused.value.fields[other.pk]["batch_number"] == "Give the batch number printed on the pack."
    assert not SupplyRecord.objects.exists()
    assert len(undispensed_rx_lines(order)) == 2


def test_a_second_recording_is_refused(customer, medicine, pharmacist):
    order = rx_order(customer, medicine)
    supply_record_order(order=order, pharmacist=pharmacist, entries=good_entries(order))

    with pytest.raises(SupplyRefused, match="already recorded by Ayesha Siddiqui"):
        supply_record_order(order=order, pharmacist=pharmacist_user(), entries=good_entries(order))

    assert SupplyRecord.objects.count() == 1


def test_a_line_of_another_order_is_refused(customer, medicine, pharmacist):
    order = rx_order(customer, medicine)
    other = rx_order(UserFactory(), RxProductFactory())
    entries = {**good_entries(order), **good_entries(other)}

    with pytest.raises(SupplyRefused, match="Only this order's prescription lines"):
        supply_record_order(order=order, pharmacist=pharmacist, entries=entries)

    assert not SupplyRecord.objects.exists()


def test_an_order_without_prescription_lines_has_nothing_to_supply(customer, pharmacist):
    order = create_order(user=customer)

    with pytest.raises(SupplyRefused, match="holds no prescription medicine"):
        supply_record_order(order=order, pharmacist=pharmacist, entries={})
    assert undispensed_rx_lines(order) == []


def test_a_cancelled_order_is_not_supplied(customer, medicine, pharmacist):
    order = rx_order(customer, medicine)
    type(order).objects.filter(pk=order.pk).update(status="Cancelled")

    with pytest.raises(SupplyRefused, match="Cancelled"):
        supply_record_order(order=order, pharmacist=pharmacist, entries=good_entries(order))
    assert order not in orders_to_dispense()


def test_a_pharmacist_cannot_supply_their_own_order(medicine, pharmacist):
    order = rx_order(pharmacist, medicine)

    with pytest.raises(SupplyRefused, match="your own order"):
        supply_record_order(order=order, pharmacist=pharmacist, entries=good_entries(order))
    assert not SupplyRecord.objects.exists()


def test_the_order_is_handed_on_as_dispensed_once_per_recording(customer, medicine, pharmacist, caplog):
    order = rx_order(customer, medicine)
    caplog.set_level("INFO", logger="prescriptions.services.supply")

    supply_record_order(order=order, pharmacist=pharmacist, entries=good_entries(order))
    with pytest.raises(SupplyRefused):
        supply_record_order(order=order, pharmacist=pharmacist, entries=good_entries(order))

    handed_on = [r for r in caplog.records if r.name == "prescriptions.services.supply"]
    assert [(r.getMessage(), r.order_number) for r in handed_on] == [("supply recorded", str(order.number))]


@pytest.mark.parametrize("who", ["customer", "staff"])
def test_only_a_pharmacist_records_a_supply(customer, medicine, who):
    order = rx_order(customer, medicine)
    user = customer if who == "customer" else UserFactory(is_staff=True)

    with pytest.raises(PermissionDenied):
        supply_record_order(order=order, pharmacist=user, entries=good_entries(order))
    assert not SupplyRecord.objects.exists()


@pytest.mark.parametrize(
    "batch",
    ["", "   ", "B 117", "B.117", "x" * 41, "B117;DROP", "बैच"],
)
def test_a_batch_number_is_letters_digits_dashes_or_slashes(customer, medicine, pharmacist, batch):
    order = rx_order(customer, medicine)
    [line] = rx_lines(order)

    with pytest.raises(SupplyRefused) as refused:
        supply_record_order(order=order, pharmacist=pharmacist, entries={line.pk: (batch, GOOD_EXPIRY)})

    assert "batch_number" in refused.value.fields[line.pk]
    assert not SupplyRecord.objects.exists()


@pytest.mark.parametrize("batch", ["A", "B-2026/117", "x" * 40, "lot7"])
def test_good_batch_numbers_are_kept(customer, medicine, pharmacist, batch):
    order = rx_order(customer, medicine)
    [line] = rx_lines(order)

    [record] = supply_record_order(order=order, pharmacist=pharmacist, entries={line.pk: (batch, GOOD_EXPIRY)})
    assert record.batch_number == batch


@pytest.mark.parametrize(
    ("days_after_today", "refused_with"),
    [
        (-1, "expired on"),
        (0, "before the end of the 30-day course"),
        (29, "before the end of the 30-day course"),
        (30, None),
        (31, None),
    ],
)
def test_a_pack_must_last_the_approved_course(customer, medicine, pharmacist, days_after_today, refused_with):
    order = rx_order(customer, medicine, days_supply=30)
    [line] = rx_lines(order)
    expiry = TODAY + datetime.timedelta(days=days_after_today)

    def record():
        return supply_record_order(order=order, pharmacist=pharmacist, entries={line.pk: ("B1", expiry)}, today=TODAY)

    if refused_with is None:
        assert record()[0].expiry_date == expiry
    else:
        with pytest.raises(SupplyRefused) as refused:
            record()
        assert refused_with in refused.value.fields[line.pk]["expiry_date"]
        assert not SupplyRecord.objects.exists()


def test_the_course_is_the_approved_days_supply_not_the_rules_most(customer, medicine, pharmacist):
    order = rx_order(customer, medicine, days_supply=10)
    [line] = rx_lines(order)
    expiry = TODAY + datetime.timedelta(days=10)

    [record] = supply_record_order(order=order, pharmacist=pharmacist, entries={line.pk: ("B1", expiry)}, today=TODAY)
    assert record.expiry_date == expiry


def test_without_a_days_supply_a_pack_must_last_more_than_a_month(customer, pharmacist):
    product = RxProductFactory()
    DispensingPolicy.objects.create(product=product, max_supply_days=None)
    order = rx_order(customer, product)
    [line] = rx_lines(order)
    prescription = line.prescription_dispense.prescription
    type(prescription).objects.filter(pk=prescription.pk).update(days_supply=None)
    month = TODAY + datetime.timedelta(days=FALLBACK_COURSE_DAYS)

    with pytest.raises(SupplyRefused, match="more than 30 days"):
        supply_record_order(order=order, pharmacist=pharmacist, entries={line.pk: ("B1", month)}, today=TODAY)
    [record] = supply_record_order(
        order=order, pharmacist=pharmacist, entries={line.pk: ("B1", month + datetime.timedelta(days=1))}, today=TODAY
    )
    assert record.expiry_date == month + datetime.timedelta(days=1)


def test_a_missing_expiry_is_refused(customer, medicine, pharmacist):
    order = rx_order(customer, medicine)
    [line] = rx_lines(order)

    with pytest.raises(SupplyRefused) as refused:
        supply_record_order(order=order, pharmacist=pharmacist, entries={line.pk: ("B1", None)})
    assert refused.value.fields[line.pk]["expiry_date"] == "Give the expiry date printed on the pack."


# --- Append-only --------------------------------------------------------------


@pytest.fixture
def record(customer, medicine, pharmacist):
    order = rx_order(customer, medicine)
    return supply_record_order(order=order, pharmacist=pharmacist, entries=good_entries(order))[0]


def test_the_orm_refuses_to_change_or_delete_a_supply_record(record):
    record.batch_number = "OTHER"
    with pytest.raises(PermissionDenied):
        record.save()
    with pytest.raises(PermissionDenied):
        record.delete()
    with pytest.raises(PermissionDenied):
        SupplyRecord.objects.filter(pk=record.pk).update(batch_number="OTHER")
    with pytest.raises(PermissionDenied):
        SupplyRecord.objects.filter(pk=record.pk).delete()
    assert SupplyRecord.objects.get(pk=record.pk).batch_number == "B-2026/117"


def raw(sql, params):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_database_refuses_to_change_a_supply_record(record):
    with pytest.raises(DatabaseError, match="append-only"):
        raw("UPDATE prescriptions_supplyrecord SET batch_number = %s WHERE id = %s", ["OTHER", record.pk])
    assert SupplyRecord.objects.get(pk=record.pk).batch_number == "B-2026/117"


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite refuses updates only: Django's test runner empties SQLite with DELETE between transactional tests",
)
def test_postgresql_refuses_to_delete_a_supply_record(record):
    with pytest.raises(DatabaseError, match="append-only"):
        raw("DELETE FROM prescriptions_supplyrecord WHERE id = %s", [record.pk])
    assert SupplyRecord.objects.filter(pk=record.pk).exists()


def test_the_supply_register_trigger_is_in_place(db):
    """SQLite drops a table's triggers when a migration rebuilds it: this notices."""
    table = "prescriptions_supplyrecord"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass AND tgname = %s",
                [table, f"{table}_append_only"],
            )
        else:
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s AND name = %s",
                [table, f"{table}_append_only"],
            )
        assert cursor.fetchone()[0] == 1


# --- The pharmacist's pages -----------------------------------------------------


def supply_url(order):
    return reverse("dashboard:pharmacy-supply-order", args=[order.number])


EXPORT_URL = reverse("dashboard:pharmacy-supply-export")
QUEUE_URL = reverse("dashboard:pharmacy-supply-queue")


@pytest.mark.parametrize("who", ["customer", "staff"])
def test_customers_and_staff_without_the_permission_get_403(django_app, customer, medicine, who):
    order = rx_order(customer, medicine)
    user = customer if who == "customer" else UserFactory(is_staff=True)

    for url in (QUEUE_URL, supply_url(order), EXPORT_URL, EXPORT_URL + "?download=csv"):
        django_app.get(url, user=user, status=403)
    django_app.post(supply_url(order), {}, user=user, status=403)
    assert not SupplyRecord.objects.exists()


def test_an_anonymous_visitor_is_sent_to_log_in(django_app, customer, medicine):
    order = rx_order(customer, medicine)
    for url in (QUEUE_URL, supply_url(order), EXPORT_URL):
        assert "/login/" in django_app.get(url, status=302).location


def test_the_pharmacist_records_the_supply_from_the_orders_to_dispense(django_app, customer, medicine, pharmacist):
    order = rx_order(customer, medicine)
    [line] = rx_lines(order)

    queue = django_app.get(QUEUE_URL, user=pharmacist)
    page = queue.click(href=supply_url(order))
    assert "Dr. Farah Khan (PMDC 12345-P)" in page.text and "Sana Qureshi" in page.text
    form = page.forms["supply_form"]
    form[f"batch_{line.pk}"] = "B-2026/117"
    form[f"expiry_{line.pk}"] = GOOD_EXPIRY.isoformat()
    done = form.submit().follow()

    assert f"Supply of order {order.number} recorded" in done.text
    assert "B-2026/117" in done.text
    assert str(order.number) not in django_app.get(QUEUE_URL, user=pharmacist).text
    review = django_app.get(
        reverse("dashboard:pharmacy-review", args=[line.prescription_dispense.prescription.public_id]), user=pharmacist
    )
    assert "Supplied by the pharmacy" in review.text and "B-2026/117" in review.text


@pytest.mark.parametrize(
    ("batch", "expiry", "message"),
    [
        ("B 1", GOOD_EXPIRY.isoformat(), "letters, digits, dashes or slashes"),
        ("B1", "31/31/2027", "Enter the expiry date as a date"),
        ("B1", "2027-02-30", "Enter the expiry date as a date"),
        ("B1", (TODAY - datetime.timedelta(days=1)).isoformat(), "expired on"),
        ("B1", "", "Give the expiry date"),
        ("x" * 300, GOOD_EXPIRY.isoformat(), "at most 40 characters"),
    ],
)
def test_bad_input_on_the_form_is_shown_beside_the_field(
    django_app, customer, medicine, pharmacist, batch, expiry, message
):
    order = rx_order(customer, medicine)
    [line] = rx_lines(order)
    form = django_app.get(supply_url(order), user=pharmacist).forms["supply_form"]
    form[f"batch_{line.pk}"] = batch
    form[f"expiry_{line.pk}"] = expiry

    response = form.submit(status=200)

    assert message in response.text
    assert not SupplyRecord.objects.exists()


def test_a_form_sent_after_another_pharmacist_recorded_the_supply_says_so(django_app, customer, medicine, pharmacist):
    order = rx_order(customer, medicine)
    [line] = rx_lines(order)
    form = django_app.get(supply_url(order), user=pharmacist).forms["supply_form"]
    form[f"batch_{line.pk}"] = "LATE-1"
    form[f"expiry_{line.pk}"] = GOOD_EXPIRY.isoformat()
    supply_record_order(order=order, pharmacist=pharmacist_user(), entries=good_entries(order))

    response = form.submit()

    assert "already recorded by Ayesha Siddiqui" in response.text
    assert "B-2026/117" in response.text
    assert list(SupplyRecord.objects.values_list("batch_number", flat=True)) == ["B-2026/117"]


def test_an_unknown_order_is_not_found(django_app, pharmacist):
    django_app.get(reverse("dashboard:pharmacy-supply-order", args=["no-such-order"]), user=pharmacist, status=404)


def test_the_order_page_in_the_dashboard_shows_the_supply(django_app, customer, medicine, pharmacist):
    order = rx_order(customer, medicine)
    admin = UserFactory(is_staff=True, is_superuser=True)
    detail = reverse("dashboard:order-detail", args=[order.number])
    assert "Waiting for the pharmacist" in django_app.get(detail, user=admin).text

    supply_record_order(order=order, pharmacist=pharmacist, entries=good_entries(order))

    page = django_app.get(detail, user=admin)
    assert "B-2026/117" in page.text and "Waiting for the pharmacist" not in page.text


# --- The inspector's CSV --------------------------------------------------------


def csv_rows(response):
    return list(csv.DictReader(io.StringIO(response.text)))


def supplied(customer, product, pharmacist, *, on=None):
    """A supply recorded through the service, or (``on``) a record written on an earlier day."""
    order = rx_order(customer, product)
    if on is None:
        return supply_record_order(order=order, pharmacist=pharmacist, entries=good_entries(order))[0]
    [line] = rx_lines(order)
    prescription = line.prescription_dispense.prescription
    return SupplyRecord.objects.create(
        order_line=line,
        dispense=line.prescription_dispense,
        product=product,
        batch_number="OLD-1",
        expiry_date=GOOD_EXPIRY,
        pharmacist=pharmacist,
        created_at=timezone.make_aware(datetime.datetime.combine(on, datetime.time(12))),
        order_number=str(order.number),
        medicine_name=line.title,
        quantity=line.quantity,
        prescription_reference=prescription.reference,
        prescriber_name=prescription.prescriber_name,
        prescriber_registration=prescription.prescriber_registration,
        prescription_issued_on=prescription.issued_on,
        patient_name=prescription.patient_name,
        patient_address="House 14, Street 7, Islamabad",
        pharmacist_name="Ayesha Siddiqui",
    )


def test_the_csv_holds_every_column_an_inspector_needs(django_app, customer, medicine, pharmacist):
    record = supplied(customer, medicine, pharmacist)

    response = django_app.get(EXPORT_URL, {"download": "csv"}, user=pharmacist)

    assert response.content_type == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    [row] = csv_rows(response)
    assert row["Order"] == record.order_number
    assert row["Medicine"] == medicine.title and row["Quantity"] == "1"
    assert row["Batch number"] == "B-2026/117" and row["Expiry date"] == GOOD_EXPIRY.isoformat()
    assert row["Prescriber"] == "Dr. Farah Khan" and row["PMDC number"] == "12345-P"
    assert row["Date of prescription"] == record.prescription_issued_on.isoformat()
    assert row["Patient"] == "Sana Qureshi" and "Islamabad" in row["Patient's address"]
    assert row["Pharmacist"] == "Ayesha Siddiqui"
    assert row["Date of supply"].startswith(TODAY.isoformat())


def test_the_csv_filters_by_date_range_and_medicine(django_app, customer, medicine, pharmacist):
    other = RxProductFactory(title="Doxycycline 100 mg")
    DispensingPolicy.objects.create(product=other, max_supply_days=30)
    early = TODAY - datetime.timedelta(days=40)
    old = supplied(customer, medicine, pharmacist, on=early)
    new = supplied(UserFactory(), medicine, pharmacist)
    doxy = supplied(UserFactory(), other, pharmacist)

    def orders(**params):
        response = django_app.get(EXPORT_URL, {"download": "csv", **params}, user=pharmacist)
        return {row["Order"] for row in csv_rows(response)}

    assert orders() == {old.order_number, new.order_number, doxy.order_number}
    assert orders(date_from=TODAY.isoformat()) == {new.order_number, doxy.order_number}
    assert orders(date_to=early.isoformat()) == {old.order_number}
    assert orders(date_from=early.isoformat(), date_to=early.isoformat()) == {old.order_number}
    assert orders(product=other.pk) == {doxy.order_number}
    assert orders(product=medicine.pk, date_from=TODAY.isoformat()) == {new.order_number}


def test_a_spreadsheet_formula_in_a_name_is_kept_as_text(django_app, medicine, pharmacist):
    patient = UserFactory(first_name='=HYPERLINK("x")', last_name="Q")
    order = rx_order(patient, medicine)
    supply_record_order(order=order, pharmacist=pharmacist, entries=good_entries(order))

    [row] = csv_rows(django_app.get(EXPORT_URL, {"download": "csv"}, user=pharmacist))
    assert row["Patient"] == '\'=HYPERLINK("x") Q'


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date_from": "yesterday"}, "Enter a date"),
        ({"date_to": "2026-13-01"}, "Enter a date"),
        ({"date_from": "2026-12-02", "date_to": "2026-12-01"}, "before its start"),
        ({"product": "999999"}, "Choose a medicine from the list"),
        ({"product": "abc"}, "Choose a medicine from the list"),
    ],
)
def test_bad_filters_get_a_clear_form_error(django_app, pharmacist, params, message):
    response = django_app.get(EXPORT_URL, {"download": "csv", **params}, user=pharmacist, status=200)

    assert response.content_type == "text/html"
    assert message in response.text
