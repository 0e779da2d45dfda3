"""Reads: what a customer or pharmacist may see, and where a basket stands.

- ``products``: which products need a prescription and the rules that govern each (``product_rules``).
- ``gate``: a basket's or order's coverage, read for the pages and for the order's own check.
- ``interactions``: the interaction rules and the customer's history they are checked against.
- ``product_page``: where a customer stands with one product (prescription and acknowledgement).
- ``customer``: a customer's own prescriptions, and who may open a file.
- ``review``: the pharmacist's queue and review page.
"""
