"""Hostile values for the fuzz tests: what a careless or malicious browser might post."""

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"

hostile_text = st.one_of(
    st.text(max_size=300),
    st.sampled_from(
        [
            SCRIPT,
            IMG,
            "\u202e\u0000",
            "1e999",
            "-0",
            "9" * 40,
            "2026-02-30",
            "../../etc/passwd",
            "' OR 1=1 --",
            # Edges a form may accept and the code behind it may not expect.
            "0001-01-01",
            "9999-12-31",
            "-1",
            "0.001",
            "NaN",
            "Infinity",
            "99999999999.99",
            "\u0661\u0662",  # Arabic-Indic digits: Decimal() reads them as 12
            "\u00b2",  # str.isdigit() says yes, int() says no
            "\x00",  # PostgreSQL refuses NUL in text
            "9" * 5000,  # beyond the 4,300 digits int() reads
            "x" * 5000,  # longer than any text field
            "",
            " ",
        ]
    ),
)

# Only a JSON document can carry these (a browser's form post is UTF-8, which cannot).
LONE_SURROGATES = st.sampled_from(["\ud800", "a\udfffb", "\udc00\x00"])
hostile_json_text = st.one_of(hostile_text, LONE_SURROGATES)

FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def live_markup(content: bytes) -> bool:
    """Whether a page carries one of the planted tags unescaped."""
    return SCRIPT.encode() in content or IMG.encode() in content
