"""Log-in throttling per user name and address, hashed secrets, token expiry."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from gatekeeper.core import clock
from gatekeeper.modules.accounts.models import ApiToken, User
from tests.conftest import PASSWORD

TOKEN = "/api/v1/auth/token"


def log_in(client, username, password, address="10.0.0.1"):
    return client.post(
        TOKEN, json={"username": username, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


def test_guessing_from_elsewhere_does_not_lock_the_member_out(app, client):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert log_in(client, "chair", "guess", address="203.0.113.7").status_code == 401
    assert log_in(client, "chair", PASSWORD, address="203.0.113.7").status_code == 429
    assert log_in(client, "chair", PASSWORD, address="10.0.0.1").status_code == 201


def test_spraying_many_names_from_one_address_is_stopped(app, client):
    limit = app.config["LOGIN_MAX_FAILURES"]
    names = [f"member{n}" for n in range(1, 6)] + ["chair", "secretariat", "admin"]
    answers = [
        log_in(client, name, "guess", address="198.51.100.2").status_code
        for name in names
        for _ in range(limit - 1)
    ]
    assert answers[: 4 * limit] == [401] * (4 * limit)
    assert set(answers[4 * limit :]) == {429}
    assert log_in(client, "head", PASSWORD, address="198.51.100.2").status_code == 429


def test_secrets_are_stored_hashed_and_tokens_expire(app, client, db):
    answer = log_in(client, "officer", PASSWORD)
    token = answer.get_json()["token"]
    stored = db.scalars(sa.select(ApiToken.token_hash)).all()
    assert token not in stored and all(len(h) == 64 for h in stored)
    assert PASSWORD not in db.scalar(sa.select(User.password_hash).where(User.username == "officer"))
    expires = dt.datetime.fromisoformat(answer.get_json()["expires_at"])
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    with clock.frozen(expires + dt.timedelta(seconds=1)):
        assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_a_disabled_user_is_refused(client, db):
    token = log_in(client, "officer", PASSWORD).get_json()["token"]
    db.scalar(sa.select(User).where(User.username == "officer")).active = False
    db.commit()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert log_in(client, "officer", PASSWORD).status_code == 401
