"""The order pipeline of issue 12: 'Being processed' becomes 'Pending', and the event types exist."""

from django.db import migrations

SHIPPING_EVENT_TYPES = [
    ("dispensed", "Dispensed"),
    ("packed", "Packed"),
    ("dispatched", "Dispatched"),
    ("delivered", "Delivered"),
    ("returned", "Returned"),
    ("cancelled", "Cancelled"),
]
PAYMENT_EVENT_TYPES = [("cash-collected", "Cash collected")]


def forwards(apps, schema_editor):
    # 'Being processed' had no meaning the new pipeline keeps: nothing was
    # dispensed or packed on its strength, so such orders start again.
    for model in ("Order", "Line"):
        apps.get_model("order", model).objects.filter(status="Being processed").update(status="Pending")
    ShippingEventType = apps.get_model("order", "ShippingEventType")
    for code, name in SHIPPING_EVENT_TYPES:
        ShippingEventType.objects.get_or_create(code=code, defaults={"name": name})
    PaymentEventType = apps.get_model("order", "PaymentEventType")
    for code, name in PAYMENT_EVENT_TYPES:
        PaymentEventType.objects.get_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("order", "0021_billingaddress_code_shippingaddress_code")]

    operations = [
        # Going back leaves the event types: events recorded against them keep their type.
        migrations.RunPython(forwards, migrations.RunPython.noop)]
