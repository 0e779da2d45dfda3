"""A queue worker with the shop's scheduler inside: ``manage.py run_worker``.

django-tasks-db's ``db_worker`` (every option of it applies, e.g.
``--queue-name``, ``--batch``), plus a thread that enqueues the periodic jobs
of ``settings.SHOP_PERIODIC_TASKS`` (shop/tasks.py). Run as many workers as the
work needs: each periodic job is still enqueued once per period.
"""

from django_tasks_db.management.commands import db_worker

from shop.tasks import Scheduler


class Command(db_worker.Command):
    help = "Run tasks from the queue, and enqueue the periodic jobs when they are due"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--no-scheduler",
            action="store_false",
            dest="scheduler",
            help="Only run tasks; leave the periodic jobs to other workers.",
        )
        parser.add_argument(
            "--scheduler-interval",
            type=float,
            default=30.0,
            help="Seconds between the scheduler's looks at the periodic jobs (default: %(default)s).",
        )

    def handle(self, *args, scheduler, scheduler_interval, **options):
        if scheduler and not options["batch"]:
            Scheduler(interval=scheduler_interval).start()
        super().handle(*args, **options)
