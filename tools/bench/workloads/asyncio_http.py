# asyncio_http.py PORT — the suite's Python server: a minimal HTTP/1.1 server on asyncio streams at
# 127.0.0.1:PORT answering every request "ok" with Connection: close (a descriptor accepted and closed per
# request, like nginx's configuration in tools/bench/run). Runs until killed.
import asyncio
import sys

RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"


async def handle(reader, writer):
    try:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(RESPONSE)
        await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", int(sys.argv[1]), backlog=1024)
    async with server:
        await server.serve_forever()


asyncio.run(main())
