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
            "",
            " ",
        ]
    ),
)

FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def live_markup(content: bytes) -> bool:
    """Whether a page carries one of the planted tags unescaped."""
    return SCRIPT.encode() in content or IMG.encode() in content
