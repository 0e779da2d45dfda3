"""Two pharmacists recording the same order's supply at once: one record, the other told why (PostgreSQL)."""

from functools import partial

import pytest
from django.apps import apps
from django.db import connection

from prescriptions.models import DispensingPolicy, PrescriptionEvent, SupplyRecord
from prescriptions.services.supply import SupplyRefused, supply_record_order
from tests.factories import RxProductFactory, pharmacist_user
from tests.prescriptions.test_concurrency import run_together
from tests.prescriptions.test_supply import good_entries, rx_order

pytestmark = [
    pytest.mark.django_db(transaction=True, available_apps=[app.name for app in apps.get_app_configs()]),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite ignores SELECT ... FOR UPDATE; these run in CI's PostgreSQL pass",
    ),
]


def test_two_pharmacists_recording_one_order_at_once_write_one_supply(customer):
    product = RxProductFactory()
    DispensingPolicy.objects.create(product=product, max_supply_days=30)
    order = rx_order(customer, product)
    entries = good_entries(order)
    pharmacists = [pharmacist_user(), pharmacist_user()]

    outcomes = run_together(
        *(partial(supply_record_order, order=order, pharmacist=who, entries=entries) for who in pharmacists)
    )

    recorded = [outcome for outcome in outcomes if isinstance(outcome, list)]
    refused = [outcome for outcome in outcomes if isinstance(outcome, SupplyRefused)]
    assert (len(recorded), len(refused)) == (1, 1), outcomes
    assert "already recorded" in str(refused[0])
    assert SupplyRecord.objects.count() == 1
    assert PrescriptionEvent.objects.filter(action=PrescriptionEvent.Action.SUPPLIED).count() == 1
