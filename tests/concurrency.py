"""Run functions at the same moment in threads, each with its own DB connection."""

import threading

from django.db import connection


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
