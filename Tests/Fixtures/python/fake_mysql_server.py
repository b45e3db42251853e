# fake_mysql_server.py — a stand-in MySQL server for the PyPy + PyMySQL scenario (PyPyTests), run by CPython
# outside the trace. It speaks just enough of the client/server protocol for PyMySQL to connect: the initial
# handshake (protocol v10, mysql_native_password), a check of the client's scrambled password (a wrong one
# gets an ERR packet, so a client that did not really authenticate cannot pass for one), OK to the `SET …`
# statements PyMySQL sends while connecting, and then silence: any other query is never answered, so the
# client's read timeout fires. Listens on 127.0.0.1 on an ephemeral port, prints "ready PORT" first, and
# exits by itself after LIFETIME seconds (argv[1], default 60) whatever happens; the test stops it by pid.
import hashlib
import os
import socket
import struct
import sys
import threading

USER = b"app"
PASSWORD = b"secret"
NATIVE = b"mysql_native_password"

# Capability flags (MySQL protocol): LONG_PASSWORD | CONNECT_WITH_DB | PROTOCOL_41 | TRANSACTIONS |
# SECURE_CONNECTION | MULTI_RESULTS | PLUGIN_AUTH.
CAPABILITIES = 0x1 | 0x8 | 0x200 | 0x2000 | 0x8000 | 0x20000 | 0x80000
AUTOCOMMIT_STATUS = 0x0002


def send(connection, sequence, payload):
    connection.sendall(struct.pack("<I", len(payload))[:3] + bytes([sequence & 0xFF]) + payload)


def receive(stream):
    """(sequence, payload) of the next packet, or None when the client went away."""
    header = stream.read(4)
    if len(header) < 4:
        return None
    length = header[0] | header[1] << 8 | header[2] << 16
    payload = stream.read(length)
    return None if len(payload) < length else (header[3], payload)


def handshake(salt):
    return (b"\x0a" + b"5.7.44-fdhound-fake\0" + struct.pack("<I", 1) + salt[:8] + b"\0"
            + struct.pack("<H", CAPABILITIES & 0xFFFF) + bytes([45]) + struct.pack("<H", AUTOCOMMIT_STATUS)
            + struct.pack("<H", CAPABILITIES >> 16) + bytes([len(salt) + 1]) + b"\0" * 10
            + salt[8:] + b"\0" + NATIVE + b"\0")


def ok_packet():
    return b"\x00\x00\x00" + struct.pack("<HH", AUTOCOMMIT_STATUS, 0)


def err_packet(code, message):
    return b"\xff" + struct.pack("<H", code) + b"#28000" + message


def scramble(password, salt):
    """mysql_native_password: SHA1(password) XOR SHA1(salt + SHA1(SHA1(password)))."""
    stage1 = hashlib.sha1(password).digest()
    stage2 = hashlib.sha1(salt + hashlib.sha1(stage1).digest()).digest()
    return bytes(a ^ b for a, b in zip(stage1, stage2))


def authenticated(payload, salt):
    """Whether a HandshakeResponse41 names USER with PASSWORD scrambled over this salt."""
    user_end = payload.index(b"\0", 32)
    user = payload[32:user_end]
    length = payload[user_end + 1]
    response = payload[user_end + 2:user_end + 2 + length]
    return user == USER and response == scramble(PASSWORD, salt)


def serve(connection):
    with connection, connection.makefile("rb") as stream:
        salt = os.urandom(20).replace(b"\0", b"\1")
        send(connection, 0, handshake(salt))
        packet = receive(stream)
        if packet is None:
            return
        if not authenticated(packet[1], salt):
            send(connection, packet[0] + 1, err_packet(1045, b"Access denied"))
            return
        send(connection, packet[0] + 1, ok_packet())
        while True:
            packet = receive(stream)
            if packet is None or packet[1][:1] == b"\x01":  # gone, or COM_QUIT
                return
            command, text = packet[1][:1], packet[1][1:]
            if command == b"\x03" and text.upper().startswith(b"SET "):
                send(connection, packet[0] + 1, ok_packet())
            elif command == b"\x0e":  # COM_PING
                send(connection, packet[0] + 1, ok_packet())
            # Any other query: never answered (the scenario's timed-out query).


def main():
    lifetime = float(sys.argv[1]) if len(sys.argv) > 1 else 60.0
    threading.Timer(lifetime, lambda: os._exit(0)).start()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    print("ready", listener.getsockname()[1], flush=True)
    while True:
        connection, _ = listener.accept()
        threading.Thread(target=serve, args=(connection,), daemon=True).start()


main()
