// Words for "time left", shared by the text, markdown and live views: "+1 socket per 1.2 s; RLIMIT_NOFILE
// 1024 reached in about 19 minutes (17–21 min, high confidence)".
import Foundation

enum TimeLeftWording {
    /// One sentence for a projection of `what` ("descriptor", "socket"…).
    static func sentence(_ forecast: TimeLeft, what: String = "descriptor") -> String {
        switch forecast.verdict {
        case "not-growing":
            return "not growing (\(forecast.current) open)"
        case "too-little-data":
            return "too few changes to measure a rate (\(forecast.changes) in \(duration(forecast.observedToSeconds - forecast.observedFromSeconds)))"
        case "too-noisy":
            return "rising (\(rate(forecast.perSecond, what: what))), but too noisy to project: "
                + "rate between \(rate(forecast.perSecondLow, what: what, short: true)) and \(rate(forecast.perSecondHigh, what: what, short: true)), "
                + "R² \(String(format: "%.2f", forecast.rSquared))"
        default:
            var text = rate(forecast.perSecond, what: what)
            let limitName = forecast.limitName == "RLIMIT_NOFILE" ? "RLIMIT_NOFILE" : "dbus-daemon's limit of"
            guard let limit = forecast.limit, let left = forecast.secondsLeft else {
                return text + "; no RLIMIT_NOFILE to reach (unlimited)"
            }
            let suffix = forecast.limitName == "RLIMIT_NOFILE" ? "" : " connections per user"
            if left <= 0 {
                text += "; \(limitName) \(limit)\(suffix) reached (\(forecast.current) open)"
            } else {
                text += "; \(limitName) \(limit)\(suffix) reached in about \(duration(left))"
                let confidence = "\(forecast.confidence ?? "low") confidence"
                if let low = forecast.secondsLeftLow.map(duration), let high = forecast.secondsLeftHigh.map(duration), low != high {
                    text += " (\(low)–\(high), \(confidence))"
                } else if let low = forecast.secondsLeftLow.map(duration), forecast.secondsLeftHigh == nil {
                    text += " (at least \(low), \(confidence))"
                } else {
                    text += " (\(confidence))"
                }
            }
            return text
        }
    }

    /// "+1 socket per 1.2 s" for slow rates, "+35 sockets/s" for fast ones.
    static func rate(_ perSecond: Double, what: String, short: Bool = false) -> String {
        guard perSecond > 0 else { return short ? "0/s" : "+0 \(what)s/s" }
        if perSecond < 1 {
            let period = 1 / perSecond
            return short ? "1 per \(duration(period))" : "+1 \(what) per \(duration(period))"
        }
        let value = perSecond >= 10 ? String(format: "%.0f", perSecond) : String(format: "%.1f", perSecond)
        return short ? "\(value)/s" : "+\(value) \(what)s/s"
    }

    /// "1.2 s", "19 minutes", "3.5 hours", "2.1 days".
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "forever" }
        if seconds < 90 { return String(format: seconds < 10 ? "%.1f s" : "%.0f s", seconds) }
        if seconds < 90 * 60 { return String(format: "%.0f minutes", seconds / 60) }
        if seconds < 48 * 3600 { return String(format: "%.1f hours", seconds / 3600) }
        return String(format: "%.1f days", seconds / 86400)
    }
}
