"""One set of rules, two places: the field app's checks of the citizen's feedback and SKM
survey (pwa/core/citizen.js, run by node) give exactly the problems the server's
(sync/citizen.py) give, on the same values, so a tablet never queues what the server refuses
and never refuses what it takes."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sync import citizen

BATCH = Path(__file__).resolve().parent / "citizen_batch.mjs"
GOOD_FEEDBACK = {
    "kind": "pengaduan",
    "category": "penundaan_berlarut",
    "message": "Sudah dua minggu belum ada kabar.",
    "contact_name": "Bu Siti",
    "contact": "0812-3456-7890",
}
GOOD_SURVEY: dict[str, Any] = {e: 3 for e in citizen.SKM_ELEMENTS} | {
    "age": 30,
    "sex": "P",
    "education": "sma",
    "occupation": "wirausaha",
}


def node_problems(cases: list[dict[str, Any]]) -> list[dict[str, str]]:
    node = shutil.which("node")
    assert node, "node is needed for the field app's rules"
    done = subprocess.run(
        [node, str(BATCH)], input=json.dumps(cases), capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def server_problems(case: dict[str, Any]) -> dict[str, str]:
    check = citizen.feedback_problems if case["rule"] == "feedback" else citizen.survey_problems
    return check(case["values"])


def same_everywhere(cases: list[dict[str, Any]]) -> None:
    tablet = node_problems(cases)
    for case, mine in zip(cases, tablet, strict=True):
        assert mine == server_problems(case), case


FIXED = [
    *(
        {"rule": "feedback", "values": {**GOOD_FEEDBACK, **over}}
        for over in [
            {},
            {"kind": "keluhan"},
            {"kind": "saran", "category": ""},
            {"category": "lainnya"},
            {"category": ""},
            {"message": "pendek"},
            {"message": "   sepuluh!   "},
            {"message": " " * 30},
            {"message": "x" * 2000},
            {"message": "x" * 2001},
            {"message": "\U0001f600" * 2000},
            {"message": "ada \x00 di sini, cukup panjang"},
            {"message": "lone \ud800 surrogate, cukup panjang"},
            {"message": 12345678901},
            {"contact": 7},
            {"contact": "c" * 121},
            {"contact_name": "n" * 101},
            {"contact_name": "n" * 100},
        ]
    ),
    *(
        {"rule": "survey", "values": {**GOOD_SURVEY, **over}}
        for over in [
            {},
            {"u1": 0},
            {"u9": 5},
            {"u4": 2.5},
            {"u4": "3"},
            {"u2": True},
            {"u3": None},
            {"age": 14},
            {"age": 100},
            {"age": 101},
            {"age": "30"},
            {"sex": "X"},
            {"education": "d1_d3"},
            {"education": "D1_D3"},
            {"occupation": "petani_nelayan"},
            {"occupation": ""},
        ]
    ),
]


def test_fixed_cases_give_the_same_problems() -> None:
    problems = node_problems(FIXED)
    assert sum(1 for p in problems if p) >= 20  # most cases are refusals: the test can fail
    same_everywhere(FIXED)


texts = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1990, max_size=2010),
    st.sampled_from(["", " " * 12, "sepuluh ch", "\t\nsembilan\n"]),
)


@settings(max_examples=12)
@given(
    st.lists(
        st.one_of(
            st.fixed_dictionaries(
                {
                    "rule": st.just("feedback"),
                    "values": st.fixed_dictionaries(
                        {
                            "kind": st.sampled_from([*citizen.FEEDBACK_KINDS, "x"]),
                            "category": st.sampled_from([*citizen.COMPLAINT_CATEGORIES, ""]),
                            "message": texts,
                            "contact_name": st.text(max_size=110),
                            "contact": st.text(max_size=130),
                        }
                    ),
                }
            ),
            st.fixed_dictionaries(
                {
                    "rule": st.just("survey"),
                    "values": st.fixed_dictionaries(
                        {
                            **{e: st.integers(-1, 6) for e in citizen.SKM_ELEMENTS},
                            "age": st.integers(0, 130),
                            "sex": st.sampled_from([*citizen.SEXES, "x"]),
                            "education": st.sampled_from([*citizen.EDUCATION, "x"]),
                            "occupation": st.sampled_from([*citizen.OCCUPATIONS, "x"]),
                        }
                    ),
                }
            ),
        ),
        min_size=10,
        max_size=40,
    )
)
def test_generated_cases_give_the_same_problems(cases: list[dict[str, Any]]) -> None:
    same_everywhere(cases)
