"""Which medicines clash (``prescriptions.interactions``), without a database."""

import datetime

from prescriptions import messages
from prescriptions.interactions import Medicine, conflicts_among, history_conflicts, rules_both_ways
from prescriptions.models import Interaction

ISOTRETINOIN = Medicine(1, "Isotretinoin 20 mg", "isotretinoin")
DOXYCYCLINE = Medicine(2, "Doxycycline 100 mg", "tetracycline")
MINOCYCLINE = Medicine(3, "Minocycline 50 mg", "tetracycline")
CLEANSER = Medicine(4, "Gentle cleanser", "")
RULE = Interaction(pk=1, first_class="isotretinoin", second_class="tetracycline", explanation="Raised pressure.")


def test_each_medicine_of_the_first_class_is_paired_with_each_of_the_second():
    conflicts = conflicts_among([DOXYCYCLINE, ISOTRETINOIN, MINOCYCLINE, CLEANSER], [RULE])

    assert [(c.first, c.second) for c in conflicts] == [
        (ISOTRETINOIN.title, DOXYCYCLINE.title),
        (ISOTRETINOIN.title, MINOCYCLINE.title),
    ]


def test_one_class_alone_does_not_clash():
    assert conflicts_among([DOXYCYCLINE, MINOCYCLINE, CLEANSER], [RULE]) == []


def test_a_product_counted_twice_clashes_once():
    assert len(conflicts_among([ISOTRETINOIN, ISOTRETINOIN, DOXYCYCLINE], [RULE])) == 1


def test_a_rule_applies_both_ways_round_against_the_history():
    pairs = rules_both_ways([RULE])
    ordered = {"days": 30, "order_number": "100042", "ordered_on": datetime.date(2026, 11, 20)}

    found = history_conflicts([DOXYCYCLINE], [(ISOTRETINOIN, ordered)], pairs)

    assert [(c.first, c.second, c.order_number) for c in found] == [(DOXYCYCLINE.title, ISOTRETINOIN.title, "100042")]
    assert found[0].allowed_from == datetime.date(2026, 12, 21)


def test_the_most_recent_entry_of_the_history_is_the_one_reported():
    pairs = rules_both_ways([RULE])
    newer = {"days": 30, "order_number": "2", "ordered_on": datetime.date(2026, 11, 25)}
    older = {"days": 30, "order_number": "1", "ordered_on": datetime.date(2026, 11, 5)}

    found = history_conflicts([ISOTRETINOIN], [(DOXYCYCLINE, newer), (DOXYCYCLINE, older)], pairs)

    assert [c.order_number for c in found] == ["2"]


def test_the_first_rule_for_a_pair_wins():
    other = Interaction(pk=2, first_class="tetracycline", second_class="isotretinoin", explanation="Other words.")

    assert rules_both_ways([RULE, other])["tetracycline", "isotretinoin"] is RULE


def test_the_customer_is_told_until_when_and_why():
    ordered = {"days": 30, "order_number": "100042", "ordered_on": datetime.date(2026, 11, 20)}
    [found] = history_conflicts([DOXYCYCLINE], [(ISOTRETINOIN, ordered)], rules_both_ways([RULE]))

    assert messages.conflict_text(found) == (
        "Doxycycline 100 mg cannot be ordered until 21 December 2026: you ordered Isotretinoin 20 mg on "
        "20 November 2026 (order 100042), and the two must not be taken within 30 days of each other. "
        "Raised pressure."
    )
