"""The golden protocol examples hold: every response in tests/fixtures/sync is what the engine
answers today (the PWA's tests read the same files)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.sync.golden import load, run, scenarios

NAMES = [
    "bad_request",
    "conflict",
    "create_submit",
    "gap",
    "pull_page",
    "rejection",
    "replay",
    "reset",
]


def test_every_scenario_is_present() -> None:
    assert [p.stem for p in scenarios()] == NAMES


@pytest.mark.parametrize("path", scenarios(), ids=lambda p: p.stem)
async def test_golden_scenario(path: Path) -> None:
    scenario = load(path)
    got = await run(scenario)
    for index, (step, answer) in enumerate(zip(scenario["steps"], got, strict=True)):
        if answer is None:
            continue
        assert answer == step["response"], f"step {index}: {step['note']}"
