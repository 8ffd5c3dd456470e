"""The room's recording: Janus's raw .mjr files → one mixed file, attached to the session.

Janus writes one .mjr per participant and medium into the room's folder
(`videoroom-<room>-user-<feed>-<start µs>-audio.mjr`, `...-video.mjr`). After the session ends:
`janus-pp-rec` turns each into a media file (opus, webm), ffmpeg mixes them
(audio: every voice mixed, each delayed by when it started; video: the
pictures side by side, when there are any), ffprobe reads the result's
length, which must cover the talk time; then the file is attached through
the one upload service, the call completed (and billed), and only then the
raw files removed. Every step is redone safely: a worker killed mid-way
leaves the raw files and no attachment, and the next run starts again.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess  # noqa: S404 -- fixed programs, arguments from our own file names
from dataclasses import dataclass
from pathlib import Path

# Janus 1.x adds the stream's index: `...-audio-0.mjr`; older ones did not.
MJR = re.compile(r"-user-(?P<feed>\d+)-(?P<start>\d+)-(?P<medium>audio|video)(?:-\d+)?\.mjr$")
# Per program, generously: 2 shared cores, three 4-hour tracks at worst.
TIMEOUT_SECONDS = 3 * 3600
TILE = (480, 360)


class MixError(Exception):
    """The raw files could not be turned into a recording (kept for another try)."""


@dataclass(frozen=True)
class Track:
    path: Path
    feed: int
    start_us: int
    medium: str


def tools_missing() -> list[str]:
    return [tool for tool in ("janus-pp-rec", "ffmpeg", "ffprobe") if shutil.which(tool) is None]


def raw_tracks(folder: Path) -> list[Track]:
    tracks = []
    for path in sorted(folder.glob("*.mjr")):
        match = MJR.search(path.name)
        if match:
            tracks.append(Track(path, int(match["feed"]), int(match["start"]), match["medium"]))
    return tracks


def _run(args: list[str]) -> subprocess.CompletedProcess:
    try:
        done = subprocess.run(  # noqa: S603
            args, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise MixError(f"{args[0]}: {type(exc).__name__}") from None
    if done.returncode != 0:
        raise MixError(f"{args[0]} exited {done.returncode}: {done.stderr[-400:]}")
    return done


def convert(track: Track, out_dir: Path) -> Path | None:
    """One .mjr → .opus or .webm (None if it held no media: a camera never sent)."""
    target = out_dir / (track.path.stem + (".opus" if track.medium == "audio" else ".webm"))
    if not target.exists() or target.stat().st_size == 0:
        partial = target.with_suffix(".part" + target.suffix)
        try:
            _run(["janus-pp-rec", "-o", "-d", "3", str(track.path), str(partial)])
        except MixError:
            if not partial.exists():
                return None  # an empty track (no packets): nothing to convert
            raise
        partial.replace(target)
    return target if target.exists() and target.stat().st_size > 0 else None


def duration(path: Path) -> float:
    done = _run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json", str(path)]
    )
    try:
        return float(json.loads(done.stdout)["format"]["duration"])
    except (KeyError, TypeError, ValueError):
        raise MixError("ffprobe: no duration") from None


def mix(
    inputs: list[tuple[Path, float, str]], target: Path, *, length: float | None = None
) -> Path:
    """Mix (file, offset seconds, medium) into `target` (.webm): the voices mixed,
    the pictures side by side, `length` seconds from offset 0 (a negative offset:
    the file began earlier, its beginning is left out). Written to a temporary
    name first, then renamed."""
    audio = [(i, offset) for i, (_p, offset, medium) in enumerate(inputs) if medium == "audio"]
    video = [(i, offset) for i, (_p, offset, medium) in enumerate(inputs) if medium == "video"]
    if not audio and not video:
        raise MixError("nothing to mix")
    args = ["ffmpeg", "-y", "-v", "error"]
    for path, offset, _medium in inputs:
        if offset < 0:
            args += ["-ss", f"{-offset:.3f}"]
        args += ["-i", str(path)]
    graph, maps = [], []
    if audio:
        for n, (i, offset) in enumerate(audio):
            delay = int(round(max(offset, 0) * 1000))
            graph.append(f"[{i}:a]aresample=48000,adelay={delay}:all=1[a{n}]")
        labels = "".join(f"[a{n}]" for n in range(len(audio)))
        graph.append(f"{labels}amix=inputs={len(audio)}:duration=longest:normalize=0[aout]")
        maps += ["-map", "[aout]"]
    if video:
        width, height = TILE
        for n, (i, offset) in enumerate(video):
            graph.append(
                f"[{i}:v]fps=15,scale={width}:{height}:force_original_aspect_ratio=decrease,"
                f"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2,setsar=1,"
                f"tpad=start_duration={max(offset, 0):.3f}:start_mode=add:color=black[v{n}]"
            )
        labels = "".join(f"[v{n}]" for n in range(len(video)))
        if len(video) == 1:
            graph.append(f"{labels}null[vout]")
        else:
            graph.append(f"{labels}xstack=inputs={len(video)}:layout={_row(len(video))}[vout]")
        maps += ["-map", "[vout]"]
    partial = target.with_suffix(".part.webm")
    args += ["-filter_complex", ";".join(graph), *maps]
    if video:
        args += ["-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "600k"]
    if audio:
        args += ["-c:a", "libopus", "-b:a", "48k"]
    if length is not None:
        args += ["-t", f"{length:.3f}"]
    args += ["-f", "webm", str(partial)]
    _run(args)
    partial.replace(target)
    return target


def _row(count: int) -> str:
    """xstack's layout for `count` tiles in one row (side by side)."""
    width = TILE[0]
    return "|".join(f"{n * width}_0" for n in range(count))


def mixed_from_raw(
    folder: Path, work: Path, *, start_us: int | None = None, length: float | None = None
) -> tuple[Path, float] | None:
    """Convert and mix a room's raw files into work/mixed.webm; (file, seconds), or
    None if the room recorded nothing. `start_us` and `length`: the part to keep
    (the conversation: from the session's start, as long as its talk time);
    by default all of it. Reuses what a killed run already made."""
    tracks = raw_tracks(folder)
    if not tracks:
        return None
    work.mkdir(parents=True, exist_ok=True)
    target = work / "mixed.webm"
    if target.exists():
        return target, duration(target)
    origin = start_us if start_us is not None else min(t.start_us for t in tracks)
    inputs = []
    for track in tracks:
        converted = convert(track, work)
        if converted is not None:
            inputs.append((converted, (track.start_us - origin) / 1_000_000, track.medium))
    if not inputs:
        return None
    mix(inputs, target, length=length)
    return target, duration(target)
