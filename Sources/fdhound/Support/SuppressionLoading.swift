// Reads the --suppressions files of report, check and diff: a file that cannot be read or parsed is a
// usage error (exit 64) naming the file, the line and the problem.
import ArgumentParser
import FDHoundCore

func loadSuppressions(_ paths: [String]) throws -> [SuppressionEntry] {
    var entries = [SuppressionEntry]()
    for path in paths {
        do {
            entries += try SuppressionFile.load(path)
        } catch let error as SuppressionError {
            throw ValidationError(error.description)
        }
    }
    return entries
}
