"""Tasks the queue's tests enqueue (importable by a worker process, as the shop's own are)."""

from django.core.mail import send_mail

from shop.tasks import Backoff, retrying_task

CALLS: list[str] = []


@retrying_task(backoff=Backoff(attempts=3, first_delay=60, max_delay=600))
def send_note(address: str, subject: str) -> None:
    send_mail(subject, "A note from the queue's tests.", None, [address])


@retrying_task(backoff=Backoff(attempts=3, first_delay=60, max_delay=600))
def fail_with_private_text(address: str) -> None:
    raise ValueError(f"mailbox {address} refused RX-ABCD2345")
