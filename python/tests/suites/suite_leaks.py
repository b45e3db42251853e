"""Fixture suite for python/tests/test_plugin.py, run under `pytest --fdhound` (never collected by the
outer run: the name does not match test_*.py). Each leaking test has a clean twin; `MARK:<name>` names
the line that opens the descriptor the failure message must show."""
import asyncio
import gc
import os
import socket
import threading

import pytest

POOL = []


class Holder:
    """Refers to itself: only the cyclic garbage collector frees it (and the file it holds)."""

    def __init__(self, resource):
        self.resource = resource
        self.me = self


# ---- a socket kept in a module-level list ----------------------------------------------------------------

def test_socket_into_module_list():
    POOL.append(socket.socket(socket.AF_INET, socket.SOCK_STREAM))  # MARK:socket_into_module_list


def test_socket_into_module_list_twin():
    POOL.append(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
    POOL.pop().close()


# ---- file objects dropped to Python ------------------------------------------------------------------------

def test_file_dropped_to_the_collector(tmp_path):
    gc.disable()  # the collector must not run before the check does (it re-enables below)
    try:
        Holder(open(tmp_path / "cycle.txt", "w"))  # MARK:file_dropped_to_the_collector
    finally:
        gc.enable()


def test_file_dropped_to_the_collector_twin(tmp_path):
    holder = Holder(open(tmp_path / "cycle.txt", "w"))
    holder.resource.close()
    holder.me = None


def test_file_dropped_to_refcounting(tmp_path):
    f = open(tmp_path / "dropped.txt", "w")  # MARK:file_dropped_to_refcounting
    f.write("never closed")
    del f


def test_file_dropped_to_refcounting_twin(tmp_path):
    with open(tmp_path / "closed.txt", "w") as f:
        f.write("closed by with")


# ---- a fixture's set-up leaks --------------------------------------------------------------------------

@pytest.fixture
def leaky_connection():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen()
    client = socket.create_connection(server.getsockname())  # MARK:leaky_connection
    accepted, _ = server.accept()
    accepted.close()
    server.close()
    POOL.append(client)
    return client


@pytest.fixture
def tidy_connection():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen()
    client = socket.create_connection(server.getsockname())
    accepted, _ = server.accept()
    yield client
    client.close()
    accepted.close()
    server.close()


def test_fixture_setup_leaks(leaky_connection):
    assert leaky_connection.fileno() > 2


def test_fixture_setup_leaks_twin(tidy_connection):
    assert tidy_connection.fileno() > 2


@pytest.fixture(scope="module")
def module_server():
    """Held for the whole module on purpose: set up during the first test that uses it, never its leak."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen()
    yield server
    server.close()


def test_uses_module_scoped_server(module_server):
    assert module_server.getsockname()[1] > 0


# ---- asyncio: a close that completes a moment after the test ---------------------------------------------

@pytest.fixture(scope="module")
def loop_thread():
    """An event loop in a thread, like a server under test; made once for the module."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield loop
    loop.call_soon_threadsafe(loop.stop)
    thread.join()
    loop.close()


async def _echo_server():
    async def handle(reader, writer):
        await reader.read()  # until the client closes
        writer.close()
    return await asyncio.start_server(handle, "127.0.0.1", 0)


def test_asyncio_close_lands_late(loop_thread):
    async def connect_and_close_later():
        server = await _echo_server()
        _, writer = await asyncio.open_connection(*server.sockets[0].getsockname()[:2])
        # Returns at once; the loop closes the connection and the server a moment after the test ended.
        asyncio.get_running_loop().call_later(0.02, writer.close)
        asyncio.get_running_loop().call_later(0.02, server.close)
    asyncio.run_coroutine_threadsafe(connect_and_close_later(), loop_thread).result()


def test_asyncio_close_never_lands(loop_thread):
    async def connect_and_keep():
        server = await _echo_server()
        _, writer = await asyncio.open_connection(*server.sockets[0].getsockname()[:2])  # MARK:asyncio_close_never_lands
        POOL.append((server, writer))
    asyncio.run_coroutine_threadsafe(connect_and_keep(), loop_thread).result()


# ---- names from the program are escaped in the message ----------------------------------------------------

def test_hostile_file_name(tmp_path):
    POOL.append(open(tmp_path / "evil\x1b[31m\u202e.txt", "w"))  # MARK:hostile_file_name


# ---- markers -----------------------------------------------------------------------------------------------

@pytest.mark.fdhound(allow=1)
def test_allowed_one_leak():
    POOL.append(socket.socket())


@pytest.mark.fdhound(allow=1)
def test_allowance_exceeded():
    POOL.append(socket.socket())
    POOL.append(os.pipe())  # MARK:allowance_exceeded


@pytest.mark.fdhound(check=False)
def test_opted_out():
    POOL.append(socket.socket())


# ---- growth (run with --fdhound-growth-only) -----------------------------------------------------------------

CACHE = {}


@pytest.mark.parametrize("run", range(4))
def test_grows_every_run(run):
    POOL.append(socket.socket())  # MARK:grows_every_run


@pytest.mark.parametrize("run", range(4))
def test_pool_filled_once(run):
    if "pool" not in CACHE:
        CACHE["pool"] = [socket.socket() for _ in range(3)]
