"""Who may review prescriptions."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group, Permission

PHARMACIST_GROUP = "Pharmacist"
REVIEW_PERMISSION = "prescriptions.review_prescription"
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
