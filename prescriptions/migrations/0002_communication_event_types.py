from django.db import migrations

EVENT_TYPES = {
    "PRESCRIPTION_RECEIVED": "Prescription received",
    "PRESCRIPTION_APPROVED": "Prescription approved",
    "PRESCRIPTION_REJECTED": "Prescription rejected",
    "PRESCRIPTION_RESUBMIT": "Prescription: clearer upload requested",
    "PRESCRIPTION_REVOKED": "Prescription revoked",
    "PRESCRIPTION_EXPIRING": "Prescription approval about to expire",
}


def create_event_types(apps, schema_editor):
    """Rows make the messages editable in the dashboard; blank templates use the files."""
    CommunicationEventType = apps.get_model("communication", "CommunicationEventType")
    for code, name in EVENT_TYPES.items():
        CommunicationEventType.objects.get_or_create(
            code=code, defaults={"name": name, "category": "User related"}
        )


def remove_event_types(apps, schema_editor):
    CommunicationEventType = apps.get_model("communication", "CommunicationEventType")
    CommunicationEventType.objects.filter(code__in=EVENT_TYPES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("prescriptions", "0001_initial"),
        ("communication", "0004_auto_20200801_0817"),
    ]

    operations = [migrations.RunPython(create_event_types, remove_event_types)]
