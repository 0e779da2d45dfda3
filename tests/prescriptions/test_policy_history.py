"""Every change to a product's dispensing rules is recorded: who, when, and the rules before and after."""

import pytest
from django.core.exceptions import PermissionDenied

from prescriptions.models import DispensingPolicy, DispensingPolicyChange
from prescriptions.services.policies import dispensing_policy_save
from tests.factories import RxProductFactory, UserFactory, pharmacist_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def rx_product():
    return RxProductFactory(title="Isotretinoin 20 mg capsules, 30")


def edit_rules(app, product, pharmacist, **values):
    form = app.get(f"/dashboard/pharmacy/rules/{product.pk}/", user=pharmacist).forms["policy_form"]
    for name, value in values.items():
        form[name] = value
    return form.submit(user=pharmacist)


def test_writing_rules_for_the_first_time_is_recorded_with_who_and_what(django_app, rx_product):
    pharmacist = pharmacist_user()

    edit_rules(django_app, rx_product, pharmacist, validity_days="28", units_per_pack="30", max_units_per_day="4")

    change = DispensingPolicyChange.objects.get()
    assert (change.product, change.actor, change.before) == (rx_product, pharmacist, None)
    assert change.after == {
        "validity_days": 28,
        "validity_days_if_can_become_pregnant": None,
        "max_supply_days": 30,
        "units_per_pack": 30,
        "max_units_per_day": 4,
        "refills_allowed": False,
        "pregnancy_test_required": False,
        "risk_acknowledgement_required": False,
    }


def test_an_edit_records_the_rules_before_and_after(django_app, rx_product):
    DispensingPolicy.objects.create(product=rx_product, validity_days=30, max_supply_days=30)
    pharmacist = pharmacist_user()

    edit_rules(django_app, rx_product, pharmacist, max_supply_days="28", refills_allowed=True)

    change = DispensingPolicyChange.objects.get()
    assert (change.before["max_supply_days"], change.after["max_supply_days"]) == (30, 28)
    assert (change.before["refills_allowed"], change.after["refills_allowed"]) == (False, True)
    assert [label for label, _before, _after in change.differences()] == [
        "most days' supply per approval",
        "refills allowed",
    ]
    assert DispensingPolicy.objects.get(product=rx_product).max_supply_days == 28


def test_saving_unchanged_rules_records_nothing(django_app, rx_product):
    DispensingPolicy.objects.create(product=rx_product, validity_days=30)

    edit_rules(django_app, rx_product, pharmacist_user())

    assert not DispensingPolicyChange.objects.exists()


def test_the_edit_page_shows_the_history_newest_first(django_app, rx_product):
    first, second = pharmacist_user(email="first@example.com"), pharmacist_user(email="second@example.com")
    edit_rules(django_app, rx_product, first, validity_days="30")
    edit_rules(django_app, rx_product, second, validity_days="14")

    page = django_app.get(f"/dashboard/pharmacy/rules/{rx_product.pk}/", user=second)

    rows = [" ".join(row.text.split()) for row in page.html.select("#policy-history tbody tr")]
    assert len(rows) == 2
    assert "second@example.com" in rows[0] and "Valid for (days from date of issue): 30 → 14" in rows[0]
    assert "first@example.com" in rows[1] and "written for the first time" in rows[1]


def test_only_pharmacists_can_change_rules_through_the_service(rx_product):
    with pytest.raises(PermissionDenied):
        dispensing_policy_save(product=rx_product, pharmacist=UserFactory(is_staff=True), values={"validity_days": 90})

    assert not DispensingPolicy.objects.exists()
    assert not DispensingPolicyChange.objects.exists()


def test_the_service_refuses_values_that_are_not_rules(rx_product):
    with pytest.raises(ValueError, match="product"):
        dispensing_policy_save(product=rx_product, pharmacist=pharmacist_user(), values={"product": None})


def test_the_rule_history_is_append_only(rx_product):
    dispensing_policy_save(product=rx_product, pharmacist=pharmacist_user(), values={"validity_days": 30})
    change = DispensingPolicyChange.objects.get()

    change.after = {}
    with pytest.raises(PermissionDenied):
        change.save()
    with pytest.raises(PermissionDenied):
        change.delete()
    with pytest.raises(PermissionDenied):
        DispensingPolicyChange.objects.update(after={})
    with pytest.raises(PermissionDenied):
        DispensingPolicyChange.objects.all().delete()
