from oscar.apps.customer.alerts import utils

from shop.emails import QueuedDispatcher


class AlertsDispatcher(utils.AlertsDispatcher):
    """Oscar's back-in-stock emails, queued for the worker.

    Oscar sends them when a stock record is saved, which happens inside a
    stock edit's or an order's transaction: a mail server that refuses there
    would fail the stock edit or the order.
    """

    def __init__(self, logger=None, mail_connection=None):
        super().__init__(logger=logger, mail_connection=mail_connection)
        self.dispatcher = QueuedDispatcher(logger=self.dispatcher.logger, mail_connection=mail_connection)
