import pytest


@pytest.fixture(autouse=True)
def english(client):
    """These tests read English messages: the shopper has chosen English (the cookie)."""
    client.set_cookie("lang", "en")
