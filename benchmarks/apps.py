from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BenchmarksConfig(AppConfig):
    """Benchmark commands (bench_*): tools that print figures, not part of the product."""

    name = "benchmarks"
    verbose_name = _("Benchmarks")
