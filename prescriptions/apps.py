from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PrescriptionsConfig(AppConfig):
    name = "prescriptions"
    verbose_name = _("Prescriptions")

    def ready(self):
        from prescriptions.roles import create_pharmacist_group

        post_migrate.connect(create_pharmacist_group, sender=self)
