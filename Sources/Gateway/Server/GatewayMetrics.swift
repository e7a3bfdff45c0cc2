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
            ($0, Self.shared.makeCounter(name: "creditgate_decisions_total", labels: [("decision", $0.rawValue)]))
        })
    }

    /// Imports by kind and outcome, and the lines they accepted and rejected.
    func imported(kind: String, report: ImportReport) {
        let outcome = report.alreadyImported ? "repeated" : "imported"
        registry.makeCounter(name: "creditgate_imports_total", labels: [("kind", kind), ("outcome", outcome)]).increment()
        registry.makeCounter(name: "creditgate_import_lines_total", labels: [("kind", kind), ("result", "accepted")]).increment(by: Int64(report.accepted))
        registry.makeCounter(name: "creditgate_import_lines_total", labels: [("kind", kind), ("result", "rejected")]).increment(by: Int64(report.rejected))
    }

    /// A connection closed as soon as its handshake completed (``ConnectionGuard``).
    func refusedConnection(reason: String) {
        registry.makeCounter(name: "creditgate_connections_refused_total", labels: [("reason", reason)]).increment()
    }

    /// A connection closed because its request arrived too slowly (``ConnectionGuard``).
    func cutRequest(reason: String) {
        registry.makeCounter(name: "creditgate_requests_cut_total", labels: [("reason", reason)]).increment()
    }

    func decided(_ outcomes: [Components.Schemas.Decision]) {
        for outcome in outcomes { decisions[outcome]?.increment() }
    }

    /// The text exposition format.
    var exposition: String { registry.emitToString() }
}
