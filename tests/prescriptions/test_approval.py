"""The pharmacist's rule (``approval.approval_problems``) as a table, without a database.

One row per ``Problem`` and per boundary; the terms are held to the same
predicates as the gate (tests/prescriptions/test_coverage.py).
"""

import datetime
from dataclasses import dataclass, field

import pytest

from catalogue.models import Product
from prescriptions import messages
from prescriptions.approval import Approval, Problem, approval_problems, checklist_for, unticked_checklist
from prescriptions.models import DispensingPolicy
from prescriptions.policy import ProductRules, default_policy

TODAY = datetime.date(2026, 12, 2)
DAY = datetime.timedelta(days=1)
ISOTRETINOIN = Product(pk=7, title="Isotretinoin 20 mg")
CLEANSER = Product(pk=8, title="Gentle cleanser")
ISOTRETINOIN_RULES = {"pregnancy_test_required": True, "risk_acknowledgement_required": True}


@dataclass(frozen=True)
class Given:
    """A prescription for isotretinoin written two days ago, and the rules it is approved under."""

    policy: dict = field(default_factory=dict)
    own_rules: bool = True
    issued_on: datetime.date = TODAY - 2 * DAY
    unticked: tuple = ()


def rules_for(given: Given) -> ProductRules:
    values = {"validity_days": 30, "validity_days_if_can_become_pregnant": 7, "max_supply_days": 30, **given.policy}
    return ProductRules(
        product_id=ISOTRETINOIN.pk,
        requires_prescription=True,
        policy=DispensingPolicy(**values) if given.own_rules else default_policy(drug=None),
        policy_product_id=ISOTRETINOIN.pk if given.own_rules else None,
        drug=None,
        drug_product_id=None,
    )


def approve(given: Given, **terms) -> list:
    rules = rules_for(given)
    checklist = {key: key not in given.unticked for key, _label in checklist_for(policies=[rules.policy])}
    terms = {
        "quantities": {ISOTRETINOIN: 1},
        "valid_until": TODAY + 5 * DAY,
        "days_supply": 30,
        "patient_can_become_pregnant": False,
        **terms,
    }
    return approval_problems(
        approval=Approval(**terms),
        checklist=checklist,
        issued_on=given.issued_on,
        requested_product_ids=[ISOTRETINOIN.pk],
        rules={ISOTRETINOIN.pk: rules},
        today=TODAY,
    )


def codes(problems) -> list[str]:
    return [p.code.value for p in problems] or ["approved"]


PACKS = {"units_per_pack": 30, "max_units_per_day": 4}
CAN_BECOME_PREGNANT = {"patient_can_become_pregnant": True, "pregnancy_test_on": TODAY - 3 * DAY}

TABLE = [
    # (name, given, when: the terms, then)
    ("terms within every rule", Given(), {}, ["approved"]),
    ("a checklist item not ticked", Given(unticked=("signature_present",)), {}, [Problem.UNTICKED]),
    (
        "contraception need not be ticked for a patient who cannot become pregnant",
        Given(policy=ISOTRETINOIN_RULES, unticked=("contraception_confirmed",)),
        {},
        ["approved"],
    ),
    (
        "contraception must be ticked for a patient who can become pregnant",
        Given(policy=ISOTRETINOIN_RULES, unticked=("contraception_confirmed",)),
        CAN_BECOME_PREGNANT,
        [Problem.UNTICKED],
    ),
    ("no quantity above zero", Given(), {"quantities": {ISOTRETINOIN: 0}}, [Problem.NOTHING_APPROVED]),
    (
        "a medicine the prescription is not for",
        Given(),
        {"quantities": {ISOTRETINOIN: 1, CLEANSER: 1}},
        [Problem.NOT_ON_PRESCRIPTION],
    ),
    (
        "only a medicine the prescription is not for",
        Given(),
        {"quantities": {CLEANSER: 1}},
        [Problem.NOT_ON_PRESCRIPTION],
    ),
    # Valid until: not in the past, and not after the dispensing window.
    ("valid until today", Given(), {"valid_until": TODAY}, ["approved"]),
    (
        "valid until yesterday",
        Given(issued_on=TODAY - 5 * DAY),
        {"valid_until": TODAY - DAY},
        [Problem.VALID_UNTIL_PASSED],
    ),
    ("valid until the window's last day", Given(), {"valid_until": TODAY + 28 * DAY}, ["approved"]),
    ("valid a day after the window", Given(), {"valid_until": TODAY + 29 * DAY}, [Problem.AFTER_WINDOW]),
    (
        "can become pregnant: the 7-day window",
        Given(policy=ISOTRETINOIN_RULES),
        {**CAN_BECOME_PREGNANT, "valid_until": TODAY + 6 * DAY},
        [Problem.AFTER_WINDOW],
    ),
    # Days' supply.
    ("30 days' supply", Given(), {"days_supply": 30}, ["approved"]),
    ("31 days' supply", Given(), {"days_supply": 31}, [Problem.TOO_MANY_DAYS]),
    ("days' supply left blank", Given(), {"days_supply": None}, [Problem.TOO_MANY_DAYS]),
    # Packs.
    ("4 packs at 4 a day for 30 days", Given(policy=PACKS), {"quantities": {ISOTRETINOIN: 4}}, ["approved"]),
    (
        "5 packs at 4 a day for 30 days",
        Given(policy=PACKS),
        {"quantities": {ISOTRETINOIN: 5}},
        [Problem.TOO_MANY_PACKS],
    ),
    (
        "2 packs at 4 a day for 14 days",
        Given(policy=PACKS),
        {"quantities": {ISOTRETINOIN: 2}, "days_supply": 14},
        [Problem.TOO_MANY_PACKS],
    ),
    ("a daily maximum without a pack size", Given(policy={"max_units_per_day": 4}), {}, [Problem.TOO_MANY_PACKS]),
    (
        "without rules of its own, two packs",
        Given(own_rules=False),
        {"quantities": {ISOTRETINOIN: 2}},
        [Problem.TOO_MANY_PACKS],
    ),
    # Pregnancy.
    (
        "whether she can become pregnant is not recorded",
        Given(policy=ISOTRETINOIN_RULES),
        {"patient_can_become_pregnant": None},
        [Problem.PREGNANCY_STATUS_UNKNOWN],
    ),
    ("a negative test 3 days ago", Given(policy=ISOTRETINOIN_RULES), CAN_BECOME_PREGNANT, ["approved"]),
    (
        "a test 7 days ago",
        Given(policy=ISOTRETINOIN_RULES),
        {**CAN_BECOME_PREGNANT, "pregnancy_test_on": TODAY - 7 * DAY},
        ["approved"],
    ),
    (
        "a test 8 days ago",
        Given(policy=ISOTRETINOIN_RULES),
        {**CAN_BECOME_PREGNANT, "pregnancy_test_on": TODAY - 8 * DAY},
        [Problem.NO_PREGNANCY_TEST],
    ),
    (
        "a test dated tomorrow",
        Given(policy=ISOTRETINOIN_RULES),
        {**CAN_BECOME_PREGNANT, "pregnancy_test_on": TODAY + DAY},
        [Problem.NO_PREGNANCY_TEST],
    ),
    (
        "no test date",
        Given(policy=ISOTRETINOIN_RULES),
        {**CAN_BECOME_PREGNANT, "pregnancy_test_on": None},
        [Problem.NO_PREGNANCY_TEST],
    ),
    (
        "several terms broken at once are all given",
        Given(policy=PACKS),
        {"quantities": {ISOTRETINOIN: 9}, "days_supply": 31, "valid_until": TODAY + 40 * DAY},
        [Problem.AFTER_WINDOW, Problem.TOO_MANY_DAYS, Problem.TOO_MANY_PACKS],
    ),
]


@pytest.mark.parametrize(("given", "terms", "then"), [row[1:] for row in TABLE], ids=[row[0] for row in TABLE])
def test_the_approval(given, terms, then):
    assert codes(approve(given, **terms)) == [str(code) for code in then]


def test_every_problem_has_a_row():
    assert {str(code) for *_rest, then in TABLE for code in then} >= {str(p) for p in Problem}


def test_the_checklist_says_which_items_are_missing_in_its_order():
    policies = [DispensingPolicy(**ISOTRETINOIN_RULES)]
    ticked = {"prescriber_verified": True, "patient_matches": True, "monitoring_ok": "yes"}

    missing = unticked_checklist(ticked, policies=policies, patient_can_become_pregnant=None)

    assert missing == [
        "date_within_window",
        "drug_details_ok",
        "signature_present",
        "contraception_confirmed",
        "monitoring_ok",
        "no_interacting_medicines",
    ]


@pytest.mark.parametrize(
    ("given", "terms", "sentence"),
    [
        (
            Given(),
            {"valid_until": TODAY + 29 * DAY},
            "It cannot be valid after 30 December 2026: 30 days from the date of issue.",
        ),
        (
            Given(policy=PACKS),
            {"quantities": {ISOTRETINOIN: 5}},
            "Approve at most 4 packs of Isotretinoin 20 mg for 30 days: 30 in a pack, at most 4 a day.",
        ),
        (
            Given(own_rules=False),
            {"quantities": {ISOTRETINOIN: 2}},
            "Approve at most one pack of Isotretinoin 20 mg: "
            "it has no dispensing rules saying how much a pack holds. Set its units in a pack and most units a day to "
            "approve more.",
        ),
        (
            Given(policy={"max_units_per_day": 4}),
            {},
            "The rules for Isotretinoin 20 mg set the most units a day but not the units in a pack; set them first.",
        ),
        (
            Given(unticked=("signature_present",)),
            {},
            "Tick every item of the checklist before approving. Not ticked: "
            "Prescriber's signature (and stamp) is present",
        ),
    ],
)
def test_the_pharmacist_reads_the_refusal(given, terms, sentence):
    assert messages.approval_problem_texts(approve(given, **terms)) == [sentence]
