"""Sign-in throttling: per user name and per address, shared through the store, lifting after the lockout."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from observatory.access.accounts import ThrottledError, add_user, authenticate
from observatory.config.models import AccessSpec
from observatory.meta.audit import AuditQuery, entries
from observatory.meta.models import LoginAttempt
from observatory.meta.store import MetaStore
from tests.access.conftest import ADMIN, PASSWORD

WRONG = "not the password at all"


@pytest.fixture
def users(meta: MetaStore) -> MetaStore:
    for name in ("jsmith", "akhan"):
        add_user(meta, name, "analyst", PASSWORD, by=ADMIN)
    return meta


def _fail(meta: MetaStore, settings: AccessSpec, username: str, address: str, times: int) -> None:
    for _ in range(times):
        assert authenticate(meta, settings, username, WRONG, address) is None


def _age_attempts(meta: MetaStore, by: timedelta) -> None:
    """Move every recorded attempt into the past (as if time had passed)."""
    with meta.session() as session:
        for attempt in session.scalars(select(LoginAttempt)):
            attempt.attempted_at -= by


def test_a_user_name_locks_after_max_failures_even_with_the_right_password(
    users: MetaStore, settings: AccessSpec
) -> None:
    _fail(users, settings, "jsmith", "10.0.0.1", settings.max_failed_logins - 1)
    assert authenticate(users, settings, "jsmith", WRONG, "10.0.0.2") is None  # the 5th, from elsewhere
    with pytest.raises(ThrottledError) as refused:
        authenticate(users, settings, "jsmith", PASSWORD, "10.0.0.3")
    assert 0 < refused.value.retry_after <= settings.lockout_minutes * 60 + 1
    assert refused.value.status == 429 and "Try again in 15 minutes" in refused.value.message
    assert authenticate(users, settings, "akhan", PASSWORD, "10.0.0.4") is not None, "other users are unaffected"
    [throttled] = [
        e for e in entries(users, AuditQuery(action="auth.login"))[0] if e["detail"].get("reason") == "throttled"
    ]
    assert (throttled["actor"], throttled["outcome"]) == ("jsmith", "refused")


def test_an_address_locks_after_max_failures_across_user_names(users: MetaStore, settings: AccessSpec) -> None:
    for number in range(settings.max_failed_logins):
        assert authenticate(users, settings, f"guess{number}", WRONG, "192.0.2.7") is None
    with pytest.raises(ThrottledError):
        authenticate(users, settings, "akhan", PASSWORD, "192.0.2.7")
    assert authenticate(users, settings, "akhan", PASSWORD, "192.0.2.8") is not None, "other addresses are not"


def test_the_lockout_lifts_once_the_failures_are_older_than_lockout_minutes(
    users: MetaStore, settings: AccessSpec
) -> None:
    _fail(users, settings, "jsmith", "10.0.0.1", settings.max_failed_logins)
    with pytest.raises(ThrottledError):
        authenticate(users, settings, "jsmith", PASSWORD, "10.0.0.1")
    _age_attempts(users, timedelta(minutes=settings.lockout_minutes - 1))
    with pytest.raises(ThrottledError) as still:
        authenticate(users, settings, "jsmith", PASSWORD, "10.0.0.1")
    assert still.value.retry_after <= 61
    _age_attempts(users, timedelta(minutes=1, seconds=1))
    assert authenticate(users, settings, "jsmith", PASSWORD, "10.0.0.1") is not None


def test_a_successful_sign_in_clears_the_failures_of_that_user_name(users: MetaStore, settings: AccessSpec) -> None:
    _fail(users, settings, "jsmith", "10.0.0.1", settings.max_failed_logins - 1)
    assert authenticate(users, settings, "jsmith", PASSWORD, "10.0.0.2") is not None
    _fail(users, settings, "jsmith", "10.0.0.3", settings.max_failed_logins - 1)
    assert authenticate(users, settings, "jsmith", PASSWORD, "10.0.0.4") is not None


def test_a_success_does_not_clear_the_failures_of_an_address(users: MetaStore, settings: AccessSpec) -> None:
    """Otherwise one person with an account could keep guessing other people's passwords from one address."""
    _fail(users, settings, "jsmith", "10.0.0.9", settings.max_failed_logins - 1)
    assert authenticate(users, settings, "akhan", PASSWORD, "10.0.0.9") is not None
    _fail(users, settings, "someone", "10.0.0.9", 1)
    with pytest.raises(ThrottledError):
        authenticate(users, settings, "akhan", PASSWORD, "10.0.0.9")


def test_refused_attempts_while_locked_do_not_extend_the_lockout(users: MetaStore, settings: AccessSpec) -> None:
    _fail(users, settings, "jsmith", "10.0.0.1", settings.max_failed_logins)
    for _ in range(3):
        with pytest.raises(ThrottledError):
            authenticate(users, settings, "jsmith", WRONG, "10.0.0.1")
    _age_attempts(users, timedelta(minutes=settings.lockout_minutes, seconds=1))
    assert authenticate(users, settings, "jsmith", PASSWORD, "10.0.0.1") is not None


def test_guesses_sent_at_once_are_held_to_the_limit(users: MetaStore, settings: AccessSpec) -> None:
    """Many wrong passwords sent in parallel (a server works on requests side by side) get no more checks than
    ``max_failed_logins``: each attempt is counted before its password is checked."""
    guesses = 4 * settings.max_failed_logins
    start = threading.Barrier(guesses)
    outcomes: list[str] = []

    def guess() -> None:
        start.wait()
        try:
            outcomes.append(
                "checked" if authenticate(users, settings, "jsmith", WRONG, "203.0.113.9") is None else "in"
            )
        except ThrottledError:
            outcomes.append("throttled")

    threads = [threading.Thread(target=guess) for _ in range(guesses)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == guesses and outcomes.count("in") == 0
    assert outcomes.count("checked") == settings.max_failed_logins, f"{outcomes.count('checked')} passwords checked"
