// When the culprit is inside a library, the report also names the application frame that called into it:
// the program's own code for native stacks, the first Python frame outside the stdlib and installed
// packages for Python stacks.
import XCTest
@testable import FDHoundCore

final class ApplicationCallerTests: XCTestCase {
    private func native(_ function: String, _ module: String) -> Frame {
        Frame(function: function, file: "/src/\(function).c", line: 1, column: nil, module: module, address: "0x1", inlined: false)
    }

    private func python(_ function: String, _ file: String) -> Frame {
        Frame(function: function, file: file, line: 7, column: nil, module: PythonFrames.module, address: "0x2", inlined: false)
    }

    func testNativeLibraryCulpritNamesTheProgramsCaller() throws {
        let stack = [native("__socket", "/lib/libc.so.6"), native("_dbus_connect_unix", "/lib/libdbus-1.so.3"),
                     native("connect_device", "/srv/app"), native("main", "/srv/app")]
        let culprit = try XCTUnwrap(CulpritSelector.culprit(in: stack))
        XCTAssertEqual(culprit.function, "_dbus_connect_unix")
        XCTAssertEqual(CulpritSelector.applicationCaller(in: stack, culprit: culprit, executable: "/srv/app")?.function,
                       "connect_device")
    }

    func testCulpritInTheProgramHasNoSeparateCaller() throws {
        let stack = [native("open", "/lib/libc.so.6"), native("load_cache", "/srv/app"), native("main", "/srv/app")]
        let culprit = try XCTUnwrap(CulpritSelector.culprit(in: stack))
        XCTAssertNil(CulpritSelector.applicationCaller(in: stack, culprit: culprit, executable: "/srv/app"))
    }

    func testPythonPackageCulpritNamesTheApplicationFunction() throws {
        let stack = [native("socket", "/lib/libc.so.6"),
                     python("BusConnection.__new__", "/usr/lib/python3/dist-packages/dbus/bus.py"),
                     python("connect_ble", "/srv/ble/client.py"),
                     python("<module>", "/srv/ble/main.py")]
        let culprit = try XCTUnwrap(CulpritSelector.culprit(in: stack))
        XCTAssertEqual(culprit.function, "BusConnection.__new__")
        XCTAssertEqual(CulpritSelector.applicationCaller(in: stack, culprit: culprit, executable: "/usr/bin/python3")?.function,
                       "connect_ble")
    }
}
