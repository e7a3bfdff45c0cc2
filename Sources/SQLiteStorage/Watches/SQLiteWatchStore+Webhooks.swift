import Foundation
import GRDB
import Storage

extension SQLiteWatchStore: WebhookStore {
    public func addEndpoint(_ endpoint: WebhookEndpoint) async throws {
        try await database.write { db in
            try db.execute(sql: """
                INSERT INTO webhook_endpoints (endpoint_id, client_id, url, ca_bundle, secret, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [endpoint.id, endpoint.clientID, endpoint.url, endpoint.caBundle, endpoint.secret, endpoint.status.rawValue,
                                 endpoint.createdAt.timeIntervalSince1970])
        }
    }

    public func endpoint(_ id: String) async throws -> WebhookEndpoint? {
        try await database.read { db in try Self.endpoint(db, id) }
    }

    public func endpoints(clientID: String) async throws -> [WebhookEndpoint] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM webhook_endpoints WHERE client_id = ? ORDER BY endpoint_id", arguments: [clientID]).map(Self.endpoint)
        }
    }

    public func rotateSecret(_ id: String, to secret: String, previousUntil: Date) async throws -> WebhookEndpoint? {
        try await database.write { db in
            try db.execute(sql: """
                UPDATE webhook_endpoints SET previous_secret = secret, previous_until = ?, secret = ? WHERE endpoint_id = ? AND status = 'active'
                """, arguments: [previousUntil.timeIntervalSince1970, secret, id])
            return db.changesCount == 1 ? try Self.endpoint(db, id) : nil
        }
    }

    public func disable(_ id: String, at time: Date, reason: String) async throws -> WebhookEndpoint? {
        try await database.write { db in
            try db.execute(sql: """
                UPDATE webhook_endpoints SET status = 'disabled', disabled_at = ?, disabled_reason = ? WHERE endpoint_id = ? AND status = 'active'
                """, arguments: [time.timeIntervalSince1970, reason, id])
            guard db.changesCount == 1 else { return nil }
            try db.execute(sql: "UPDATE webhook_deliveries SET status = 'disabled', lease_owner = NULL, lease_until = NULL WHERE endpoint_id = ? AND status = 'pending'",
                           arguments: [id])
            return try Self.endpoint(db, id)
        }
    }

    public func claimDeliveries(owner: String, now: Date, until: Date, limit: Int) async throws -> [WebhookDelivery] {
        try await database.write { db in
            let due = try Row.fetchAll(db, sql: """
                SELECT d.*, e.event_id, e.payload FROM webhook_deliveries d JOIN watch_events e ON e.cursor = d.event_cursor
                WHERE d.status = 'pending' AND d.next_at <= ?1 AND (d.lease_until IS NULL OR d.lease_until <= ?1)
                  AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p WHERE p.status = 'pending' AND p.watch_id = d.watch_id
                                  AND p.endpoint_id = d.endpoint_id AND p.event_cursor < d.event_cursor)
                ORDER BY d.next_at, d.event_cursor LIMIT ?2
                """, arguments: [now.timeIntervalSince1970, limit]).map(Self.delivery)
            let lease = try db.makeStatement(sql: "UPDATE webhook_deliveries SET lease_owner = ?, lease_until = ? WHERE event_cursor = ? AND endpoint_id = ?")
            for delivery in due { try lease.execute(arguments: [owner, until.timeIntervalSince1970, delivery.eventCursor, delivery.endpointID]) }
            return due
        }
    }

    public func recordAttempts(_ attempts: [(delivery: WebhookDelivery, outcome: WebhookDelivery.Outcome)], owner: String) async throws {
        try await database.write { db in
            let update = try db.makeStatement(sql: """
                UPDATE webhook_deliveries SET attempts = attempts + 1, status = ?, next_at = ?, last_status = ?, last_error = ?,
                                              lease_owner = NULL, lease_until = NULL
                WHERE event_cursor = ? AND endpoint_id = ? AND lease_owner = ? AND status = 'pending'
                """)
            for (delivery, outcome) in attempts {
                let (status, nextAt, code, error) = outcome.columns(delivery)
                try update.execute(arguments: [status.rawValue, nextAt.timeIntervalSince1970, code, error, delivery.eventCursor, delivery.endpointID, owner])
            }
        }
    }

    public func deliveries(eventID: String) async throws -> [WebhookDelivery] {
        try await database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT d.*, e.event_id, e.payload FROM webhook_deliveries d JOIN watch_events e ON e.cursor = d.event_cursor
                WHERE e.event_id = ? ORDER BY d.endpoint_id
                """, arguments: [eventID]).map(Self.delivery)
        }
    }

    private static func endpoint(_ db: Database, _ id: String) throws -> WebhookEndpoint? {
        try Row.fetchOne(db, sql: "SELECT * FROM webhook_endpoints WHERE endpoint_id = ?", arguments: [id]).map(endpoint)
    }

    private static func endpoint(_ row: Row) throws -> WebhookEndpoint {
        WebhookEndpoint(
            id: row["endpoint_id"], clientID: row["client_id"], url: row["url"], caBundle: row["ca_bundle"], secret: row["secret"],
            previousSecret: row["previous_secret"], previousUntil: (row["previous_until"] as Double?).map(Date.init(timeIntervalSince1970:)),
            status: WebhookEndpoint.Status(rawValue: row["status"]) ?? .disabled, createdAt: Date(timeIntervalSince1970: row["created_at"]),
            disabledAt: (row["disabled_at"] as Double?).map(Date.init(timeIntervalSince1970:)), disabledReason: row["disabled_reason"])
    }

    private static func delivery(_ row: Row) throws -> WebhookDelivery {
        WebhookDelivery(
            eventCursor: row["event_cursor"], eventID: row["event_id"], endpointID: row["endpoint_id"], watchID: row["watch_id"],
            payload: row["payload"], attempts: row["attempts"], status: WebhookDelivery.Status(rawValue: row["status"]) ?? .failed,
            nextAt: Date(timeIntervalSince1970: row["next_at"]), lastStatus: row["last_status"], lastError: row["last_error"])
    }
}
