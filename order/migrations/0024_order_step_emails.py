from django.db import migrations

EVENT_TYPES = {
    "ORDER_DISPENSED": "Order dispensed by the pharmacist",
    "ORDER_PACKED": "Order packed",
    "ORDER_DISPATCHED": "Order handed to the courier",
    "ORDER_DELIVERED": "Order delivered",
    "ORDER_CANCELLED": "Order cancelled",
    "ORDER_RETURNED": "Order returned undelivered",
}


def create_event_types(apps, schema_editor):
    """Rows make the messages editable in the dashboard; blank templates use the files."""
    CommunicationEventType = apps.get_model("communication", "CommunicationEventType")
    for code, name in EVENT_TYPES.items():
        CommunicationEventType.objects.get_or_create(code=code, defaults={"name": name, "category": "Order related"})


def remove_event_types(apps, schema_editor):
    CommunicationEventType = apps.get_model("communication", "CommunicationEventType")
    CommunicationEventType.objects.filter(code__in=EVENT_TYPES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("order", "0023_return_checks"),
        ("communication", "0004_auto_20200801_0817"),
    ]

    operations = [migrations.RunPython(create_event_types, remove_event_types)]
