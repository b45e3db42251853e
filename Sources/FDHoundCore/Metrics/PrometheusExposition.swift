// Renders a scrape's ProcessMetrics in the Prometheus text exposition format through swift-prometheus
// (not by hand): a fresh registry per scrape, so a process that went away, or a code path that closed its
// descriptors, leaves no stale series. The series and their labels are a public contract (README, "metrics").
import Prometheus

public enum PrometheusExposition {
    /// The exposition text (UTF-8) for one scrape.
    public static func render(_ processes: [ProcessMetrics]) -> [UInt8] {
        let registry = PrometheusCollectorRegistry()
        for process in processes {
            let who = [("pid", String(process.pid)), ("program", MetricLabel.value(process.program))]
            registry.gauge("process_open_fds", labels: who,
                           help: "Number of open file descriptors (fdhound's own parked pipe not counted).")
                .set(to: Double(process.openDescriptors))
            if let max = process.maxDescriptors {
                registry.gauge("process_max_fds", labels: who,
                               help: "Maximum number of open file descriptors (soft RLIMIT_NOFILE).")
                    .set(to: Double(max))
            }
            registry.gauge("fdhound_process_traced", labels: who,
                           help: "1 when the process's running fdhound trace was read, 0 when only /proc was.")
                .set(to: process.traced ? 1 : 0)
            if let rate = process.descriptorsPerSecond {
                registry.gauge("fdhound_descriptors_per_second", labels: who,
                               help: "Fitted growth of the process's open descriptors, per second.")
                    .set(to: rate)
            }
            if let seconds = process.secondsToExhaustion {
                registry.gauge("fdhound_seconds_to_exhaustion", labels: who,
                               help: "Projected seconds until the process reaches its soft RLIMIT_NOFILE at the fitted rate.")
                    .set(to: seconds)
            }
            // Two code paths can read the same once escaped and cut: their series are summed, never clash.
            var open = [[String]: Double]()
            var left = [[String]: Double]()
            var order = [[String]]()
            for path in process.codePaths {
                let key = [MetricLabel.value(path.kind), MetricLabel.value(path.codePath)]
                if open[key] == nil { order.append(key) }
                open[key, default: 0] += Double(path.open)
                if let seconds = path.secondsToExhaustion { left[key] = min(left[key] ?? seconds, seconds) }
            }
            for key in order {
                let labels = who + [("kind", key[0]), ("code_path", key[1])]
                registry.gauge("fdhound_open_descriptors", labels: labels,
                               help: "Descriptors open now, by the code path that opened them (top N per process, the rest as code_path=\"(other)\").")
                    .set(to: open[key] ?? 0)
                if let seconds = left[key] {
                    registry.gauge("fdhound_code_path_seconds_to_exhaustion", labels: labels,
                                   help: "Projected seconds until the process reaches its soft RLIMIT_NOFILE at this code path's fitted rate.")
                        .set(to: seconds)
                }
            }
        }
        return registry.emitToBuffer()
    }
}

private extension PrometheusCollectorRegistry {
    /// A gauge named in full by `name` (no namespace or unit parts: the series names are the public contract).
    func gauge(_ name: String, labels: [(String, String)], help: String) -> Gauge {
        makeGauge(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels)
    }
}
