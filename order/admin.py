"""Oscar's order admin, read-only.

An order is only written by OrderCreator (order/utils.py), inside the
transaction that checks and consumes the customer's prescriptions. Adding or
editing orders and lines in the Django admin would go round that gate, so the
admin may show them and nothing more.
"""

from django.contrib import admin

# Importing Oscar's order admin registers every order model; two are replaced below.
from oscar.apps.order import admin as oscar_admin
from oscar.core.loading import get_model

Order = get_model("order", "Order")
Line = get_model("order", "Line")


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class LineInline(ReadOnlyAdminMixin, oscar_admin.LineInline):
    pass


class OrderAdmin(ReadOnlyAdminMixin, oscar_admin.OrderAdmin):
    inlines = [LineInline]


class LineAdmin(ReadOnlyAdminMixin, oscar_admin.LineAdmin):
    pass


for model, model_admin in ((Order, OrderAdmin), (Line, LineAdmin)):
    admin.site.unregister(model)
    admin.site.register(model, model_admin)
