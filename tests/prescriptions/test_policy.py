"""A product's dispensing rules hold together, whoever writes them; without a database."""

import pytest
from django.core.exceptions import ValidationError

from catalogue.models import DrugInformation
from prescriptions.models import DispensingPolicy
from prescriptions.policy import default_policy


def errors_of(**values) -> dict:
    try:
        DispensingPolicy(**values).clean()
    except ValidationError as refused:
        return refused.message_dict
    return {}


@pytest.mark.parametrize(
    ("values", "then"),
    [
        ({"validity_days": 30}, {}),
        ({"units_per_pack": 30, "max_units_per_day": 4}, {}),
        ({"units_per_pack": 30}, {}),
        (
            {"max_units_per_day": 4},
            {"units_per_pack": ["Give the units in a pack, so the most units a day limits the packs."]},
        ),
        ({"validity_days": 30, "validity_days_if_can_become_pregnant": 30}, {}),
        (
            {"validity_days": 30, "validity_days_if_can_become_pregnant": 31},
            {"validity_days_if_can_become_pregnant": ["This should not be longer than the general validity."]},
        ),
    ],
    ids=[
        "general validity only",
        "pack size and daily maximum",
        "pack size without a daily maximum",
        "a daily maximum without a pack size",
        "the pregnancy window as long as the general one",
        "the pregnancy window longer than the general one",
    ],
)
def test_the_rules_must_hold_together(values, then):
    assert errors_of(**values) == then


@pytest.mark.parametrize(
    ("can_become_pregnant", "days"), [(True, 7), (None, 7), (False, 30)], ids=["can", "unknown", "cannot"]
)
def test_an_unknown_pregnancy_status_gets_the_shorter_window(can_become_pregnant, days):
    policy = DispensingPolicy(validity_days=30, validity_days_if_can_become_pregnant=7)

    assert policy.validity_window_days(can_become_pregnant=can_become_pregnant) == days


def test_a_medicine_without_rules_is_dispensed_strictly():
    policy = default_policy(drug=DrugInformation(pregnancy_risk=DrugInformation.PregnancyRisk.CAUTION))

    assert (policy.validity_days, policy.max_supply_days, policy.refills_allowed) == (30, 30, False)
    assert policy.validity_days_if_can_become_pregnant is None
    assert not (policy.pregnancy_test_required or policy.risk_acknowledgement_required)


def test_a_medicine_that_must_not_be_used_in_pregnancy_gets_the_pregnancy_rules_by_default():
    policy = default_policy(drug=DrugInformation(pregnancy_risk=DrugInformation.PregnancyRisk.CONTRAINDICATED))

    assert policy.validity_window_days(can_become_pregnant=None) == 7
    assert policy.pregnancy_test_required and policy.risk_acknowledgement_required
    assert policy.max_supply_days == 30
