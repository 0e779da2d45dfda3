"""The database refuses to rewrite the audit trail and the rule history, even for raw SQL."""

import pytest
from django.db import DatabaseError, connection, transaction

from prescriptions.models import DispensingPolicyChange, DrugInformationChange, PrescriptionEvent, ProductSwitchChange
from prescriptions.services.policies import dispensing_policy_save
from prescriptions.services.switches import drug_information_save, product_switches_save
from tests.factories import DrugInformationFactory, RxProductFactory, pharmacist_user, submit_prescription

pytestmark = pytest.mark.django_db

AUDIT_TABLES = [
    "prescriptions_prescriptionevent",
    "prescriptions_dispensingpolicychange",
    "prescriptions_productswitchchange",
    "prescriptions_druginformationchange",
]


@pytest.fixture
def audit_rows(customer):
    product = RxProductFactory()
    submit_prescription(customer, [product])
    pharmacist = pharmacist_user()
    dispensing_policy_save(product=product, pharmacist=pharmacist, values={"validity_days": 30})
    product_switches_save(product=product, pharmacist=pharmacist, requires_prescription=False, drug_information=None)
    drug_information_save(
        drug=DrugInformationFactory(drug_class=""), pharmacist=pharmacist, values={"summary": "Changed."}, questions=[]
    )
    return {
        "prescriptions_prescriptionevent": PrescriptionEvent.objects.get(),
        "prescriptions_dispensingpolicychange": DispensingPolicyChange.objects.get(),
        "prescriptions_productswitchchange": ProductSwitchChange.objects.get(),
        "prescriptions_druginformationchange": DrugInformationChange.objects.get(),
    }


def raw(sql, params):
    # A savepoint, so that on PostgreSQL the refused statement leaves the test's transaction usable.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.parametrize("table", AUDIT_TABLES)
def test_the_database_refuses_to_change_a_row(audit_rows, table):
    row = audit_rows[table]
    column = "reason" if table == "prescriptions_prescriptionevent" else "after"
    value = "rewritten" if column == "reason" else "{}"

    with pytest.raises(DatabaseError, match="append-only"):
        raw(f"UPDATE {table} SET {column} = %s WHERE id = %s", [value, row.pk])

    fresh = type(row).objects.get(pk=row.pk)
    assert getattr(fresh, column) == getattr(row, column)


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite refuses updates only: Django's test runner empties SQLite with DELETE between transactional tests",
)
@pytest.mark.parametrize("table", AUDIT_TABLES)
def test_postgresql_refuses_to_delete_a_row(audit_rows, table):
    row = audit_rows[table]

    with pytest.raises(DatabaseError, match="append-only"):
        raw(f"DELETE FROM {table} WHERE id = %s", [row.pk])

    assert type(row).objects.filter(pk=row.pk).exists()


@pytest.mark.parametrize("table", AUDIT_TABLES)
def test_the_trigger_is_in_place(db, table):
    """SQLite drops a table's triggers when a migration rebuilds it: this notices."""
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
