import sqlalchemy as sa


def test_world_is_loaded(world, db):
    from gatekeeper.modules.jurisdictions.models import Jurisdiction, Level

    count = db.scalar(sa.select(sa.func.count()).where(Jurisdiction.level == Level.COMMUNITY))
    assert count == 80
    assert world.user("officer").department.code == "WJW"


def test_token_and_me(client, login_as):
    assert client.get("/api/v1/me").status_code == 401
    api = login_as("officer")
    body = api.get("/api/v1/me").get_json()
    assert body["username"] == "officer"
    other = login_as("member1")
    assert other.get("/api/v1/me").get_json()["username"] == "member1"
    assert api.get("/api/v1/me").get_json()["username"] == "officer"
