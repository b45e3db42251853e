// Replays the trace-reader fuzzer's committed corpus (Tests/Fixtures/fuzz-corpus/trace-reader) through the
// fuzz target's own path in every `swift test`, without libFuzzer: an input that once crashed, hung or
// allocated without bound stays a test after its fix. tools/fuzz grows the corpus.
import FDHoundTestSupport
import Foundation
import XCTest

final class FuzzCorpusTests: XCTestCase {
    private let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/fuzz-corpus/trace-reader")

    func testEveryCorpusInputIsReportedOrRefusedWithATraceError() throws {
        let files = try FileManager.default.contentsOfDirectory(at: corpus, includingPropertiesForKeys: nil)
        XCTAssertGreaterThan(files.count, 10, "the corpus is in the repository")
        var reported = 0, refused = 0
        for file in files.sorted(by: { $0.lastPathComponent < $1.lastPathComponent }) {
            switch TraceReadPath.exercise(try [UInt8](Data(contentsOf: file))) {
            case .reported(let json):
                XCTAssertGreaterThan(json, 0, file.lastPathComponent)
                reported += 1
            case .refused(let message):
                XCTAssertFalse(message.contains("unexpected error type"), "\(file.lastPathComponent): \(message)")
                XCTAssertNotNil(message.range(of: #"fuzz(-2)?\.trace"#, options: .regularExpression),
                                "the error names the file: \(message)")
                refused += 1
            }
        }
        // Both outcomes occur, or the corpus no longer covers what it claims to.
        XCTAssertGreaterThan(reported, 0, "reported \(reported), refused \(refused)")
        XCTAssertGreaterThan(refused, 0, "reported \(reported), refused \(refused)")
    }
}
