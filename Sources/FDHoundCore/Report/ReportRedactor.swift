// `report --redact`: a report fit for a public ticket. Every string of the model (through its JSON form, so
// no field is forgotten when fields are added) is rewritten before any formatter sees it:
// - paths under the program's own tree (the directories kept: by default the current directory) become
//   relative to it; paths under system directories (/usr, /lib, /etc, /dev, /proc…) and relative debug-info
//   paths stay; every other absolute path becomes `<path-XXXXXXXX>`;
// - IPv4 and IPv6 addresses other than loopback and unspecified become `<ip-XXXXXXXX>`;
// - host names — this machine's, and those after `://`, `@` or `host=` — become `<host-XXXXXXXX>`, the user
//   name of a URL `<user-XXXXXXXX>`;
// - absolute memory addresses (frames outside any module, long hex numbers in text) become `<addr-XXXXXXXX>`;
//   module-relative frame offsets stay (they say nothing about the machine and let a reader re-symbolize).
// The placeholder's digits are a hash of what it replaces: stable across reports, so the same secret path
// reads the same everywhere, and nothing of it can be read back. Enumerations and names of code (kind,
// api, function, ids, fingerprints) are left as they are.
import Foundation

public struct ReportRedactor {
    /// Directories whose paths are kept (made relative): the program's own tree.
    public var keptRoots: [String]
    /// This machine's host name, replaced wherever it appears.
    public var hostName: String?

    /// Prefixes of paths that are the same on every machine of a distribution.
    static let systemPrefixes = ["/usr/", "/lib/", "/lib64/", "/lib32/", "/bin/", "/sbin/", "/etc/", "/dev/", "/proc/",
                                 "/sys/", "/opt/swift", "/run/dbus/", "/var/run/dbus/"]
    /// Keys whose values are enumerations, code names or ids: never personal, left as they are.
    static let untouchedKeys: Set<String> = ["id", "fingerprint", "kind", "api", "owner", "state", "reason", "verdict",
                                             "limitName", "confidence", "how", "function", "name", "version",
                                             "startTime"]

    public init(keptRoots: [String], hostName: String? = nil) {
        self.keptRoots = keptRoots.map { $0.hasSuffix("/") ? $0 : $0 + "/" }.filter { $0 != "/" }
        self.hostName = hostName.flatMap { $0.isEmpty || $0 == "localhost" ? nil : $0 }
    }

    /// The report with every string redacted; unchanged when it cannot be re-read (never in practice).
    public func redact(_ report: Report) -> Report {
        let encoder = JSONEncoder()
        guard let data = try? encoder.encode(report),
              let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else { return report }
        let redacted = walk(object, key: nil, module: nil)
        guard let back = try? JSONSerialization.data(withJSONObject: redacted, options: [.fragmentsAllowed]),
              var result = try? JSONDecoder().decode(Report.self, from: back) else { return report }
        result.showInherited = report.showInherited
        result.foldInterpreterFrames = report.foldInterpreterFrames
        return result
    }

    private func walk(_ value: Any, key: String?, module: String?) -> Any {
        switch value {
        case let dictionary as [String: Any]:
            let frameModule = dictionary["module"] as? String
            var result = [String: Any]()
            for (name, item) in dictionary { result[name] = walk(item, key: name, module: frameModule) }
            return result
        case let array as [Any]:
            return array.map { walk($0, key: key, module: module) }
        case let text as String:
            if let key, Self.untouchedKeys.contains(key) { return text }
            if key == "address" { return module == "[unknown]" ? placeholder("addr", text) : text }
            return redact(text)
        default:
            return value
        }
    }

    /// One string with every path, address and host name in it replaced (see the file comment).
    public func redact(_ text: String) -> String {
        // URLs first: scheme://[user@]host — the user name goes too.
        var result = replace(#"(?<=://)[^@/\s]+@"#, in: text) { user in placeholder("user", String(user.dropLast())) + "@" }
        result = replace(#"(?<=://|@|host=)[A-Za-z0-9][A-Za-z0-9.-]*"#, in: result) { host in
            ["localhost", "127.0.0.1"].contains(host) ? host : placeholder("host", host)
        }
        result = replace(#"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])"#, in: result) { ip in
            ip.hasPrefix("127.") || ip == "0.0.0.0" ? ip : placeholder("ip", ip)
        }
        // IPv6: eight groups, or a compressed form with "::" (loopback and unspecified stay).
        result = replace(#"(?<![\w:])(?:(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){1,6}:(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,5})?|::[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6})(?![\w:])"#, in: result) { ip in
            ip == "::1" ? ip : placeholder("ip", ip)
        }
        result = replace(#"\b0x[0-9A-Fa-f]{9,16}\b"#, in: result) { placeholder("addr", $0) }
        result = replace(#"(?<![\w.~/-])/(?!/)[^\s:,;'"()\[\]<>|`]*"#, in: result) { path(String($0)) }
        // This machine's name as a word of its own (not inside a path that was kept).
        if let hostName {
            let escaped = NSRegularExpression.escapedPattern(for: hostName)
            result = replace("(?<![\\w/.-])" + escaped + "(?![\\w/-])", in: result) { placeholder("host", $0) }
        }
        return result
    }

    private func path(_ path: String) -> String {
        if path == "/" { return path }
        for root in keptRoots where path.hasPrefix(root) || path + "/" == root {
            let relative = String(path.dropFirst(min(root.count, path.count)))
            return relative.isEmpty ? "." : relative
        }
        if Self.systemPrefixes.contains(where: { path.hasPrefix($0) }) { return path }
        return placeholder("path", path)
    }

    private func placeholder(_ what: String, _ secret: String) -> String {
        "<\(what)-\(Fingerprint.hex(Fingerprint.fnv1a(secret)).suffix(8))>"
    }

    private func replace(_ pattern: String, in text: String, with transform: (String) -> String) -> String {
        guard let expression = try? NSRegularExpression(pattern: pattern) else { return text }
        let source = text as NSString
        var result = ""
        var last = 0
        for match in expression.matches(in: text, range: NSRange(location: 0, length: source.length)) {
            result += source.substring(with: NSRange(location: last, length: match.range.location - last))
            result += transform(source.substring(with: match.range))
            last = match.range.location + match.range.length
        }
        return result + source.substring(from: last)
    }
}
