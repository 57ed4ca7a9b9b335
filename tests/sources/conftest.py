"""Fixtures for the sources' tests."""

import pytest

from coordinator_fakes import FakeCoordinator


@pytest.fixture
def fake_coordinator():
    fake = FakeCoordinator()
    yield fake
    fake.stop()
