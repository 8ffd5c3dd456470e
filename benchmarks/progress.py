"""A progress bar with an ETA for long commands, written to stderr.

Work is counted in units (rows); each step says how many it has when it
starts, so the ETA is the elapsed time scaled by what is left of the total.
Redrawn at most a few times a second, so a tight loop may call `advance` freely.
"""

from __future__ import annotations

import os
import sys
import time

REDRAW_EVERY = 0.25  # seconds


def clock(seconds: float) -> str:
    seconds = int(max(seconds, 0))
    return f"{seconds // 60}:{seconds % 60:02d}"


class Progress:
    def __init__(self, total: int, *, stream=None, width: int = 30, log=None, cpu=None):
        self.total = max(total, 1)
        self.log = log  # a stream that gets one line per finished step (a log file's record)
        # cpu(): {"who": CPU seconds so far}; each step's line says what it used
        # (on a shared machine the wall time mostly measures the others' load).
        self.cpu = cpu
        self._cpu_at_step = cpu() if cpu else {}
        self.done = 0
        self.stream = stream or sys.stderr
        self.width = width
        self.started = time.monotonic()
        self.label = ""
        self._drawn = 0.0
        self._step_started = self.started
        self.steps: list[tuple[str, float]] = []  # (label, seconds) of each finished step

    def step(self, label: str) -> None:
        self._close_step()
        self.label = label
        self._draw(force=True)

    def _close_step(self) -> None:
        now = time.monotonic()
        if self.label:
            self.steps.append((self.label, now - self._step_started))
            if self.log is not None:
                self.log.write(
                    f"step {self.label}: {now - self._step_started:.1f} s "
                    f"(at {clock(now - self.started)}){self._cpu_used()}, "
                    f"load {os.getloadavg()[0]:.1f}"
                )
                self.log.flush()
        self._step_started = now

    def _cpu_used(self) -> str:
        if self.cpu is None:
            return ""
        now = self.cpu()
        used = {who: seconds - self._cpu_at_step.get(who, 0.0) for who, seconds in now.items()}
        self._cpu_at_step = now
        return "".join(f", CPU {who} {seconds:.1f} s" for who, seconds in used.items())

    def advance(self, units: int) -> None:
        self.done = min(self.done + units, self.total)
        self._draw()

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def _draw(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._drawn < REDRAW_EVERY:
            return
        self._drawn = now
        share = self.done / self.total
        filled = int(share * self.width)
        elapsed = now - self.started
        eta = elapsed / share - elapsed if share > 0.01 else None
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (self.width - filled)}] {share:4.0%}"
            f"  {clock(elapsed)} elapsed, ETA {clock(eta) if eta is not None else '?:??'}"
            f"  {self.label:<40.40}"
        )
        self.stream.flush()

    def finish(self) -> None:
        self._close_step()
        self.label = "done"
        self.done = self.total
        self._draw(force=True)
        self.stream.write("\n")
        self.stream.flush()
