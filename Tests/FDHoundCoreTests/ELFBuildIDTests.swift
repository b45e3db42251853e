// The build-id reader: ELF notes parsed by hand, and a real compiled binary compared with readelf's view.
import Foundation
import XCTest
@testable import FDHoundCore

final class ELFBuildIDTests: XCTestCase {
    private func note(name: String, type: UInt32, desc: [UInt8]) -> Data {
        var data = Data()
        let nameBytes = Array(name.utf8) + [0]
        for value in [UInt32(nameBytes.count), UInt32(desc.count), type] {
            withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
        }
        data.append(contentsOf: nameBytes + Array(repeating: 0, count: (4 - nameBytes.count % 4) % 4))
        data.append(contentsOf: desc + Array(repeating: 0, count: (4 - desc.count % 4) % 4))
        return data
    }

    func testFindsTheGNUBuildIDNoteAmongOthers() {
        let notes = note(name: "GNU", type: 1, desc: [0, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0])
            + note(name: "GNU", type: 3, desc: [0xde, 0xad, 0xbe, 0xef, 0x01])
        XCTAssertEqual(ELFBuildID.buildID(inNotes: notes), "deadbeef01")
    }

    /// A module path in a trace is input: a FIFO there must not block the report (it did: open() waited
    /// for a writer). Bounded wait so a regression fails instead of hanging the suite.
    func testAFIFOAtAModulePathIsNotReadAndDoesNotBlock() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fdhound-fifo-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let fifo = directory.appendingPathComponent("libfifo.so").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let done = DispatchSemaphore(value: 0)
        final class Outcome: @unchecked Sendable { var buildID: String? = "unset" } // handed over by `done`
        let outcome = Outcome()
        Thread.detachNewThread {
            outcome.buildID = ELFBuildID.of(path: fifo)
            done.signal()
        }
        if done.wait(timeout: .now() + 60) == .timedOut {
            close(open(fifo, O_WRONLY | O_NONBLOCK)) // a writer that comes and goes releases the reader (EOF)
            XCTFail("reading the build-id of a FIFO blocked")
            done.wait()
        }
        XCTAssertNil(outcome.buildID)
        XCTAssertFalse(ModuleFileCheck.changedSinceTraced(path: fifo, buildID: "deadbeef"))
        XCTAssertNil(ELFBuildID.of(path: "/dev/zero"), "a device is not read")
    }

    func testTruncatedOrForeignNotesGiveNil() {
        let full = note(name: "GNU", type: 3, desc: Array(repeating: 7, count: 20))
        XCTAssertNil(ELFBuildID.buildID(inNotes: full.prefix(20)))
        XCTAssertNil(ELFBuildID.buildID(inNotes: note(name: "Xen", type: 3, desc: [1, 2, 3, 4])))
        XCTAssertNil(ELFBuildID.of(path: "/nonexistent/binary"))
        XCTAssertNil(ELFBuildID.of(path: "/etc/hostname"), "not an ELF file")
    }

    func testMatchesTheLinkersBuildIDOfARealBinary() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fdh-buildid-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = directory.appendingPathComponent("a.c"), binary = directory.appendingPathComponent("a")
        try Data("int main(void) { return 0; }\n".utf8).write(to: source)
        let id = "0123456789abcdef0123456789abcdef01234567"
        let cc = Process()
        cc.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        cc.arguments = ["cc", "-Wl,--build-id=0x\(id)", "-o", binary.path, source.path]
        try cc.run()
        cc.waitUntilExit()
        guard cc.terminationStatus == 0 else { throw XCTSkip("no C compiler") }
        XCTAssertEqual(ELFBuildID.of(path: binary.path), id)
    }
}
