from django.contrib import messages
from django.shortcuts import redirect
from oscar.apps.basket import views


class BasketView(views.BasketView):
    def get_upsell_messages(self, basket):
        # The shop runs no offers; asking the offer engine again costs two
        # queries per basket view for messages that cannot exist.
        return []

    def get_default_shipping_address(self):
        # Delivery charges here do not depend on the address.
        return None

    def formset_invalid(self, formset):
        # Oscar treats an invalid formset that deletes lines as valid; a
        # formset refused as a whole (basket/formsets.py) must not be.
        if formset.non_form_errors():
            messages.warning(self.request, formset.non_form_errors()[0])
            return redirect(self.get_success_url())
        return super().formset_invalid(formset)


class SavedView(views.SavedView):
    def formset_invalid(self, formset):
        # Oscar's message lists the forms' errors only; a formset refused as a
        # whole (basket/formsets.py) would give an empty one.
        if formset.non_form_errors():
            messages.warning(self.request, formset.non_form_errors()[0])
            return redirect("basket:summary")
        return super().formset_invalid(formset)
