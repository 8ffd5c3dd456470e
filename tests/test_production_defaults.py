"""Production by default where it matters: the image, the compose file and the
settings refuse to run on a guessable secret or an open host list."""

import os
import re
import runpy
import subprocess
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from .test_security_hardening import _production_env

ROOT = Path(__file__).resolve().parent.parent


def _settings(monkeypatch, **environ):
    """config/settings.py run afresh with the production environment (and `environ`)."""
    for name in list(os.environ):
        if name.startswith("DJANGO_"):
            monkeypatch.delenv(name)
    for name, value in _production_env(**environ).items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "config" / "settings.py"))


def test_production_settings_load_with_named_hosts(monkeypatch):
    assert _settings(monkeypatch)["ALLOWED_HOSTS"] == ["calls.example.org"]


@pytest.mark.parametrize("hosts", ["*", "calls.example.org,*"])
def test_production_refuses_any_host(monkeypatch, hosts):
    with pytest.raises(ImproperlyConfigured, match="ALLOWED_HOSTS"):
        _settings(monkeypatch, DJANGO_ALLOWED_HOSTS=hosts)


def test_production_refuses_the_development_secret_key(monkeypatch):
    development = _settings(monkeypatch)["DEVELOPMENT_SECRET_KEY"]
    with pytest.raises(ImproperlyConfigured, match="development key"):
        _settings(monkeypatch, DJANGO_SECRET_KEY=development)


def test_the_image_runs_in_production_unless_told_otherwise():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^ENV .*\bDJANGO_ENV=production\b", dockerfile, re.MULTILINE)


@pytest.mark.parametrize("name", ["DJANGO_SECRET_KEY", "POSTGRES_PASSWORD", "SITE_URL"])
def test_compose_requires_each_secret_and_the_site_address(name):
    compose = (ROOT / "docker-compose.yml").read_text()
    uses = re.findall(r"\$\{" + name + r"(:?[-?=+]?)[^}]*\}", compose)
    assert uses, f"{name} is not used"
    assert set(uses) == {":?"}, f"{name} has a default somewhere: {uses}"


def test_bin_run_makes_its_own_secret_key_once(tmp_path):
    """The lines of bin/run that choose the key, run in an empty folder twice."""
    script = (ROOT / "bin" / "run").read_text()
    block = script[script.index('if [ -z "${DJANGO_SECRET_KEY:-}" ]') :]
    block = block[: block.index("\nfi\n") + 4]
    (tmp_path / "var").mkdir()
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "python").symlink_to(ROOT / ".venv" / "bin" / "python")
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SECRET_KEY"}
    run = [
        subprocess.run(
            ["bash", "-c", f"set -eu\n{block}\necho $DJANGO_SECRET_KEY"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for _ in range(2)
    ]
    assert run[0] == run[1] == (tmp_path / "var" / "secret-key").read_text().strip()
    assert len(run[0]) >= 50
    assert "dev-only" not in run[0]
    assert oct((tmp_path / "var" / "secret-key").stat().st_mode)[-3:] == "600"
