"""The database refuses to rewrite the audit trail and the rule history, even for raw SQL."""

import pytest
from django.db import DatabaseError, connection, transaction

from prescriptions.models import DispensingPolicyChange, PrescriptionEvent
from prescriptions.services.policies import dispensing_policy_save
from tests.factories import RxProductFactory, pharmacist_user, submit_prescription

pytestmark = pytest.mark.django_db

AUDIT_TABLES = ["prescriptions_prescriptionevent", "prescriptions_dispensingpolicychange"]


@pytest.fixture
def audit_rows(customer):
    product = RxProductFactory()
    submit_prescription(customer, [product])
    dispensing_policy_save(product=product, pharmacist=pharmacist_user(), values={"validity_days": 30})
    return {
        "prescriptions_prescriptionevent": PrescriptionEvent.objects.get(),
        "prescriptions_dispensingpolicychange": DispensingPolicyChange.objects.get(),
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
