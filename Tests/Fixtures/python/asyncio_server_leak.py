# asyncio_server_leak.py — fixture for Tests/FDHoundEndToEndTests/ReclaimedPythonTests.swift: an asyncio
# TCP server on 127.0.0.1 (port 0) whose handler task leaks one listening socket each time a client
# disconnects (it opens a data-channel socket for the session and never closes it), next to a correct
# twin server that closes its socket. Clients connect and disconnect CLIENTS times to each. Nothing is
# open at exit: the leaked sockets are kept in a module-level list and closed at interpreter shutdown, so
# only the growth report and the shutdown classification show them. Usage:
#     python asyncio_server_leak.py CLIENTS
import asyncio
import socket
import sys

SESSIONS = []  # the leaking handler's data-channel sockets: nobody ever closes them


async def handle_client(reader, writer):
    await reader.read()  # until the client disconnects
    SESSIONS.append(socket.create_server(("127.0.0.1", 0)))  # MARK:handle_client
    writer.close()
    await writer.wait_closed()


async def handle_client_closing(reader, writer):
    await reader.read()
    channel = socket.create_server(("127.0.0.1", 0))  # MARK:handle_client_closing
    channel.close()
    writer.close()
    await writer.wait_closed()


async def visit(port):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"hello")
    await writer.drain()
    writer.close()
    await writer.wait_closed()


async def main(clients):
    leaking = await asyncio.start_server(handle_client, "127.0.0.1", 0)
    closing = await asyncio.start_server(handle_client_closing, "127.0.0.1", 0)
    ports = [server.sockets[0].getsockname()[1] for server in (leaking, closing)]
    for _ in range(clients):
        for port in ports:
            await visit(port)
    while len(SESSIONS) < clients:  # the last handler may still be finishing
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)
    for server in (leaking, closing):
        server.close()
        await server.wait_closed()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
