"""Who may review prescriptions."""

from django.contrib.auth.models import Group

PHARMACIST_GROUP = "Pharmacist"


def ensure_pharmacist_group() -> Group:
    group, _created = Group.objects.get_or_create(name=PHARMACIST_GROUP)
    return group
