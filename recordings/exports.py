"""The listening log as CSV (the duty desk and the admin write the same columns)."""

from __future__ import annotations

import csv

HEADER = ["at", "user", "role", "call", "recording", "from_byte", "to_byte", "bytes", "ip"]


def write_accesses_csv(rows, out) -> None:
    writer = csv.writer(out)
    writer.writerow(HEADER)
    rows = rows.select_related("user", "recording__session__call").order_by("at", "id")
    for row in rows.iterator(chunk_size=1000):
        writer.writerow(
            [
                row.at.isoformat(),
                row.user.username,
                row.role,
                row.recording.session.call.number,
                row.recording.public_id,
                row.range_start,
                row.range_end,
                row.bytes_sent,
                row.ip or "",
            ]
        )
