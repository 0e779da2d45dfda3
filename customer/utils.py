from oscar.apps.customer import utils

from shop.emails import QueuedDispatcher


class CustomerDispatcher(utils.CustomerDispatcher):
    """Oscar's account emails (registration, password reset and change, email change), queued for the worker."""

    def __init__(self, logger=None, mail_connection=None):
        self.dispatcher = QueuedDispatcher(logger=logger, mail_connection=mail_connection)
