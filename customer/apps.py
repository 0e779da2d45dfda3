from oscar.apps.customer import apps
from oscar.core.loading import get_class


class CustomerConfig(apps.CustomerConfig):
    name = "customer"

    def ready(self):
        super().ready()
        self.notification_update_view = get_class("customer.views", "NotificationUpdateView")
