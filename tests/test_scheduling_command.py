"""`manage.py find_slots --scenario`: the issue's example, and bad input as one line, exit 2."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "tests" / "scenarios" / "issue_example.json"


def run(*args):
    return subprocess.run(
        [sys.executable, "manage.py", "find_slots", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_issue_example_gives_the_earliest_starts():
    done = run("--scenario", str(EXAMPLE))
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    # Monday 29 March: 12:00-15:00 UTC suits all three; the 13:00-13:30
    # session with its 15-minute buffer rules out 12:30-13:30 starts.
    assert [s["starts_at"] for s in answer["slots"]] == [
        "2027-03-29T12:00:00Z",
        "2027-03-29T12:15:00Z",
        "2027-03-29T13:45:00Z",
        "2027-03-29T14:00:00Z",
        "2027-03-29T14:15:00Z",
    ]
    assert {s["interpreter"] for s in answer["slots"]} == {"olena"}
    assert answer["slots"][0]["ends_at"] == "2027-03-29T12:30:00Z"
    assert answer["reason"] is None and answer["message"] is None


def test_no_slot_gives_the_reason(tmp_path):
    data = json.loads(EXAMPLE.read_text())
    data["call"]["languages"] = ["en", "ja"]
    path = tmp_path / "ja.json"
    path.write_text(json.dumps(data))
    answer = json.loads(run("--scenario", str(path)).stdout)
    assert answer["slots"] == []
    assert answer["reason"] == "no_interpreter_for_languages"
    assert "ja" in answer["message"]


def test_settings_are_optional(tmp_path):
    data = json.loads(EXAMPLE.read_text())
    del data["settings"]
    path = tmp_path / "defaults.json"
    path.write_text(json.dumps(data))
    done = run("--scenario", str(path))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["slots"]


def _mutations():
    def zone(d):
        d["client"]["time_zone"] = "Mars/Olympus_Mons"

    def backwards(d):
        d["client"]["windows"][0]["to"] = "07:00"

    def kind(d):
        d["call"]["kind"] = "telegram"

    def day(d):
        d["client"]["windows"][0]["days"] = ["mon", "someday"]

    def setting(d):
        d["settings"]["step_minutes"] = 0

    def session(d):
        d["interpreters"][0]["sessions"][0]["ends_at"] = "2027-03-29T12:00:00Z"

    return [zone, backwards, kind, day, setting, session]


@pytest.mark.parametrize("mutate", _mutations(), ids=lambda f: f.__name__)
def test_bad_input_is_one_line_and_exit_2(tmp_path, mutate):
    data = json.loads(EXAMPLE.read_text())
    mutate(data)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    done = run("--scenario", str(path))
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("content", ["{not json", "[]", ""])
def test_malformed_json_is_one_line_and_exit_2(tmp_path, content):
    path = tmp_path / "bad.json"
    path.write_text(content)
    done = run("--scenario", str(path))
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1


def test_missing_file_is_one_line_and_exit_2(tmp_path):
    done = run("--scenario", str(tmp_path / "nope.json"))
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1


def test_a_scenario_gives_each_sides_languages_and_the_pair_is_found(tmp_path):
    """Issue 25 item 4: `languages` pins a pair; without it, `client_languages`
    and `member_languages` ask for one language of each side."""
    data = json.loads(EXAMPLE.read_text())
    del data["call"]["languages"]
    data["call"]["client_languages"] = ["de", "en"]
    data["call"]["member_languages"] = ["ru", "uk"]
    data["interpreters"][0]["languages"] = ["en", "uk"]
    path = tmp_path / "pair.json"
    path.write_text(json.dumps(data))
    assert json.loads(run("--scenario", str(path)).stdout)["slots"]
    data["interpreters"][0]["languages"] = ["de", "en"]
    path.write_text(json.dumps(data))
    answer = json.loads(run("--scenario", str(path)).stdout)
    assert answer["reason"] == "no_interpreter_for_languages"
    data["call"]["client_languages"] = "en"
    path.write_text(json.dumps(data))
    refused = run("--scenario", str(path))
    assert refused.returncode != 0 and "client_languages" in refused.stderr
