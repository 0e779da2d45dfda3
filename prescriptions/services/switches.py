"""The switches of the gate on the catalogue: kept by pharmacists, every change recorded.

Whether a product needs a prescription, which drug information it has, and
that information itself (its pregnancy risk sets the default dispensing
rules, its pregnancy warning is what customers acknowledge, its drug class
what the interaction checks compare) decide what the gate lets through. So
they are written here only, by users who may keep dispensing rules, and each
change appends a row to its history.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalogue.models import DrugInformation, DrugQuestion, Product
from prescriptions.models import (
    DRUG_FIELDS,
    SWITCH_FIELDS,
    DrugInformationChange,
    ProductSwitchChange,
    drug_values,
    switch_values,
)
from prescriptions.roles import can_keep_dispensing_rules


@dataclass(frozen=True)
class Question:
    question: str
    answer: str
    position: int = 0


def _refuse_unless_pharmacist(user: AbstractBaseUser) -> None:
    if not can_keep_dispensing_rules(user):
        raise PermissionDenied(_("Only pharmacists can change what needs a prescription and the drug information."))


@transaction.atomic
def product_switches_save(
    *,
    product: Product,
    pharmacist: AbstractBaseUser,
    requires_prescription: bool,
    drug_information: DrugInformation | None,
) -> ProductSwitchChange | None:
    """Set whether ``product`` needs a prescription and which drug information it has.

    Returns the history row, or None when nothing changed.
    """
    _refuse_unless_pharmacist(pharmacist)
    # Locked, so two saves at once each record what they changed.
    locked = Product.objects.select_for_update(of=("self",)).select_related("drug_information").get(pk=product.pk)
    before = switch_values(locked)
    locked.requires_prescription = requires_prescription
    locked.drug_information = drug_information
    after = switch_values(locked)
    if after == before:
        return None
    # These two fields only: the product's other fields are the catalogue
    # staff's, and a gap there (say a required attribute) is theirs to fill.
    locked.clean_fields(exclude=[f.name for f in Product._meta.fields if f.name not in SWITCH_FIELDS])
    # Only these two columns: the rest of the product is the catalogue staff's.
    locked.save(update_fields=["requires_prescription", "drug_information", "date_updated"])
    product.requires_prescription, product.drug_information = requires_prescription, drug_information
    return ProductSwitchChange.objects.create(
        product=locked, actor=pharmacist, before=before, after=after, created_at=timezone.now()
    )


@transaction.atomic
def drug_information_save(
    *,
    drug: DrugInformation | None,
    pharmacist: AbstractBaseUser,
    values: Mapping[str, object],
    questions: Sequence[Question],
) -> DrugInformation:
    """Create (``drug`` None) or change a medicine's information and its questions, and record the change.

    ``questions`` replaces the record's questions and answers.
    """
    _refuse_unless_pharmacist(pharmacist)
    unknown = set(values) - set(DRUG_FIELDS)
    if unknown:
        raise ValueError(f"Not drug information fields: {sorted(unknown)}")
    if drug is not None and drug.pk is not None:
        drug = DrugInformation.objects.select_for_update().get(pk=drug.pk)
    else:
        drug = DrugInformation()
    before = drug_values(drug)
    for name, value in values.items():
        setattr(drug, name, value)
    drug.full_clean()
    drug.save()
    kept = [(q.question, q.answer, q.position) for q in drug.questions.all()] if before is not None else []
    # In the order the page lists them (by position, then as entered).
    wanted = sorted(((q.question, q.answer, q.position) for q in questions), key=lambda q: q[2])
    if kept != wanted:
        drug.questions.all().delete()
        for question, answer, position in wanted:
            row = DrugQuestion(drug=drug, question=question, answer=answer, position=position)
            row.full_clean()
            row.save()
    after = drug_values(drug)
    if after != before:
        DrugInformationChange.objects.create(
            drug=drug, actor=pharmacist, before=before, after=after, created_at=timezone.now()
        )
    return drug
