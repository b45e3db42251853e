#!/usr/bin/python3
"""Leaks D-Bus connections the way the BLE library did: one private bus connection per failed "connect",
kept referenced and never closed, next to a correct twin that closes every connection it opens.

usage: leak_dbus_connections.py BUS_ADDRESS LEAKED CLOSED [abandon|finalize|session-bus]
The end-to-end test (Tests/FDHoundEndToEndTests/DBusTests.swift) traces this under `fdhound run` against a
private dbus-daemon. "abandon" (the default) ends the way a daemon is stopped: without interpreter
finalization, which would otherwise close whatever _failed_attempts still holds (dbus-python closes a
connection when its object is freed). The test then expects exactly LEAKED connections left open, opened
by connect_ble_device_leaking; with "finalize" none are left open but the peak still shows LEAKED.
"session-bus" leaks LEAKED private session-bus connections (dbus_bus_get_private, the bus found through
DBUS_SESSION_BUS_ADDRESS) from open_session_bus_leaking instead, and abandons.
"""
import os
import sys

import dbus
import dbus.bus

# Referenced until the process ends: that is what keeps a leaked connection open.
_failed_attempts = []


def connect_ble_device_leaking(address):
    bus = dbus.bus.BusConnection(address)
    # The "device" did not answer; the code forgets the connection instead of closing it.
    _failed_attempts.append(bus)


def connect_ble_device_closing(address):
    bus = dbus.bus.BusConnection(address)
    try:
        bus.get_unique_name()
    finally:
        bus.close()


def open_session_bus_leaking():
    _failed_attempts.append(dbus.SessionBus(private=True))


def main():
    address, leaked, closed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    ending = sys.argv[4] if len(sys.argv) > 4 else "abandon"
    for _ in range(closed):
        connect_ble_device_closing(address)
    for _ in range(leaked):
        if ending == "session-bus":
            open_session_bus_leaking()
        else:
            connect_ble_device_leaking(address)
    sys.stdout.write("held %d connections\n" % len(_failed_attempts))
    sys.stdout.flush()
    if ending in ("abandon", "session-bus"):
        os._exit(0)


if __name__ == "__main__":
    main()
