"""Who may review prescriptions, and who keeps the switches of the gate."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group, Permission

PHARMACIST_GROUP = "Pharmacist"
REVIEW_PERMISSION = "prescriptions.review_prescription"
# The pharmacist's permission to keep dispensing rules. It also guards the other
# switches of the gate: whether a product needs a prescription, which drug
# information it shows, and that information itself (its pregnancy risk sets
# the default rules, its drug class the interaction checks).
RULES_PERMISSION = "prescriptions.change_dispensingpolicy"
# Review prescriptions, and keep each medicine's dispensing rules. Nothing else:
# a pharmacist is not shop staff and sees no other part of the dashboard.
PHARMACIST_PERMISSIONS = [
    "review_prescription",
    "view_dispensingpolicy",
    "add_dispensingpolicy",
    "change_dispensingpolicy",
]


def ensure_pharmacist_group() -> Group:
    """The Pharmacist group, holding the permission to review prescriptions."""
    group, _created = Group.objects.get_or_create(name=PHARMACIST_GROUP)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="prescriptions", codename__in=PHARMACIST_PERMISSIONS)
    )
    return group


def create_pharmacist_group(sender, **kwargs) -> None:
    """post_migrate: every database the shop runs on has the group, not only the demo."""
    ensure_pharmacist_group()


def can_review_prescriptions(user: AbstractBaseUser | AnonymousUser | None) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.has_perm(REVIEW_PERMISSION))


def can_keep_dispensing_rules(user: AbstractBaseUser | AnonymousUser | None) -> bool:
    return can_review_prescriptions(user) and user.has_perm(RULES_PERMISSION)
