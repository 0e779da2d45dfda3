"""Who may review prescriptions."""

from django.contrib.auth.models import Group, Permission

PHARMACIST_GROUP = "Pharmacist"
REVIEW_CODENAME = "review_prescription"


def ensure_pharmacist_group() -> Group:
    """The Pharmacist group, holding the permission to review prescriptions."""
    group, _created = Group.objects.get_or_create(name=PHARMACIST_GROUP)
    permission = Permission.objects.get(content_type__app_label="prescriptions", codename=REVIEW_CODENAME)
    group.permissions.add(permission)
    return group


def create_pharmacist_group(sender, **kwargs) -> None:
    """post_migrate: every database the shop runs on has the group, not only the demo."""
    ensure_pharmacist_group()
