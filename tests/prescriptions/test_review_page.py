"""The pharmacist's review page reads as sentences, not as stored codes."""

import pytest

from prescriptions.approval import Approval
from prescriptions.services.decisions import prescription_approve
from tests.factories import RxProductFactory, UserFactory, full_checklist, pharmacist_user, submit_prescription

pytestmark = pytest.mark.django_db


def review_page(django_app, prescription, pharmacist):
    return django_app.get(f"/dashboard/pharmacy/{prescription.public_id}/", user=pharmacist)


def test_a_customer_without_a_name_is_shown_by_email_alone(django_app):
    nameless = UserFactory(email="old.account@example.com", first_name="", last_name="")
    prescription = submit_prescription(nameless, [RxProductFactory()], patient_name="Sana Qureshi")

    page = review_page(django_app, prescription, pharmacist_user())

    assert page.html.select_one("#review-customer").text.strip() == "old.account@example.com"


def test_a_named_customer_is_shown_with_their_email(django_app, customer):
    prescription = submit_prescription(customer, [RxProductFactory()])

    page = review_page(django_app, prescription, pharmacist_user())

    assert page.html.select_one("#review-customer").text.strip() == "Sana Qureshi <customer@example.com>"


def test_the_order_count_is_a_proper_plural(django_app, customer):
    prescription = submit_prescription(customer, [RxProductFactory()])

    text = review_page(django_app, prescription, pharmacist_user()).html.select_one("#customer-title").parent.text

    assert "; 0 orders." in text
    assert "order(s)" not in text


def test_the_audit_trail_names_statuses_and_checklist_items_in_words(django_app, customer):
    product = RxProductFactory()
    prescription = submit_prescription(customer, [product])
    pharmacist = pharmacist_user()
    prescription_approve(
        prescription=prescription,
        pharmacist=pharmacist,
        approval=Approval(quantities={product: 1}, valid_until=prescription.issued_on, days_supply=30),
        # The service refuses an approval with any checklist item unticked.
        checklist=full_checklist(),
    )

    rows = review_page(django_app, prescription, pharmacist).html.select("#audit-trail tbody tr")
    cells = [[" ".join(td.get_text(" ").split()) for td in row.select("td")] for row in rows]

    submitted, approved = cells[0], cells[-1]
    assert submitted[2:4] == ["Submitted", "New: pending review"]
    assert approved[2:4] == ["Approved", "Pending review \u2192 Approved"]
    assert "Prescriber's signature (and stamp) is present: yes" in approved[4]
    assert "signature_present" not in approved[4]
