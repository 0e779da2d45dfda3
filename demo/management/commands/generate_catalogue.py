from django.core.management.base import BaseCommand, CommandError

from demo.generator import generate_catalogue


class Command(BaseCommand):
    help = (
        "Add a deterministic synthetic catalogue for load tests: N products with PKR stock "
        "records, spread over the demo's categories (about 5% prescription-only, with drug "
        "information), M prescriptions for the pharmacist's queue from synthetic customers, "
        "then rebuild the search index. The same seed always gives the same products. "
        "Running it again skips what exists: products are keyed by UPC SYN-<seed>-<number> and "
        "prescriptions by their synthetic customers, so only missing rows are added (a larger "
        "--products tops the catalogue up; a new --seed adds a second, separate set). "
        "For benchmarks only: never run it against a real shop's database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--products", type=int, required=True, help="How many synthetic products to have.")
        parser.add_argument(
            "--prescriptions",
            type=int,
            default=0,
            help="How many synthetic prescriptions to have (default 0). Needs prescription-only products.",
        )
        parser.add_argument("--seed", type=int, default=1, help="Seed for the synthetic data (default 1).")

    def handle(self, *args, products, prescriptions, seed, verbosity, **options):
        progress = self.stdout.write if verbosity > 1 else None
        try:
            report = generate_catalogue(products=products, prescriptions=prescriptions, seed=seed, progress=progress)
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Products: created {report.products_created:,}, {report.products_existing:,} already there.")
        if prescriptions:
            self.stdout.write(
                f"Prescriptions: created {report.prescriptions_created:,}, "
                f"{report.prescriptions_existing:,} already there; {report.customers_created:,} new customers."
            )
        self.stdout.write(f"Search index: {report.index_rows:,} products indexed.")
        timings = ", ".join(f"{step} {seconds:.1f} s" for step, seconds in report.seconds.items())
        self.stdout.write(self.style.SUCCESS(f"Done in {report.total_seconds:.1f} s ({timings})."))
