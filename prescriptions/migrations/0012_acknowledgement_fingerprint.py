"""Acknowledgements record a fingerprint of the warning the customer read, and are kept one per acknowledgement.

Existing rows get the fingerprint of the text they stored, so an
acknowledgement of today's wording still counts; one of an older wording no
longer does.
"""

import hashlib

from django.db import migrations, models


def fingerprint(text):
    # As prescriptions.models.warning_fingerprint, frozen here so that a later
    # change there cannot change what this migration wrote.
    return hashlib.sha256(" ".join((text or "").split()).encode()).hexdigest()


def backfill(apps, schema_editor):
    RiskAcknowledgement = apps.get_model("prescriptions", "RiskAcknowledgement")
    for ack in RiskAcknowledgement.objects.only("pk", "warning_text").iterator():
        RiskAcknowledgement.objects.filter(pk=ack.pk).update(warning_sha256=fingerprint(ack.warning_text))


class Migration(migrations.Migration):
    dependencies = [("prescriptions", "0011_map_drug_classes")]

    operations = [
        migrations.AddField(
            model_name="riskacknowledgement",
            name="warning_sha256",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="riskacknowledgement", name="rx_ack_unique"),
        migrations.AddIndex(
            model_name="riskacknowledgement",
            index=models.Index(fields=["user", "product", "acknowledged_at"], name="rx_ack_latest_idx"),
        ),
    ]
