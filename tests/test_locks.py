"""Supply chain: runtime and development pins live in separate hashed lock files, agree with
each other and with pyproject.toml, and the production image installs only the runtime ones,
hash-checked."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV_ONLY = {"pytest", "pytest-asyncio", "hypothesis", "playwright", "ruff", "tuspy", "httpx"}
REQUIREMENT = re.compile(r"^([A-Za-z0-9_.-]+)==(\S+)")


def normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_lock(name: str) -> dict[str, tuple[str, frozenset[str]]]:
    """package → (version, hashes); every pinned package must carry at least one hash."""
    pins: dict[str, tuple[str, frozenset[str]]] = {}
    current = None
    hashes: set[str] = set()
    for line in [*(ROOT / name).read_text().splitlines(), ""]:
        match = REQUIREMENT.match(line)
        if (match or not line.startswith(" ")) and current is not None:
            assert hashes, f"{name}: {current[0]} has no --hash"
            pins[current[0]] = (current[1], frozenset(hashes))
            current, hashes = None, set()
        if match:
            current = (normal(match.group(1)), match.group(2))
        hashes.update(re.findall(r"--hash=sha256:([0-9a-f]{64})", line))
    return pins


def test_runtime_lock_has_no_development_tools():
    runtime = read_lock("requirements.lock")
    assert runtime, "requirements.lock pins nothing"
    assert DEV_ONLY.isdisjoint(runtime), sorted(DEV_ONLY & set(runtime))


def test_development_lock_repeats_every_runtime_pin_with_the_same_hashes():
    runtime = read_lock("requirements.lock")
    dev = read_lock("requirements-dev.lock")
    assert {name: dev.get(name) for name in runtime} == runtime
    assert set(dev) >= DEV_ONLY


def test_every_declared_dependency_is_locked():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = read_lock("requirements.lock")
    dev = read_lock("requirements-dev.lock")
    for spec in project["dependencies"]:
        name = normal(re.split(r"[\[<>=!~ ]", spec, maxsplit=1)[0])
        assert name in runtime, f"{name} is a dependency but not in requirements.lock"
    for spec in project["optional-dependencies"]["test"]:
        name = normal(re.split(r"[\[<>=!~ ]", spec, maxsplit=1)[0])
        assert name in dev, f"{name} is a test dependency but not in requirements-dev.lock"


def test_production_image_installs_only_runtime_pins_with_hashes():
    dockerfile = (ROOT / "Dockerfile").read_text()
    installs = [line for line in dockerfile.splitlines() if "pip install" in line]
    assert any("--require-hashes -r requirements.lock" in line for line in installs)
    assert "requirements-dev.lock" not in dockerfile
    for line in installs:
        assert "-r requirements.lock" in line or "--no-deps ." in line, line


def test_setup_installs_the_hashed_development_lock():
    makefile = (ROOT / "Makefile").read_text()
    assert "--require-hashes -r requirements-dev.lock" in makefile
