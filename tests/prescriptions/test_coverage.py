"""The gate's rule (``coverage.allocate``) as a table: given the customer's prescriptions, when they order, then.

No database: every input is an unsaved model instance, so a row costs
microseconds. One row per ``Reason`` and per boundary of each predicate.
"""

import datetime
from dataclasses import dataclass, field

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from catalogue.models import DrugInformation
from prescriptions import messages
from prescriptions.coverage import Reason, RxLine, allocate, use_order
from prescriptions.models import (
    DispensingPolicy,
    Prescription,
    PrescriptionItem,
    RiskAcknowledgement,
    warning_fingerprint,
)
from prescriptions.policy import AcknowledgementProblem, ProductRules, default_policy
from prescriptions.selectors.gate import coverage_for_lines

TODAY = datetime.date(2026, 12, 2)
DAY = datetime.timedelta(days=1)
PRODUCT = 7
WARNING = "Do not take isotretinoin if you are pregnant."

Status = Prescription.Status


def days(n: int) -> datetime.timedelta:
    return n * DAY


@dataclass(frozen=True)
class Given:
    """One customer's situation: their rules, their approved prescription and its terms."""

    # Dispensing rules: validity 30 days (7 if the patient can become pregnant), 30 days' supply.
    policy: dict = field(default_factory=dict)
    own_rules: bool = True
    status: str = Status.APPROVED
    issued_on: datetime.date = TODAY - days(2)
    valid_until: datetime.date | None = TODAY + days(5)
    days_supply: int | None = 30
    can_become_pregnant: bool | None = False
    pregnancy_test_on: datetime.date | None = None
    remaining: int = 1
    # False: no approved prescription at all.
    approved: bool = True
    others: tuple = ()
    acknowledged: datetime.date | None = None
    acknowledged_wording: str = WARNING


def policy(**values) -> DispensingPolicy:
    rules = {"validity_days": 30, "validity_days_if_can_become_pregnant": 7, "max_supply_days": 30}
    return DispensingPolicy(product_id=PRODUCT, **{**rules, **values})


def rules_for(given: Given) -> ProductRules:
    drug = DrugInformation(pregnancy_warning=WARNING)
    return ProductRules(
        product_id=PRODUCT,
        requires_prescription=True,
        policy=policy(**given.policy) if given.own_rules else default_policy(drug=None),
        policy_product_id=PRODUCT if given.own_rules else None,
        drug=drug,
        drug_product_id=PRODUCT,
        acknowledgement_product_ids=frozenset({PRODUCT}),
    )


def prescription(pk=1, *, status=Status.APPROVED, **terms) -> Prescription:
    return Prescription(pk=pk, reference=f"RX-{pk:08d}", status=status, submitted_at=timezone.now(), **terms)


def item_for(given: Given, pk=1) -> PrescriptionItem:
    held = prescription(
        pk,
        status=given.status,
        issued_on=given.issued_on,
        valid_until=given.valid_until,
        days_supply=given.days_supply,
        patient_can_become_pregnant=given.can_become_pregnant,
        pregnancy_test_on=given.pregnancy_test_on,
    )
    return PrescriptionItem(
        pk=pk,
        prescription=held,
        product_id=PRODUCT,
        quantity_approved=given.remaining,
        quantity_remaining=given.remaining,
    )


def acknowledgements_for(given: Given) -> dict:
    if given.acknowledged is None:
        return {}
    at = timezone.make_aware(datetime.datetime.combine(given.acknowledged, datetime.time(12)))
    wording = given.acknowledged_wording
    ack = RiskAcknowledgement(
        pk=1, product_id=PRODUCT, acknowledged_at=at, warning_text=wording, warning_sha256=warning_fingerprint(wording)
    )
    return {PRODUCT: ack}


def line(quantity=1, key=1) -> RxLine:
    return RxLine(key=key, product_id=PRODUCT, title="Isotretinoin 20 mg", quantity=quantity)


def order(given: Given, *quantities: int, today=TODAY, check_acknowledgements=True):
    return allocate(
        [line(q, key=n) for n, q in enumerate(quantities or (1,))],
        items=[item_for(given)] if given.approved else [],
        other_prescriptions={PRODUCT: list(given.others)},
        rules={PRODUCT: rules_for(given)},
        acknowledgements=acknowledgements_for(given),
        today=today,
        check_acknowledgements=check_acknowledgements,
    )


def outcome(coverage) -> str:
    """ "covered", or the reasons in the order they were found."""
    if coverage.is_covered:
        return "covered"
    return " + ".join(s.reason.value for s in coverage.shortfalls)


ISOTRETINOIN = {"pregnancy_test_required": True, "risk_acknowledgement_required": True}
PACKS = {"units_per_pack": 30, "max_units_per_day": 4}  # 30 days' supply: at most 4 packs
CAN_BECOME_PREGNANT = {"can_become_pregnant": True, "pregnancy_test_on": TODAY - days(3), "acknowledged": TODAY}
pending = prescription(2, status=Status.PENDING, issued_on=TODAY)
rejected = prescription(3, status=Status.REJECTED, issued_on=TODAY, decided_at=timezone.now())
resubmit = prescription(4, status=Status.RESUBMIT, issued_on=TODAY, decided_at=timezone.now())
revoked = prescription(5, status=Status.REVOKED, issued_on=TODAY, decided_at=timezone.now())

TABLE = [
    # (name, given, packs ordered, then)
    ("an approval within every rule covers the line", Given(), 1, "covered"),
    # Where the customer stands without a usable approval.
    ("nothing on file", Given(approved=False), 1, Reason.NONE_ON_FILE),
    ("only a prescription waiting for review", Given(approved=False, others=(pending,)), 1, Reason.PENDING),
    ("only a rejected prescription", Given(approved=False, others=(rejected,)), 1, Reason.REJECTED),
    ("only a clearer copy asked for", Given(approved=False, others=(resubmit,)), 1, Reason.RESUBMIT),
    ("only a revoked prescription", Given(approved=False, others=(revoked,)), 1, Reason.REVOKED),
    (
        "a waiting prescription is news before an unusable approval",
        Given(valid_until=TODAY - DAY, others=(pending,)),
        1,
        Reason.PENDING,
    ),
    # The approval's own state (a row read before a pharmacist changed it).
    ("an approval revoked meanwhile", Given(status=Status.REVOKED), 1, Reason.REVOKED),
    ("an item whose prescription is not approved", Given(status=Status.PENDING), 1, Reason.PENDING),
    # Valid until: the last day counts.
    ("valid until today", Given(valid_until=TODAY), 1, "covered"),
    ("valid until yesterday", Given(valid_until=TODAY - DAY), 1, Reason.EXPIRED),
    ("no valid-until date", Given(valid_until=None), 1, Reason.EXPIRED),
    # Dispensing window from the date of issue: 30 days, 7 if the patient can become pregnant.
    ("written 30 days ago", Given(issued_on=TODAY - days(30)), 1, "covered"),
    ("written 31 days ago", Given(issued_on=TODAY - days(31)), 1, Reason.WINDOW_PASSED),
    (
        "can become pregnant, written 7 days ago",
        Given(issued_on=TODAY - days(7), **CAN_BECOME_PREGNANT, policy=ISOTRETINOIN),
        1,
        "covered",
    ),
    (
        "can become pregnant, written 8 days ago",
        Given(issued_on=TODAY - days(8), **CAN_BECOME_PREGNANT, policy=ISOTRETINOIN),
        1,
        Reason.WINDOW_PASSED,
    ),
    (
        "unknown whether she can become pregnant: the shorter window",
        Given(issued_on=TODAY - days(8), can_become_pregnant=None),
        1,
        Reason.WINDOW_PASSED,
    ),
    # Days' supply.
    ("30 days' supply, the most allowed", Given(days_supply=30), 1, "covered"),
    ("31 days' supply", Given(days_supply=31), 1, Reason.TOO_MANY_DAYS),
    ("days' supply not recorded", Given(days_supply=None), 1, Reason.TOO_MANY_DAYS),
    ("no limit on days' supply", Given(days_supply=90, policy={"max_supply_days": None}), 1, "covered"),
    # Packs: packs x units in a pack <= days' supply x most units a day.
    ("4 packs for 30 days at 4 a day", Given(policy=PACKS, remaining=9), 4, "covered"),
    ("5 packs for 30 days at 4 a day", Given(policy=PACKS, remaining=9), 5, Reason.TOO_MANY_PACKS),
    (
        "1 pack for 14 days at 4 a day (56 units, a pack holds 30)",
        Given(policy=PACKS, days_supply=14, remaining=9),
        1,
        "covered",
    ),
    ("2 packs for 14 days at 4 a day", Given(policy=PACKS, days_supply=14, remaining=9), 2, Reason.TOO_MANY_PACKS),
    ("no daily maximum: no pack limit", Given(policy={"units_per_pack": 30}, remaining=50), 50, "covered"),
    (
        "a daily maximum without a pack size allows no pack",
        Given(policy={"max_units_per_day": 4}, remaining=9),
        1,
        Reason.TOO_MANY_PACKS,
    ),
    (
        "a daily maximum without a days' supply allows no pack",
        Given(policy={**PACKS, "max_supply_days": None}, days_supply=None, remaining=9),
        1,
        Reason.TOO_MANY_PACKS,
    ),
    ("without rules of its own: one pack", Given(own_rules=False), 1, "covered"),
    ("without rules of its own: not two", Given(own_rules=False, remaining=2), 2, Reason.TOO_MANY_PACKS),
    ("without rules of its own: not 31 days' supply", Given(own_rules=False, days_supply=31), 1, Reason.TOO_MANY_DAYS),
    # Pregnancy test, counted back over the window for a patient who can become pregnant (7 days).
    (
        "a negative test today",
        Given(policy=ISOTRETINOIN, **{**CAN_BECOME_PREGNANT, "pregnancy_test_on": TODAY}),
        1,
        "covered",
    ),
    (
        "a test 7 days old",
        Given(policy=ISOTRETINOIN, **{**CAN_BECOME_PREGNANT, "pregnancy_test_on": TODAY - days(7)}),
        1,
        "covered",
    ),
    (
        "a test 8 days old",
        Given(policy=ISOTRETINOIN, **{**CAN_BECOME_PREGNANT, "pregnancy_test_on": TODAY - days(8)}),
        1,
        Reason.NO_PREGNANCY_TEST,
    ),
    (
        "a test dated tomorrow",
        Given(policy=ISOTRETINOIN, **{**CAN_BECOME_PREGNANT, "pregnancy_test_on": TODAY + DAY}),
        1,
        Reason.NO_PREGNANCY_TEST,
    ),
    (
        "no test recorded",
        Given(policy=ISOTRETINOIN, **{**CAN_BECOME_PREGNANT, "pregnancy_test_on": None}),
        1,
        Reason.NO_PREGNANCY_TEST,
    ),
    (
        "unknown whether she can become pregnant: the test is still needed",
        Given(policy=ISOTRETINOIN, issued_on=TODAY - DAY, can_become_pregnant=None, acknowledged=TODAY),
        1,
        Reason.NO_PREGNANCY_TEST,
    ),
    ("cannot become pregnant: no test needed", Given(policy=ISOTRETINOIN, acknowledged=TODAY), 1, "covered"),
    # What is left on the approval.
    ("exactly what is left", Given(remaining=2, policy={"refills_allowed": True}), 2, "covered"),
    ("more than is left", Given(remaining=1, policy={"refills_allowed": True}), 2, Reason.NOT_ENOUGH_LEFT),
    (
        "two lines of one product share what is left",
        Given(remaining=3, policy={"max_supply_days": None}),
        (2, 2),
        f"covered + {Reason.NOT_ENOUGH_LEFT}",
    ),
    (
        "two lines of one product share the pack limit",
        Given(policy=PACKS, remaining=9),
        (3, 2),
        f"covered + {Reason.TOO_MANY_PACKS}",
    ),
    # The acknowledgement of the pregnancy warning lasts the general validity (30 days).
    ("acknowledged 30 days ago", Given(policy=ISOTRETINOIN, acknowledged=TODAY - days(30)), 1, "covered"),
    (
        "acknowledged 31 days ago",
        Given(policy=ISOTRETINOIN, acknowledged=TODAY - days(31)),
        1,
        Reason.ACKNOWLEDGEMENT_MISSING,
    ),
    (
        "acknowledged a wording since changed",
        Given(policy=ISOTRETINOIN, acknowledged=TODAY, acknowledged_wording="An older warning."),
        1,
        Reason.ACKNOWLEDGEMENT_MISSING,
    ),
    (
        "never acknowledged, and nothing on file: both are said",
        Given(policy=ISOTRETINOIN, approved=False),
        1,
        f"{Reason.ACKNOWLEDGEMENT_MISSING} + {Reason.NONE_ON_FILE}",
    ),
]


@pytest.mark.parametrize(("given", "packs", "then"), [row[1:] for row in TABLE], ids=[row[0] for row in TABLE])
def test_the_gate(given, packs, then):
    packs = packs if isinstance(packs, tuple) else (packs,)
    coverage = order(given, *packs)
    if then.startswith("covered + "):
        # The first line is covered, the second is not.
        assert [a.line.key for a in coverage.allocations] == [0]
        assert outcome(coverage) == then.removeprefix("covered + ")
    else:
        assert outcome(coverage) == then


def test_every_reason_has_a_row():
    tested = {str(then) for _name, _given, _packs, then in TABLE}
    tested = {part.removeprefix("covered + ") for then in tested for part in then.split(" + ")}
    assert set(Reason) - {Reason.LOGIN_REQUIRED} <= tested


def test_an_anonymous_customer_is_asked_to_log_in():
    coverage = coverage_for_lines(user=AnonymousUser(), lines=[line()])

    assert outcome(coverage) == Reason.LOGIN_REQUIRED
    assert messages.shortfall_text(coverage.shortfalls[0]) == "Please log in to order prescription medicines."


def test_the_approval_that_runs_out_first_is_used_first():
    later = item_for(Given(valid_until=TODAY + days(20), remaining=1), pk=1)
    sooner = item_for(Given(valid_until=TODAY + days(3), remaining=1), pk=2)

    coverage = allocate(
        [line()],
        items=[later, sooner],
        rules={PRODUCT: rules_for(Given())},
        acknowledgements={},
        today=TODAY,
    )

    assert [a.item.pk for a in coverage.allocations] == [2]
    assert [i.pk for i in use_order([later, sooner])] == [2, 1]


def test_of_two_approvals_ending_the_same_day_the_older_is_used_first():
    first, second = item_for(Given(), pk=1), item_for(Given(), pk=2)

    assert [i.pk for i in use_order([second, first])] == [1, 2]


def test_an_unusable_approval_is_passed_over_for_a_usable_one():
    expired = item_for(Given(valid_until=TODAY - DAY), pk=1)
    current = item_for(Given(valid_until=TODAY + days(9)), pk=2)

    coverage = allocate(
        [line()], items=[expired, current], rules={PRODUCT: rules_for(Given())}, acknowledgements={}, today=TODAY
    )

    assert [a.item.pk for a in coverage.allocations] == [2]


def test_without_checking_acknowledgements_only_the_prescription_counts():
    given = Given(policy=ISOTRETINOIN)

    assert outcome(order(given)) == Reason.ACKNOWLEDGEMENT_MISSING
    assert outcome(order(given, check_acknowledgements=False)) == "covered"


def test_an_unacknowledged_line_takes_nothing_from_the_approval():
    coverage = order(Given(policy=ISOTRETINOIN))

    assert coverage.allocations == []


def test_the_refusal_carries_the_facts_it_rests_on():
    [shortfall] = order(Given(issued_on=TODAY - days(31))).shortfalls

    assert shortfall.on_approval
    assert shortfall.prescription.reference == "RX-00000001"
    assert shortfall.details == {"window_end": TODAY - DAY, "days": 30}


@pytest.mark.parametrize(
    ("given", "packs", "sentence"),
    [
        (
            Given(issued_on=TODAY - days(31)),
            1,
            "Isotretinoin 20 mg: Prescription RX-00000001 can only be dispensed "
            "until 1 December 2026, 30 days after it was written.",
        ),
        (Given(valid_until=TODAY - DAY), 1, "Isotretinoin 20 mg: Prescription RX-00000001 expired on 1 December 2026."),
        (
            Given(policy=PACKS, remaining=9),
            5,
            "Isotretinoin 20 mg: Prescription RX-00000001 covers at most 4 packs in "
            "one order, 30 days' supply; your basket has 5.",
        ),
        (
            Given(own_rules=False, remaining=2),
            2,
            "Isotretinoin 20 mg: Prescription RX-00000001 covers at most 1 pack "
            "in one order, 30 days' supply; your basket has 2.",
        ),
        (
            Given(approved=False),
            1,
            "Isotretinoin 20 mg needs a prescription approved by our pharmacist before you can order it.",
        ),
        (
            Given(approved=False, others=(pending,)),
            1,
            "Your prescription RX-00000002 for Isotretinoin 20 mg is waiting for our pharmacist's review.",
        ),
        (
            Given(policy=ISOTRETINOIN, acknowledged=TODAY - days(31)),
            1,
            "You acknowledged the pregnancy warning for "
            "Isotretinoin 20 mg on 1 November 2026, more than 30 days ago. Please read it and acknowledge it again.",
        ),
    ],
)
def test_the_customer_reads_the_refusal_with_its_dates_in_the_shops_format(given, packs, sentence):
    assert messages.shortfall_text(order(given, packs).shortfalls[0]) == sentence


def test_an_acknowledgement_problem_is_given_with_its_kind():
    [shortfall] = order(Given(policy=ISOTRETINOIN, acknowledged=TODAY, acknowledged_wording="Old.")).shortfalls

    assert shortfall.details["problem"] is AcknowledgementProblem.WARNING_CHANGED
