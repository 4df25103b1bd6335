import dataclasses
import json
from decimal import Decimal

import pytest

from redflags.rules import TUNABLES, InvalidSettings, RuleSettings


def test_every_setting_is_described_once_for_the_form():
    names = [tunable.name for tunable in TUNABLES]

    assert sorted(names) == sorted(field.name for field in dataclasses.fields(RuleSettings))
    assert len(names) == len(set(names))
    assert all(tunable.label and tunable.help for tunable in TUNABLES)


def test_every_default_is_within_its_own_limits():
    defaults = RuleSettings()

    for tunable in TUNABLES:
        value = getattr(defaults, tunable.name)
        if value is None:
            assert tunable.optional
        elif tunable.min is not None:
            assert tunable.min <= value <= tunable.max


def test_overrides_are_converted_from_json_values():
    settings = RuleSettings.from_overrides(
        {
            "keep_at": "75",
            "half_life_days": 60,
            "late_day_points": "2.5",
            "trend_weight": 0.5,
            "target_hourly_rate": "85.00",
            "target_currency": "eur",
        }
    )

    assert settings.keep_at == 75
    assert settings.half_life_days == 60
    assert settings.late_day_points == Decimal("2.5")
    assert settings.trend_weight == Decimal("0.5")
    assert settings.target_hourly_rate == Decimal("85.00")
    assert settings.target_currency == "EUR"


def test_empty_target_rate_turns_the_effort_rule_off():
    settings = RuleSettings.from_overrides({"target_hourly_rate": ""})

    assert settings.target_hourly_rate is None


def test_unknown_and_invalid_keys_are_all_named():
    with pytest.raises(ValueError, match="invalid rule settings") as raised:
        RuleSettings.from_overrides(
            {
                "keep_at": 80,
                "no_such_rule": 1,
                "pattern_points": -5,
                "half_life_days": "soon",
                "pattern_count": 4.5,
                "late_grace_days": True,
                "trend_weight": "1.5",
                "target_currency": "euros",
            }
        )

    assert set(raised.value.keys) == {
        "no_such_rule",
        "pattern_points",
        "half_life_days",
        "pattern_count",
        "late_grace_days",
        "trend_weight",
        "target_currency",
    }


@pytest.mark.parametrize("value", ["NaN", "Infinity", None])
def test_numbers_must_be_real(value):
    with pytest.raises(InvalidSettings):
        RuleSettings.from_overrides({"late_day_points": value})


def test_watch_score_above_keep_score_is_refused():
    with pytest.raises(InvalidSettings) as raised:
        RuleSettings.from_overrides({"keep_at": 50, "watch_at": 60})

    assert set(raised.value.keys) == {"keep_at", "watch_at"}


def test_defaults_have_no_overrides():
    assert RuleSettings().overrides() == {}


def test_overrides_round_trip_through_json():
    settings = RuleSettings(
        keep_at=75,
        late_day_points=Decimal("2.25"),
        target_hourly_rate=Decimal("80"),
        target_currency="EUR",
    )

    stored = json.loads(json.dumps(settings.overrides()))

    assert stored == {
        "keep_at": 75,
        "late_day_points": "2.25",
        "target_hourly_rate": "80",
        "target_currency": "EUR",
    }
    assert RuleSettings.from_overrides(stored) == settings
