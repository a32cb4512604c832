"""The one base64url helper: unpadded, round-trips every byte string, one error type."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from redact._b64 import b64url_decode, b64url_encode


@given(st.binary(max_size=200))
def test_round_trip_and_no_padding(data: bytes) -> None:
    """decode(encode(x)) == x; the text is URL-safe and unpadded; padded input decodes too."""
    text = b64url_encode(data)
    assert "=" not in text and "+" not in text and "/" not in text
    assert b64url_decode(text) == data
    assert b64url_decode(base64.urlsafe_b64encode(data).decode()) == data


@pytest.mark.parametrize("bad", ["a", "ab$d", "é", "abcde"])
def test_invalid_text_is_a_value_error(bad: str) -> None:
    """Non-base64url text raises ValueError (never binascii.Error of another shape)."""
    with pytest.raises(ValueError):
        b64url_decode(bad)
