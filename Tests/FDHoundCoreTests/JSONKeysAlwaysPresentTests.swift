// The JSON contract: every documented key is present in every object, `null` when the value is unknown (a
// consumer doing frame["file"] must not crash), and reports written before that (keys left out) still decode.
import FDHoundTestSupport
import XCTest
@testable import FDHoundCore

final class JSONKeysAlwaysPresentTests: XCTestCase {
    private func jsonObject<T: Encodable>(_ value: T) throws -> [String: Any] {
        let data = try JSONEncoder().encode(value)
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func testUnknownFrameFieldsAreNullNotMissing() throws {
        let frame = try jsonObject(Frame(module: "/usr/lib/x86_64-linux-gnu/libc.so.6", address: "0x2a1c9"))
        XCTAssertEqual(Set(frame.keys), ["function", "file", "line", "column", "module", "address", "inlined",
                                         "debugInfo", "nearSymbol"])
        for key in ["function", "file", "line", "column", "debugInfo", "nearSymbol"] {
            XCTAssertTrue(frame[key] is NSNull, "\(key) should be null, is \(String(describing: frame[key]))")
        }
        let known = try jsonObject(Frame(function: "main", file: "/src/a.c", line: 3, column: 1, module: "/bin/a", address: "0x10"))
        XCTAssertEqual(known["file"] as? String, "/src/a.c")
        XCTAssertEqual(known["line"] as? Int, 3)
    }

    func testEveryOptionalOfTheReportModelIsWritten() throws {
        let culprit = Frame(function: "leak", module: "/bin/a", address: "0x10")
        let leak = LeakGroup(id: "L1", count: 1, kind: "file", api: "open", owner: "fd", culprit: culprit, stack: [culprit],
                             samples: [], pids: [1], firstSeenSeconds: 0, lastSeenSeconds: 0)
        let object = try jsonObject(leak)
        for key in ["calledFrom", "openedAtSite", "closedAtSite", "closeWait", "phase"] {
            XCTAssertTrue(object[key] is NSNull, "leak.\(key) should be present and null")
        }
        let process = ProcessSummary(pid: 1, ppid: 0, argv: [], state: "exited", traceFile: "t", openAtEnd: 0, leaked: 0,
                                     dropped: DroppedCounters(events: 0, strings: 0, modules: 0, stacks: 0,
                                                              liveDescriptors: 0, callSites: 0))
        let processObject = try jsonObject(process)
        for key in ["executable", "attached", "startTime", "durationSeconds", "rlimitSoft", "rlimitHard", "dbus",
                    "python", "evidence", "timeLeft"] {
            XCTAssertTrue(processObject[key] is NSNull, "process.\(key) should be present and null")
        }
        let misuse = MisuseGroup(id: "M1", kind: "double-close", count: 1, fd: 3, pids: [1],
                                 close: .init(culprit: culprit, stack: [culprit]))
        let misuseObject = try jsonObject(misuse)
        for key in ["description", "owner", "earlierClose", "open"] {
            XCTAssertTrue(misuseObject[key] is NSNull, "misuse.\(key) should be present and null")
        }
    }

    func testReportsWithoutTheNullKeysStillDecode() throws {
        // A frame and a leak as fdhound wrote them before every key was always present. (Baselines and diff
        // read saved reports with JSONSerialization, which also takes reports from before fingerprints.)
        let old = """
            {"id":"L1","fingerprint":"","count":2,"kind":"file","api":"open","owner":"fd",
             "culprit":{"module":"/bin/a","address":"0x10","inlined":false},
             "stack":[{"function":"leak","module":"/bin/a","address":"0x10","inlined":false}],
             "samples":[],"pids":[1],"perProcess":[],"firstSeenSeconds":0,"lastSeenSeconds":1}
            """
        let leak = try JSONDecoder().decode(LeakGroup.self, from: Data(old.utf8))
        XCTAssertNil(leak.culprit.file)
        XCTAssertNil(leak.phase)
        XCTAssertNil(leak.calledFrom)
        XCTAssertEqual(leak.stack.first?.function, "leak")
        XCTAssertEqual(leak.count, 2)
    }

    func testNullDecodesAsNil() throws {
        let json = #"{"function":null,"file":null,"line":null,"column":null,"module":"m","address":"0x1","inlined":true}"#
        let frame = try JSONDecoder().decode(Frame.self, from: Data(json.utf8))
        XCTAssertEqual(frame, Frame(module: "m", address: "0x1", inlined: true))
    }
}
