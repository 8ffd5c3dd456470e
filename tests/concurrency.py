"""Run functions at the same moment in threads, each with its own DB connection."""

import threading
import time

from django.db import connection, transaction


def run_concurrently(*functions, timeout=30):
    """Start all functions together; return their results or raised exceptions, in order."""
    barrier = threading.Barrier(len(functions))
    results = [None] * len(functions)

    def runner(index, function):
        try:
            barrier.wait(timeout=timeout)
            results[index] = function()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    return results


def second_waits_for_first(first, second, *, timeout=30):
    """Run `first` in a transaction that stays open until `second`, on another
    connection, is blocked on one of its locks; then let `first` commit.

    Deterministic where `run_concurrently` leaves the order to chance: `second`
    certainly starts while `first` holds its locks, and must read what `first`
    left once it gets them. Returns (first's result, second's result), each a
    value or the exception raised.
    """
    first_ready, release = threading.Event(), threading.Event()
    results = [None, None]

    def hold():
        try:
            with transaction.atomic():
                results[0] = first()
                first_ready.set()
                if not release.wait(timeout):
                    raise TimeoutError("the second transaction never waited for a lock")
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            results[0] = exc
        finally:
            first_ready.set()
            connection.close()

    def wait():
        try:
            first_ready.wait(timeout)
            results[1] = second()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            results[1] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=hold), threading.Thread(target=wait)]
    for thread in threads:
        thread.start()
    first_ready.wait(timeout)
    _until_a_backend_waits_for_a_lock(timeout, done=threads[1])
    release.set()
    for thread in threads:
        thread.join(timeout)
    return tuple(results)


def _until_a_backend_waits_for_a_lock(timeout, *, done):
    """Poll (this test's database only) until another connection waits on a row lock."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and done.is_alive():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
        time.sleep(0.01)  # polling a condition, not waiting for time to pass
