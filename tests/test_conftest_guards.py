import os
import socket

import pytest


def test_a_connection_beyond_loopback_is_refused():
    with pytest.raises(ConnectionRefusedError, match="never touch the internet"):
        socket.create_connection(("192.0.2.1", 80), timeout=1)  # TEST-NET-1: documentation only


def test_the_cache_is_private_to_the_test_session():
    assert "kgtasks-cache" in os.environ["KGTASKS_CACHE"]
