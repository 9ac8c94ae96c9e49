"""The Dockerfile's promises, checked by parsing it (no Docker engine where tests run)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    found = []
    for raw in text.splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def test_multi_stage_slim_python_311_plus() -> None:
    bases = [rest for keyword, rest in instructions() if keyword == "FROM"]
    assert len(bases) >= 2
    for base in bases:
        match = re.match(r"python:3\.(\d+)-slim", base)
        assert match, base
        assert int(match.group(1)) >= 11


def test_installs_the_built_wheel_and_runs_as_non_root() -> None:
    runs = " ".join(rest for keyword, rest in instructions() if keyword == "RUN")
    assert "pip wheel" in runs
    assert ".whl" in runs
    # One image for both engines: compose.yaml's PostgreSQL profile runs this same image.
    assert 'pip wheel --no-cache-dir --wheel-dir /wheels ".[postgres]"' in runs
    users = [rest for keyword, rest in instructions() if keyword == "USER"]
    assert users
    assert users[-1] not in {"root", "0"}


def test_data_volume_entrypoint_and_healthcheck() -> None:
    found = instructions()
    assert ("VOLUME", "/data") in found
    env = " ".join(rest for keyword, rest in found if keyword == "ENV")
    assert "MLEBOT_DATABASE=/data/mlebot.sqlite3" in env
    entrypoint = [json.loads(rest) for keyword, rest in found if keyword == "ENTRYPOINT"]
    cmd = [json.loads(rest) for keyword, rest in found if keyword == "CMD"]
    assert entrypoint == [["mle-bot"]]
    assert cmd == [["run"]]
    health = [rest for keyword, rest in found if keyword == "HEALTHCHECK"]
    assert len(health) == 1
    assert health[0].endswith('CMD ["mle-bot", "health"]')


def test_dockerignore_keeps_secrets_and_databases_out() -> None:
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    for pattern in (".env", ".git", "*.sqlite3*", ".venv"):
        assert pattern in ignored


def test_compose_takes_the_token_from_an_env_file() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    service = compose["services"]["mlebot"]
    assert service["env_file"] == ".env"
    assert "DISCORD_TOKEN" not in json.dumps(service.get("environment", {}))
    assert any(str(v).endswith(":/data") for v in service["volumes"])
