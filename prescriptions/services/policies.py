"""A product's own dispensing rules: written by a pharmacist, every change kept."""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalogue.models import Product
from prescriptions.models import POLICY_FIELDS, DispensingPolicy, DispensingPolicyChange, policy_values
from prescriptions.roles import can_keep_dispensing_rules


@transaction.atomic
def dispensing_policy_save(
    *, product: Product, pharmacist: AbstractBaseUser, values: Mapping[str, object]
) -> DispensingPolicy:
    """Write a product's own dispensing rules, and record what changed in their history.

    The rules must hold together (``DispensingPolicy.clean``) whoever calls this.
    """
    if not can_keep_dispensing_rules(pharmacist):
        raise PermissionDenied(_("Only pharmacists can change dispensing rules."))
    unknown = set(values) - set(POLICY_FIELDS)
    if unknown:
        raise ValueError(f"Not dispensing rules: {sorted(unknown)}")
    # Locked, so two pharmacists saving at once each record what they changed.
    policy = DispensingPolicy.objects.select_for_update().filter(product=product).first()
    before = policy_values(policy)
    policy = policy or DispensingPolicy(product=product)
    for name, value in values.items():
        setattr(policy, name, value)
    policy.full_clean()
    policy.save()
    after = policy_values(policy)
    if after != before:
        DispensingPolicyChange.objects.create(
            product=product, actor=pharmacist, before=before, after=after, created_at=timezone.now()
        )
    return policy
