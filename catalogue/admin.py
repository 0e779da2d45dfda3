from django.contrib import admin

# Importing Oscar's catalogue admin registers its models; Product's is replaced below.
from oscar.apps.catalogue.admin import ProductAdmin as OscarProductAdmin

from catalogue.models import Product
from prescriptions.models import SWITCH_FIELDS


class ProductAdmin(OscarProductAdmin):
    # What needs a prescription, and its drug information, change only through
    # the pharmacist's service, which records who changed them (the pharmacy
    # section of the dashboard); here they are shown, never written.
    readonly_fields = SWITCH_FIELDS


admin.site.unregister(Product)
admin.site.register(Product, ProductAdmin)
