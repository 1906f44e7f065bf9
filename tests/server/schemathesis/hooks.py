"""Loaded by schemathesis (SCHEMATHESIS_HOOKS) in tests/server/test_openapi.py: tus bodies
(``application/offset+octet-stream``) are raw bytes, which schemathesis cannot make from a
schema, so PATCH and creation-with-upload are exercised with these: the start of a JPEG, of
a PDF, or anything at all."""

from __future__ import annotations

import schemathesis
from hypothesis import strategies as st

schemathesis.openapi.media_type(
    "application/offset+octet-stream",
    st.one_of(
        st.binary(max_size=512),
        st.binary(max_size=256).map(lambda tail: b"\xff\xd8\xff\xe0" + tail),
        st.binary(max_size=256).map(lambda tail: b"%PDF-1.7\n" + tail),
    ),
)
