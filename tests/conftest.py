"""Suite-wide guards: no test reaches beyond this machine, and none writes to the user's cache."""
import ipaddress
import socket

import pytest

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _check_loopback(sock: socket.socket, address) -> None:
    if sock.family not in (socket.AF_INET, socket.AF_INET6):
        return
    host = address[0]
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ConnectionRefusedError(f"tests never touch the internet: refused a connection to {host}")


def _guarded_connect(self, address):
    _check_loopback(self, address)
    return _real_connect(self, address)


def _guarded_connect_ex(self, address):
    _check_loopback(self, address)
    return _real_connect_ex(self, address)


@pytest.fixture(autouse=True, scope="session")
def _no_internet_and_a_private_cache(tmp_path_factory):
    socket.socket.connect = _guarded_connect
    socket.socket.connect_ex = _guarded_connect_ex
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KGTASKS_CACHE", str(tmp_path_factory.mktemp("kgtasks-cache")))
        yield
    socket.socket.connect = _real_connect
    socket.socket.connect_ex = _real_connect_ex


def register_family(monkeypatch, name, generator, tools=(), graders=()):
    """Register a family for one test, as a plug-in's entry point would, and remove it afterwards."""
    from tasks import families

    families.families()  # the entry points first, so the test's family is added to them
    monkeypatch.setitem(families._REGISTRY, name, families.FamilySpec(name, generator, tools, graders))
