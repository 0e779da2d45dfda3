"""Hand-written mutants of the prescription rule, and whether the tests catch each one.

Each mutant is one plausible bug: a piece of source replaced by a wrong
version. ``bin/mutate`` applies them one at a time, runs the tests named for
it, and puts the file back. A mutant is caught when those tests fail. The
rule modules' own tests need no database, so most mutants cost a few seconds.
Run ``bin/mutate --list`` to see them, ``bin/mutate NAME...`` to run some.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULE_TESTS = (
    "tests/prescriptions/test_coverage.py",
    "tests/prescriptions/test_approval.py",
    "tests/prescriptions/test_policy.py",
    "tests/prescriptions/test_interaction_pairing.py",
)


@dataclass(frozen=True)
class Mutant:
    name: str
    path: str
    original: str
    mutated: str
    bug: str
    tests: tuple[str, ...] = RULE_TESTS
    # Why no test can tell it apart from the real code, when that is so.
    equivalent: str = ""


MUTANTS = [
    # prescriptions/policy.py: the predicates shared by the gate and the approval
    Mutant(
        "no-rules-unlimited",
        "prescriptions/policy.py",
        "return DEFAULT_MOST_PACKS",
        "return None",
        "a product without rules may have any number of packs",
    ),
    Mutant(
        "unworkable-rules-unlimited",
        "prescriptions/policy.py",
        "if not policy.units_per_pack or not days_supply:\n            return 0",
        "if not policy.units_per_pack or not days_supply:\n            return None",
        "rules without a pack size or days' supply allow unlimited packs",
    ),
    Mutant(
        "packs-off-by-one",
        "prescriptions/policy.py",
        "return days_supply * policy.max_units_per_day //",
        "return (days_supply + 1) * policy.max_units_per_day //",
        "one day's packs too many",
    ),
    Mutant(
        "supply-limit-inclusive",
        "prescriptions/policy.py",
        "days_supply > policy.max_supply_days",
        "days_supply >= policy.max_supply_days",
        "the most days' supply allowed is refused",
    ),
    Mutant(
        "unknown-supply-passes",
        "prescriptions/policy.py",
        "(days_supply is None or days_supply >",
        "(days_supply is not None and days_supply >",
        "an approval without a days' supply passes the limit",
    ),
    Mutant(
        "pack-limit-inclusive",
        "prescriptions/policy.py",
        "return most is not None and packs > most",
        "return most is not None and packs >= most",
        "the most packs allowed are refused",
    ),
    Mutant(
        "unknown-pregnancy-skips-test",
        "prescriptions/policy.py",
        "return policy.pregnancy_test_required and can_become_pregnant is not False",
        "return policy.pregnancy_test_required and can_become_pregnant is True",
        "an unknown pregnancy status skips the test",
    ),
    Mutant(
        "future-pregnancy-test",
        "prescriptions/policy.py",
        "tested_on is not None and tested_on <= today and",
        "tested_on is not None and",
        "a future-dated pregnancy test is accepted",
    ),
    Mutant(
        "pregnancy-test-window-short",
        "prescriptions/policy.py",
        "(today - tested_on).days <= window_days",
        "(today - tested_on).days < window_days",
        "a test on the window's first day is refused",
    ),
    Mutant(
        "pregnancy-test-general-window",
        "prescriptions/policy.py",
        "return policy.validity_window_days(can_become_pregnant=True)",
        "return policy.validity_window_days(can_become_pregnant=False)",
        "the pregnancy test counts over the general (30-day) window",
    ),
    Mutant(
        "window-ignores-pregnancy",
        "prescriptions/policy.py",
        "policy.validity_window_days(can_become_pregnant=can_become_pregnant))",
        "policy.validity_window_days(can_become_pregnant=False))",
        "the dispensing window ignores whether the patient can become pregnant",
    ),
    Mutant(
        "acknowledgement-never-lapses",
        "prescriptions/policy.py",
        "if acknowledgement_lapses_on(ack, rules) < today:",
        "if acknowledgement_lapses_on(ack, rules) < today - datetime.timedelta(days=365):",
        "an acknowledgement lasts a year longer",
    ),
    Mutant(
        "acknowledgement-lapses-early",
        "prescriptions/policy.py",
        "if acknowledgement_lapses_on(ack, rules) < today:",
        "if acknowledgement_lapses_on(ack, rules) <= today:",
        "an acknowledgement lapses on its last day",
    ),
    Mutant(
        "changed-warning-counts",
        "prescriptions/policy.py",
        "if ack.warning_sha256 != warning_fingerprint(rules.warning_text):",
        "if False:",
        "an acknowledgement of an older wording counts",
    ),
    Mutant(
        "default-no-pregnancy-test",
        "prescriptions/policy.py",
        "pregnancy_test_required=contraindicated,",
        "pregnancy_test_required=False,",
        "a contraindicated medicine without rules needs no pregnancy test",
    ),
    Mutant(
        "default-long-supply",
        "prescriptions/policy.py",
        "max_supply_days=DEFAULT_MAX_SUPPLY_DAYS,",
        "max_supply_days=None,",
        "a medicine without rules has no days' supply limit",
    ),
    # prescriptions/models.py: the window of one policy
    Mutant(
        "unknown-pregnancy-long-window",
        "prescriptions/models.py",
        "if can_become_pregnant is not False and self.validity_days_if_can_become_pregnant:",
        "if can_become_pregnant is True and self.validity_days_if_can_become_pregnant:",
        "an unknown pregnancy status gets the general window",
    ),
    Mutant(
        "policy-allows-daily-maximum-alone",
        "prescriptions/models.py",
        "if self.max_units_per_day and not self.units_per_pack:",
        "if False:",
        "rules with a daily maximum and no pack size are saved",
    ),
    # prescriptions/coverage.py: the gate
    Mutant(
        "latest-approval-first",
        "prescriptions/coverage.py",
        "return sorted(items, key=lambda i: (i.prescription.valid_until or datetime.date.max, i.pk))",
        "return sorted(items, key=lambda i: (i.prescription.valid_until or datetime.date.max, i.pk), reverse=True)",
        "the approval that runs out last is used first",
    ),
    Mutant(
        "expiry-day-refused",
        "prescriptions/coverage.py",
        "prescription.valid_until < today:",
        "prescription.valid_until <= today:",
        "an approval is refused on its last day",
    ),
    Mutant(
        "window-day-refused",
        "prescriptions/coverage.py",
        "if window_end < today:",
        "if window_end <= today:",
        "a prescription is refused on the window's last day",
    ),
    Mutant(
        "expiry-unchecked",
        "prescriptions/coverage.py",
        "if prescription.valid_until is None or prescription.valid_until < today:",
        "if False:",
        "an expired approval covers the line",
    ),
    Mutant(
        "window-unchecked",
        "prescriptions/coverage.py",
        "if window_end < today:",
        "if False:",
        "a prescription past its dispensing window covers the line",
    ),
    Mutant(
        "revoked-reads-pending",
        "prescriptions/coverage.py",
        "if prescription.status == Prescription.Status.REVOKED:",
        "if False:",
        "a revoked approval is explained as not approved",
    ),
    Mutant(
        "unapproved-item-counts",
        "prescriptions/coverage.py",
        "if prescription.status != Prescription.Status.APPROVED:",
        "if False:",
        "an item whose prescription is no longer approved covers the line",
    ),
    Mutant(
        "packs-per-line",
        "prescriptions/coverage.py",
        "exceeds_pack_limit(most, in_order + quantity)",
        "exceeds_pack_limit(most, quantity)",
        "two lines of one product each get the pack limit",
    ),
    Mutant(
        "supply-unchecked",
        "prescriptions/coverage.py",
        "if exceeds_supply_limit(policy, prescription.days_supply):",
        "if False:",
        "an approval for too many days covers the line",
    ),
    Mutant(
        "pregnancy-test-unchecked",
        "prescriptions/coverage.py",
        "if not pregnancy_test_current(prescription.pregnancy_test_on, window_days=window, today=today):",
        "if False:",
        "a missing or stale pregnancy test passes the gate",
    ),
    Mutant(
        "remaining-inclusive",
        "prescriptions/coverage.py",
        "if item.quantity_remaining < quantity:",
        "if item.quantity_remaining <= quantity:",
        "the last packs of an approval are refused",
    ),
    Mutant(
        "unacknowledged-takes-packs",
        "prescriptions/coverage.py",
        "if not unacknowledged:",
        "if True:",
        "a line refused for its acknowledgement still takes from the approval",
    ),
    Mutant(
        "remaining-not-shared",
        "prescriptions/coverage.py",
        "remaining[item.pk] -= line.quantity",
        "remaining[item.pk] -= 0",
        "two lines of one product both take what is left",
    ),
    Mutant(
        "acknowledgement-always-checked",
        "prescriptions/coverage.py",
        "if check_acknowledgements and line_rules.policy.risk_acknowledgement_required",
        "if line_rules.policy.risk_acknowledgement_required",
        "the product page's prescription status counts a missing acknowledgement",
    ),
    Mutant(
        "acknowledgement-never-checked",
        "prescriptions/coverage.py",
        "if check_acknowledgements and line_rules.policy.risk_acknowledgement_required",
        "if False",
        "the pregnancy warning need not be acknowledged",
    ),
    Mutant(
        "pending-news-hidden",
        "prescriptions/coverage.py",
        "    if waiting:\n",
        "    if waiting and problem is None:\n",
        "a prescription waiting for review is not mentioned beside an unusable approval",
    ),
    # prescriptions/approval.py: the pharmacist's approval
    Mutant(
        "approve-medicine-not-on-prescription",
        "prescriptions/approval.py",
        "if any(product.pk not in requested for product in quantities):",
        "if False:",
        "a medicine that was not on the prescription is approved",
    ),
    Mutant(
        "approve-zero-packs",
        "prescriptions/approval.py",
        "if qty and qty > 0}",
        "if qty is not None}",
        "an approval of no packs at all is accepted",
    ),
    Mutant(
        "approve-valid-until-today-refused",
        "prescriptions/approval.py",
        "if approval.valid_until < today:",
        "if approval.valid_until <= today:",
        "an approval valid until today is refused",
    ),
    Mutant(
        "approve-past-window",
        "prescriptions/approval.py",
        "if approval.valid_until > latest:",
        "if approval.valid_until > latest + datetime.timedelta(days=1):",
        "an approval may last a day past the dispensing window",
    ),
    Mutant(
        "approve-unknown-pregnancy",
        "prescriptions/approval.py",
        "if policy.pregnancy_test_required and approval.patient_can_become_pregnant is None:",
        "if False:",
        "an approval under pregnancy rules leaves the patient's status unrecorded",
    ),
    Mutant(
        "approve-without-test",
        "prescriptions/approval.py",
        "if not pregnancy_test_current(approval.pregnancy_test_on, window_days=window, today=today):",
        "if False:",
        "an approval for a patient who can become pregnant needs no test",
    ),
    Mutant(
        "approve-unchecked-supply",
        "prescriptions/approval.py",
        "if exceeds_supply_limit(policy, approval.days_supply):",
        "if False:",
        "an approval for too many days' supply is accepted",
    ),
    Mutant(
        "approve-unchecked-packs",
        "prescriptions/approval.py",
        "if exceeds_pack_limit(most, quantity):",
        "if False:",
        "an approval for too many packs is accepted",
    ),
    Mutant(
        "checklist-truthy",
        "prescriptions/approval.py",
        "if checklist.get(key) is not True]",
        "if not checklist.get(key)]",
        "a checklist answer that is not a tick counts as one",
    ),
    Mutant(
        "contraception-skipped-when-unknown",
        "prescriptions/approval.py",
        "if patient_can_become_pregnant is False:",
        "if patient_can_become_pregnant is not True:",
        "contraception need not be confirmed when pregnancy status is unknown",
    ),
    # prescriptions/interactions.py: which medicines clash
    Mutant(
        "one-way-rules",
        "prescriptions/interactions.py",
        "        pairs.setdefault((rule.second_class, rule.first_class), rule)\n",
        "",
        "a rule is checked only one way round against the history",
    ),
    Mutant(
        "history-duplicates",
        "prescriptions/interactions.py",
        "if rule is not None and (medicine.product_id, other.product_id) not in found:",
        "if rule is not None:",
        "an older order replaces the most recent one in the clash reported",
    ),
    Mutant(
        "interaction-until-early",
        "prescriptions/interactions.py",
        "timedelta(days=self.days + 1)",
        "timedelta(days=self.days)",
        "the customer is told a day too early that they may order again",
    ),
    Mutant(
        "one-class-alone",
        "prescriptions/interactions.py",
        "if len(by_class) < 2:",
        "if len(by_class) < 1:",
        "the pairing runs with a single drug class",
        equivalent="with one class no rule can find both of its classes, so the loop finds nothing either: "
        "the check only saves work",
    ),
    Mutant(
        "no-pairing",
        "prescriptions/interactions.py",
        "for first in by_class.get(rule.first_class, [])",
        "for first in []",
        "medicines in one basket never clash",
    ),
    # order/utils.py: the last word, whatever path calls it (a database test)
    Mutant(
        "order-creator-without-basket-lock",
        "order/utils.py",
        "            lock_basket_for_order(basket)\n",
        "",
        "OrderCreator without its own basket lock, reached by a direct call",
        tests=(
            "tests/prescriptions/test_gate.py::test_a_second_direct_call_for_the_same_basket_finds_the_first_order",
        ),
    ),
]


def run(mutant: Mutant, python: str) -> tuple[bool, float]:
    path = ROOT / mutant.path
    source = path.read_text()
    if source.count(mutant.original) != 1:
        raise SystemExit(f"{mutant.name}: the original text is not found exactly once in {mutant.path}")
    started = time.monotonic()
    try:
        path.write_text(source.replace(mutant.original, mutant.mutated))
        result = subprocess.run(
            [python, "-m", "pytest", "-q", "-x", "-n", "0", "-p", "no:cacheprovider", *mutant.tests],
            cwd=ROOT,
            capture_output=True,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        )
    finally:
        path.write_text(source)
    return result.returncode != 0, time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="mutants to run (default: all)")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    args = parser.parse_args()
    chosen = [m for m in MUTANTS if not args.names or m.name in args.names]
    if args.list:
        for m in chosen:
            print(f"{m.name:40} {m.path:32} {m.bug}")
        return 0
    caught = explained = 0
    survivors = []
    for mutant in chosen:
        killed, seconds = run(mutant, sys.executable)
        if killed:
            caught += 1
            verdict = "caught"
        elif mutant.equivalent:
            explained += 1
            verdict = "equivalent"
        else:
            survivors.append(mutant)
            verdict = "SURVIVED"
        print(f"{verdict:10} {seconds:5.1f}s  {mutant.name}: {mutant.bug}", flush=True)
    total = len(chosen)
    print(f"\n{caught} of {total} mutants caught, {explained} equivalent (explained), {len(survivors)} survived")
    for mutant in chosen:
        if mutant.equivalent:
            print(f"  equivalent: {mutant.name}: {mutant.equivalent}")
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
