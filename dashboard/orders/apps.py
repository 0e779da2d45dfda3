from oscar.apps.dashboard.orders import apps


class OrdersDashboardConfig(apps.OrdersDashboardConfig):
    # Forked for the order page's pipeline buttons (views.OrderDetailView).
    name = "dashboard.orders"
