import Foundation
import NIOCore
import PostgresNIO
import Storage

extension PostgresWatchStore: WebhookStore {
    static let endpointColumns = """
        endpoint_id, client_id, url, ca_bundle, secret, previous_secret, previous_until, status, created_at, disabled_at, disabled_reason
        """

    static let deliveryColumns = """
        d.event_cursor, e.event_id, d.endpoint_id, d.watch_id, e.payload, d.attempts, d.status, d.next_at, d.last_status, d.last_error
        """

    public func addEndpoint(_ endpoint: WebhookEndpoint) async throws {
        try await engine.query("""
            INSERT INTO webhook_endpoints (endpoint_id, client_id, url, ca_bundle, secret, status, created_at)
            VALUES (\(endpoint.id), \(endpoint.clientID), \(endpoint.url), \(endpoint.caBundle), \(endpoint.secret), \(endpoint.status.rawValue),
                    \(endpoint.createdAt.timeIntervalSince1970))
            """)
    }

    public func endpoint(_ id: String) async throws -> WebhookEndpoint? {
        try Self.endpoints(await engine.query("SELECT \(unescaped: Self.endpointColumns) FROM webhook_endpoints WHERE endpoint_id = \(id)")).first
    }

    public func endpoints(clientID: String) async throws -> [WebhookEndpoint] {
        try Self.endpoints(await engine.query("""
            SELECT \(unescaped: Self.endpointColumns) FROM webhook_endpoints WHERE client_id = \(clientID) ORDER BY endpoint_id
            """))
    }

    public func rotateSecret(_ id: String, to secret: String, previousUntil: Date) async throws -> WebhookEndpoint? {
        try Self.endpoints(await engine.query("""
            UPDATE webhook_endpoints SET previous_secret = secret, previous_until = \(previousUntil.timeIntervalSince1970), secret = \(secret)
            WHERE endpoint_id = \(id) AND status = 'active' RETURNING \(unescaped: Self.endpointColumns)
            """)).first
    }

    public func disable(_ id: String, at time: Date, reason: String) async throws -> WebhookEndpoint? {
        try await engine.transaction { connection in
            let disabled = try Self.endpoints(await connection.query("""
                UPDATE webhook_endpoints SET status = 'disabled', disabled_at = \(time.timeIntervalSince1970), disabled_reason = \(reason)
                WHERE endpoint_id = \(id) AND status = 'active' RETURNING \(unescaped: Self.endpointColumns)
                """, logger: engine.logger).collect())
            guard !disabled.isEmpty else { return nil }
            try await connection.query("""
                UPDATE webhook_deliveries SET status = 'disabled', lease_owner = NULL, lease_until = NULL WHERE endpoint_id = \(id) AND status = 'pending'
                """, logger: engine.logger)
            return disabled.first
        }
    }

    public func claimDeliveries(owner: String, now: Date, until: Date, limit: Int) async throws -> [WebhookDelivery] {
        let now = now.timeIntervalSince1970
        return try Self.deliveries(await engine.query("""
            WITH due AS (
                SELECT d.event_cursor, d.endpoint_id FROM webhook_deliveries d
                WHERE d.status = 'pending' AND d.next_at <= \(now) AND (d.lease_until IS NULL OR d.lease_until <= \(now))
                  AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p WHERE p.status = 'pending' AND p.watch_id = d.watch_id
                                  AND p.endpoint_id = d.endpoint_id AND p.event_cursor < d.event_cursor)
                ORDER BY d.next_at, d.event_cursor LIMIT \(Int64(limit))
                FOR UPDATE SKIP LOCKED)
            UPDATE webhook_deliveries d SET lease_owner = \(owner), lease_until = \(until.timeIntervalSince1970)
            FROM due, watch_events e
            WHERE d.event_cursor = due.event_cursor AND d.endpoint_id = due.endpoint_id AND e.cursor = d.event_cursor
            RETURNING \(unescaped: Self.deliveryColumns)
            """)).sorted { ($0.nextAt, $0.eventCursor) < ($1.nextAt, $1.eventCursor) }
    }

    public func recordAttempts(_ attempts: [(delivery: WebhookDelivery, outcome: WebhookDelivery.Outcome)], owner: String) async throws {
        let rows = attempts.map { ($0.delivery, $0.outcome.columns($0.delivery)) }
        try await engine.query("""
            UPDATE webhook_deliveries d SET attempts = d.attempts + 1, status = a.status, next_at = a.next_at, last_status = NULLIF(a.code, 0),
                                            last_error = NULLIF(a.error, ''), lease_owner = NULL, lease_until = NULL
            FROM unnest(\(rows.map(\.0.eventCursor))::bigint[], \(rows.map(\.0.endpointID))::text[], \(rows.map(\.1.0.rawValue))::text[],
                        \(rows.map(\.1.1.timeIntervalSince1970))::double precision[], \(rows.map { Int32($0.1.2 ?? 0) })::integer[],
                        \(rows.map { $0.1.3 ?? "" })::text[]) AS a (event_cursor, endpoint_id, status, next_at, code, error)
            WHERE d.event_cursor = a.event_cursor AND d.endpoint_id = a.endpoint_id AND d.lease_owner = \(owner) AND d.status = 'pending'
            """)
    }

    public func deliveries(eventID: String) async throws -> [WebhookDelivery] {
        try Self.deliveries(await engine.query("""
            SELECT \(unescaped: Self.deliveryColumns) FROM webhook_deliveries d JOIN watch_events e ON e.cursor = d.event_cursor
            WHERE e.event_id = \(eventID) ORDER BY d.endpoint_id
            """))
    }

    private static func endpoints(_ rows: [PostgresRow]) throws -> [WebhookEndpoint] {
        try rows.map { row in
            let (id, client, url, bundle, secret, previous, previousUntil, status, created, disabledAt, reason) =
                try row.decode((String, String, String, String, String, String?, Double?, String, Double, Double?, String?).self)
            return WebhookEndpoint(
                id: id, clientID: client, url: url, caBundle: bundle, secret: secret, previousSecret: previous,
                previousUntil: previousUntil.map(Date.init(timeIntervalSince1970:)), status: .init(rawValue: status) ?? .disabled,
                createdAt: Date(timeIntervalSince1970: created), disabledAt: disabledAt.map(Date.init(timeIntervalSince1970:)), disabledReason: reason)
        }
    }

    private static func deliveries(_ rows: [PostgresRow]) throws -> [WebhookDelivery] {
        try rows.map { row in
            let (cursor, event, endpoint, watch, payload, attempts, status, nextAt, lastStatus, lastError) =
                try row.decode((Int64, String, String, String, ByteBuffer, Int32, String, Double, Int32?, String?).self)
            return WebhookDelivery(
                eventCursor: cursor, eventID: event, endpointID: endpoint, watchID: watch, payload: Data(buffer: payload), attempts: Int(attempts),
                status: .init(rawValue: status) ?? .failed, nextAt: Date(timeIntervalSince1970: nextAt), lastStatus: lastStatus.map(Int.init),
                lastError: lastError)
        }
    }
}
