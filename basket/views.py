from oscar.apps.basket import views


class BasketView(views.BasketView):
    def get_upsell_messages(self, basket):
        # The shop runs no offers; asking the offer engine again costs two
        # queries per basket view for messages that cannot exist.
        return []

    def get_default_shipping_address(self):
        # Delivery charges here do not depend on the address.
        return None
