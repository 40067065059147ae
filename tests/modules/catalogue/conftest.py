"""Fixtures of the catalogue tests: the demo gate's published version, a draft, a second gate."""

from __future__ import annotations

import pytest

from gatekeeper.modules.catalogue import operations as ops
from gatekeeper.modules.jurisdictions.models import Gate, Jurisdiction, Level


@pytest.fixture
def published(world):
    """Version 1 of gate LJ, published by the demo loader."""
    return ops.current_version(world.gate)


@pytest.fixture
def draft(db, world, published):
    """Version 2 of gate LJ: a draft copied from version 1 by the secretariat (committed)."""
    version = ops.create_version(world.gate, label="2027年版", actor=world.user("secretariat"))
    db.commit()
    return version


@pytest.fixture
def other_gate(db, world):
    """A second gate (another district of the same city) with no catalogue yet."""
    city = world.district.parent
    district = Jurisdiction(
        code="QT", name="其他区", level=Level.DISTRICT, parent=city, path=city.path + "QT/"
    )
    gate = Gate(
        code="QT",
        name="其他区社区工作事项准入",
        jurisdiction=district,
        committee_name="其他区社区建设与管理指导委员会",
        escalation_body_name="其他区人民政府常务会议",
        number_prefix="QT",
        settings={},
    )
    db.add_all([district, gate])
    db.commit()
    return gate
