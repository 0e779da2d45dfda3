from django.db import connection


def refresh_planner_statistics() -> None:
    """Let the database planner see the tables as they are after a bulk load.

    PostgreSQL's autovacuum does this by itself, eventually. SQLite keeps no
    statistics until ANALYZE runs, and without them it takes any equality on
    an indexed column for a selective one, so it ignores the partial
    browsing indexes and sorts the whole catalogue for every listing page.
    """
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
