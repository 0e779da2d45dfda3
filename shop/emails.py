"""Emails leave through the task queue, never from inside a request.

A view or service enqueues the email in the transaction of the write that
causes it (a new account, a changed password, an order, a pharmacist's
decision): a rollback takes the email with it, and a commit keeps it until a
worker has delivered it. A mail server that refuses or hangs then costs the
request nothing; the worker retries with backoff (``shop.tasks``) and staff see
what gave up in the admin's task results.

Oscar's dispatchers build and render each message and then call
``send_email_messages``; ``QueuedDispatcher`` keeps all of that and only
replaces the sending with ``send_email.enqueue``. The task carries the
rendered message, so a worker sends what the customer was meant to read at the
moment it happened. Messages that name medicines are queued by id instead and
rendered by the worker: the order confirmation (``send_order_confirmation``)
and the prescription emails (``prescriptions.notifications``), so no health
data sits in the task rows.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.urls import reverse
from oscar.apps.communication.utils import Dispatcher
from oscar.core.loading import get_class, get_model

from shop.tasks import Backoff, retrying_task

logger = logging.getLogger(__name__)

Order = get_model("order", "Order")

# A mail server down for an hour is retried for about a day before staff are
# needed: 30 s, 1 min, 2 min ... then hourly.
EMAIL_BACKOFF = Backoff(attempts=30, first_delay=30, max_delay=3600)


def build_email(*, subject: str, body: str, html: str, to: list[str], from_email: str) -> EmailMessage:
    """The message Oscar's dispatcher would have built: plain text, and the HTML as an alternative if any."""
    if html:
        message = EmailMultiAlternatives(subject, body, from_email=from_email, to=to)
        message.attach_alternative(html, "text/html")
        return message
    return EmailMessage(subject, body, from_email=from_email, to=to)


@retrying_task(backoff=EMAIL_BACKOFF, queue_name="default")
def send_email(*, subject: str, body: str, html: str, to: list[str], from_email: str) -> None:
    """Deliver one rendered email; a failure raises, and the queue tries again later."""
    logger.info("Sending email to %s", ", ".join(to))
    build_email(subject=subject, body=body, html=html, to=to, from_email=from_email).send()


def enqueue_email(*, subject: str, body: str, html: str = "", to: list[str], from_email: str | None = None) -> None:
    send_email.enqueue(
        subject=subject, body=body, html=html or "", to=list(to), from_email=from_email or settings.OSCAR_FROM_EMAIL
    )


class QueuedDispatcher(Dispatcher):
    """Oscar's dispatcher, with every email queued for the worker instead of sent in the request."""

    def send_email_messages(self, recipient_email, messages, from_email=None, attachments=None):
        if attachments:
            # A file cannot ride in a task's JSON arguments; no shop email has one.
            raise ValueError("Queued emails cannot carry attachments")
        from_email = from_email or settings.OSCAR_FROM_EMAIL
        self.logger.info("Queueing email to %s", recipient_email)
        enqueue_email(
            subject=messages["subject"],
            body=messages["body"],
            html=messages["html"],
            to=[recipient_email],
            from_email=from_email,
        )
        # Oscar records the sent email in the customer's history from this object.
        return build_email(
            subject=messages["subject"],
            body=messages["body"],
            html=messages["html"],
            to=[recipient_email],
            from_email=from_email,
        )


@retrying_task(backoff=EMAIL_BACKOFF)
def send_order_confirmation(order_id: int) -> None:
    """Render and send an order's confirmation, as Oscar's checkout would have in the request.

    Oscar records the communication event and the customer's email history
    once the email has left, so a failed attempt leaves neither behind.
    """
    order = Order.objects.select_related("user").get(pk=order_id)
    if order.user_id:
        path = reverse("customer:order", kwargs={"order_number": order.number})
    else:
        path = reverse("customer:anon-order", kwargs={"order_number": order.number, "hash": order.verification_hash()})
    context = {"user": order.user, "order": order, "lines": order.lines.all(), "status_path": path}
    dispatcher = get_class("order.utils", "OrderDispatcher")(logger=logger)
    dispatcher.send_order_placed_email_for_user(order, context)
