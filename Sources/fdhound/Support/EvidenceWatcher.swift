// Watches the traces of a `fdhound run` while the command runs and prints one line on stderr the first time
// each process crosses its threshold or hits EMFILE/ENFILE. Once a second, and cheaply: EvidencePeek reads
// ~4 KB per trace file (the header and the evidence section).
import FDHoundCore
import Foundation

final class EvidenceWatcher: @unchecked Sendable {
    private let directory: String
    private let reportHint: String
    private let queue = DispatchQueue(label: "fdhound.evidence-watcher")
    private var timer: DispatchSourceTimer?
    private var announced = Set<String>()

    init(directory: String) {
        self.directory = directory
        reportHint = "fdhound report \(directory) shows the code paths holding them"
    }

    func start() {
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + 1, repeating: 1, leeway: .milliseconds(200))
        timer.setEventHandler { [weak self] in self?.poll() }
        timer.resume()
        self.timer = timer
    }

    /// Stops the timer and takes a last look (a snapshot taken just before the command ended).
    func stop() {
        timer?.cancel()
        queue.sync { poll() }
    }

    private func poll() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names.sorted() where name.hasPrefix("fdhound.") && name.hasSuffix(".trace") {
            for moment in EvidencePeek.moments(path: (directory as NSString).appendingPathComponent(name)) {
                guard announced.insert("\(name) \(moment.trigger)").inserted else { continue }
                printError(EvidencePeek.sentence(moment) + "; " + reportHint)
            }
        }
    }
}
