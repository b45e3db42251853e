// Whether the binaries a report's frames come from are still the ones that ran: missing files degrade to
// module+offset, and a file whose build-id differs from the traced one (rebuilt, upgraded) is never used
// for names and lines — llvm-symbolizer is asked by build-id instead, which finds a matching debug file in
// /usr/lib/debug/.build-id when there is one. The report says which modules were affected.
import Foundation

enum ModuleFileCheck {
    /// True when `path` has a build-id and it is not `buildID` (the one recorded in the trace).
    static func changedSinceTraced(path: String, buildID: String?) -> Bool {
        guard let buildID, !buildID.isEmpty, let current = ELFBuildID.of(path: path) else { return false }
        return current != buildID.lowercased()
    }

    /// One warning per module of the report's frames that is missing or changed since it was traced.
    static func warnings(for traces: [TraceFile], modulesInReport: Set<String>) -> [String] {
        var seen = Set<String>()
        var warnings = [String]()
        for trace in traces {
            for module in trace.modules {
                guard let path = module.path, modulesInReport.contains(path), seen.insert(path).inserted,
                      path.hasPrefix("/") else { continue }
                if !FileManager.default.fileExists(atPath: path) {
                    warnings.append("\(path) is gone: its frames show module+offset")
                } else if changedSinceTraced(path: path, buildID: module.buildID) {
                    warnings.append("\(path) changed since it was traced (build-id differs): its frames are "
                        + "symbolized by build-id only, or shown as module+offset")
                }
            }
        }
        return warnings
    }
}
