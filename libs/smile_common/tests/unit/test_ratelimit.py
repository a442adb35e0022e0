"""Token buckets: bursts allowed, then a steady rate, with an honest Retry-After."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from smile_common.hardening import Rate, RateLimiter, parse_rate
from smile_common.settings import ServiceSettings


def test_rates_are_read_from_settings_text() -> None:
    assert parse_rate("300/minute") == Rate(300, 60, 60)
    assert parse_rate(" 10 / second burst 3 ") == Rate(10, 1, 3)
    for text in ("300", "300/fortnight", "0/minute", "ten/minute"):
        with pytest.raises(ValueError, match="rate"):
            parse_rate(text)


def test_bad_limits_stop_the_service_at_startup() -> None:
    with pytest.raises(ValidationError, match="rate"):
        ServiceSettings(rate_limit_anonymous="lots")
    with pytest.raises(ValidationError, match="must start with"):
        ServiceSettings(rate_limit_paths={"data-protection": "1/minute"})
    with pytest.raises(ValidationError):
        ServiceSettings(rate_limit_exempt=["not-a-network"])
    assert ServiceSettings(rate_limit_anonymous="").rate_limit_anonymous == ""


def test_a_bucket_allows_its_burst_then_refills_at_the_rate() -> None:
    now = [0.0]
    limiter = RateLimiter(Rate(60, 60, 3), clock=lambda: now[0])
    assert [limiter.hit("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.hit("a") == pytest.approx(1.0)
    assert limiter.hit("b") == 0.0  # another key has its own bucket
    now[0] = 0.5
    assert limiter.retry_after("a") == pytest.approx(0.5)
    now[0] = 1.0
    assert limiter.hit("a") == 0.0
    assert limiter.hit("a") == pytest.approx(1.0)
    now[0] = 100.0
    assert [limiter.hit("a") for _ in range(4)][-1] > 0  # never more than the burst after a long pause


def test_the_number_of_remembered_clients_is_bounded() -> None:
    limiter = RateLimiter(Rate(1, 3600, 1), max_keys=100)
    for i in range(1000):
        limiter.hit(f"198.51.100.{i}")
    assert len(limiter._buckets) == 100
