import ArchiveClient
import GatewayAPI
import Metrics
import NIOConcurrencyHelpers
import Prometheus

/// The Prometheus registry behind `GET /metrics`: requests by route and status and their latency
/// (Hummingbird's `MetricsMiddleware` through swift-metrics), and answers by decision.
///
/// Labels hold routes as templates (`/v1/checks/{checkId}`), methods, statuses and decisions:
/// never an ID number, a name or a check id.
package struct GatewayMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    private let decisions: [Components.Schemas.Decision: Prometheus.Counter]

    /// swift-metrics has one process-wide backend; every gateway in the process reports to it.
    private static let shared: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()

    package init() {
        registry = Self.shared
        decisions = Dictionary(uniqueKeysWithValues: Components.Schemas.Decision.allCases.map {
            ($0, Self.shared.makeCounter(descriptor: Names.decisions, labels: [("decision", $0.rawValue)]))
        })
    }

    /// Imports by kind and outcome, and the lines they accepted and rejected.
    func imported(kind: String, report: ImportReport) {
        let outcome = report.alreadyImported ? "repeated" : "imported"
        registry.makeCounter(descriptor: Names.imports, labels: [("kind", kind), ("outcome", outcome)]).increment()
        registry.makeCounter(descriptor: Names.importLines, labels: [("kind", kind), ("result", "accepted")]).increment(by: Int64(report.accepted))
        registry.makeCounter(descriptor: Names.importLines, labels: [("kind", kind), ("result", "rejected")]).increment(by: Int64(report.rejected))
    }

    /// A connection closed as soon as its handshake completed (``ConnectionGuard``).
    func refusedConnection(reason: String) {
        registry.makeCounter(descriptor: Names.connectionsRefused, labels: [("reason", reason)]).increment()
    }

    /// A connection closed because its request arrived too slowly (``ConnectionGuard``).
    func cutRequest(reason: String) {
        registry.makeCounter(descriptor: Names.requestsCut, labels: [("reason", reason)]).increment()
    }

    func decided(_ outcomes: [Components.Schemas.Decision]) {
        for outcome in outcomes { decisions[outcome]?.increment() }
    }

    /// The text exposition format.
    var exposition: String { registry.emitToString() }

    /// The gateway's own counters: `creditgate_<name>_total`, each with its `# HELP` line. (Made
    /// when asked: swift-prometheus's descriptor is not `Sendable`, so it cannot be a stored static.)
    private enum Names {
        static var decisions: MetricNameDescriptor { counter("decisions", "Answers given, by decision.") }
        static var imports: MetricNameDescriptor { counter("imports", "Feed imports, by kind and outcome (imported, or repeated and answered from the first).") }
        static var importLines: MetricNameDescriptor { counter("import_lines", "Feed lines imported, by kind and result (accepted or rejected).") }
        static var connectionsRefused: MetricNameDescriptor { counter("connections_refused", "Connections closed as their handshake completed, by reason.") }
        static var requestsCut: MetricNameDescriptor { counter("requests_cut", "Connections closed because a request arrived too slowly, by reason.") }

        static func counter(_ name: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: "creditgate", metricName: name, unitName: "total", helpText: help)
        }
    }
}
