"""Writes: submitting, deciding and dispensing prescriptions.

Every function is keyword-only and runs in one transaction. Emails and
notices go out only after the transaction commits, so a rolled-back decision
never tells the customer anything.

- ``customer``: a customer's upload and acknowledgement of a pregnancy warning.
- ``decisions``: a pharmacist's approval, rejection, request for a clearer copy, revocation.
- ``policies``: a product's dispensing rules and their history.
- ``switches``: whether a product needs a prescription, its drug information, and their history.
- ``orders``: reserving prescriptions for an order and dispensing against them.
- ``scheduled``: the daily jobs (expiry reminders, erasure at the end of retention).
- ``audit``: the audit trail every write above appends to.
"""
