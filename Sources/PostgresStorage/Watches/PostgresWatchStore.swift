import Foundation
import NIOCore
import PostgresNIO
import Storage

/// Watches in PostgreSQL, shared by every gateway: any of them serves a watch or its events, and one
/// at a time screens (the lease on `watch_screening`'s one row).
///
/// What each re-check rewrites, the archive version checked and the day next due, lives apart in
/// `watch_checks` (narrow, two indexes): a sweep re-checking every watch rewrites those rows, and
/// `watches` (wide, four indexes) only where a decision changed.
///
/// A screening commit updates that row first, so it holds the row's lock until it commits: event
/// cursors (an identity column) are therefore given in commit order, and a reader that has seen
/// cursor N never later finds an event below it. Creating watches reads the row `FOR SHARE`, so a
/// screening commit either precedes the creation (which then sees the import passed and makes the
/// new watches due) or waits for it (and the screener's second look finds them).
public struct PostgresWatchStore: WatchStore {
    let engine: PostgresEngine

    public init(_ engine: PostgresEngine) {
        self.engine = engine
    }

    static let columns = """
        watch_id, client_id, fingerprint, recruitment_id, terms, name, id_number, masked_id, reference, until_day, status, decision,
        check_id, checked_seq, recheck_on, created_at, ended_at, endpoint_id
        """

    /// Where a watch's columns are read from.
    static let table = "watches JOIN watch_checks USING (watch_id)"

    public func shapes() async throws -> [UInt32] {
        try await engine.connection { try await Self.progress($0, engine.logger, lock: "").shapes }
    }

    public func create(_ watches: [WatchRecord], keys: [[Int64]], shapes: [UInt32], catchUpDay: Int) async throws {
        try await engine.transaction { connection in
            let progress = try await Self.progress(connection, engine.logger, lock: "FOR SHARE")
            guard progress.shapes == shapes else { throw WatchShapesChanged() }
            for part in watches.indices.chunks(of: 2000) {
                let slice = watches[part]
                let recheckOn = slice.map { watch in
                    Self.nullable(watch.checkedSequence < progress.sequence ? min(watch.recheckOn ?? catchUpDay, catchUpDay) : watch.recheckOn)
                }
                // A watch made again (its upload's chunk answered again after a crash) keeps its rows as they are.
                try await connection.query("""
                    WITH inserted AS (
                        INSERT INTO watches (watch_id, client_id, fingerprint, recruitment_id, terms, name, id_number, masked_id, reference,
                                             until_day, status, decision, check_id, created_at, endpoint_id)
                        SELECT w, c, f, r, t, n, i, m, NULLIF(ref, ''), u, s, d, k, a, NULLIF(e, '')
                        FROM unnest(\(slice.map(\.id))::text[], \(slice.map(\.clientID))::text[], \(slice.map(\.fingerprint))::text[],
                                    \(slice.map(\.recruitmentID))::text[], \(slice.map { ByteBuffer(data: $0.termsJSON) })::bytea[],
                                    \(slice.map { $0.name ?? "" })::text[], \(slice.map { $0.idNumber ?? "" })::text[], \(slice.map(\.maskedID))::text[],
                                    \(slice.map { $0.reference ?? "" })::text[], \(slice.map { Int32($0.until) })::integer[],
                                    \(slice.map(\.status.rawValue))::text[], \(slice.map(\.decision))::text[], \(slice.map(\.checkID))::text[],
                                    \(slice.map(\.createdAt.timeIntervalSince1970))::double precision[], \(slice.map { $0.endpointID ?? "" })::text[])
                             AS given (w, c, f, r, t, n, i, m, ref, u, s, d, k, a, e)
                        ON CONFLICT (watch_id) DO NOTHING
                        RETURNING watch_id)
                    INSERT INTO watch_checks (watch_id, checked_seq, recheck_on)
                    SELECT w, q, NULLIF(o, \(Self.none))
                    FROM unnest(\(slice.map(\.id))::text[], \(slice.map(\.checkedSequence))::bigint[], \(recheckOn)::integer[]) AS given (w, q, o)
                    WHERE w IN (SELECT watch_id FROM inserted)
                    """, logger: engine.logger)
                let filed = part.flatMap { index in keys[index].map { WatchKey(watchID: watches[index].id, key: $0) } }
                try await Self.file(filed, on: connection, engine.logger)
            }
        }
    }

    public func watch(_ id: String) async throws -> WatchRecord? {
        try Self.watches(await engine.query("SELECT \(unescaped: Self.columns) FROM \(unescaped: Self.table) WHERE watch_id = \(id)")).first
    }

    public func watches(clientID: String?, recruitmentID: String?, after: String?, limit: Int) async throws -> [WatchRecord] {
        try Self.watches(await engine.query("""
            SELECT \(unescaped: Self.columns) FROM \(unescaped: Self.table)
            WHERE (\(clientID)::text IS NULL OR client_id = \(clientID)) AND (\(recruitmentID)::text IS NULL OR recruitment_id = \(recruitmentID))
              AND watch_id > \(after ?? "")
            ORDER BY watch_id LIMIT \(Int64(limit))
            """))
    }

    public func end(_ id: String, as status: WatchRecord.Status, at time: Date) async throws -> WatchRecord? {
        try await engine.transaction { connection in try await Self.end([id], status: status, at: time, on: connection, engine.logger).first }
    }

    public func expire(before day: Int, at time: Date) async throws -> [WatchRecord] {
        try await engine.transaction { connection in
            let ids = try await connection.query("""
                SELECT watch_id FROM watches WHERE status = 'active' AND until_day < \(Int32(day)) FOR UPDATE
                """, logger: engine.logger).collect().map { try $0.decode(String.self) }
            return try await Self.end(ids, status: .expired, at: time, on: connection, engine.logger)
        }
    }

    /// Large parts: an import's keys are spread over the whole key index, so each statement reads
    /// most of its pages however few keys it is given (a delta's 100,000 keys in two parts took
    /// 1.4 s, in one 1.0 s; in five parts on concurrent connections 2.3 s each).
    public func watching(keys: [Int64], checkedBefore sequence: Int64) async throws -> [WatchRecord] {
        var found: [WatchRecord] = []
        for part in Array(Set(keys)).chunks(of: 200_000) {
            found += try Self.watches(await engine.query("""
                SELECT \(unescaped: Self.columns) FROM \(unescaped: Self.table)
                WHERE watch_id IN (SELECT watch_id FROM watch_keys WHERE key = ANY(\(Array(part))::bigint[]))
                  AND status = 'active' AND checked_seq < \(sequence)
                """))
        }
        var seen: Set<String> = []
        return found.filter { seen.insert($0.id).inserted }.sorted { $0.id < $1.id }
    }

    public func due(on day: Int, after: DuePosition?, limit: Int) async throws -> [WatchRecord] {
        let from = after ?? .start
        return try Self.watches(await engine.query("""
            SELECT \(unescaped: Self.columns) FROM \(unescaped: Self.table)
            WHERE watch_checks.recheck_on <= \(Int32(day))
              AND (watch_checks.recheck_on, watch_checks.watch_id) > (\(Int32(from.day)), \(from.watchID)) AND status = 'active'
            ORDER BY watch_checks.recheck_on, watch_checks.watch_id LIMIT \(Int64(limit))
            """))
    }

    public func active(after: String?, limit: Int) async throws -> [WatchRecord] {
        try Self.watches(await engine.query("""
            SELECT \(unescaped: Self.columns) FROM \(unescaped: Self.table)
            WHERE status = 'active' AND watch_id > \(after ?? "") ORDER BY watch_id LIMIT \(Int64(limit))
            """))
    }

    public func addKeys(_ keys: [WatchKey]) async throws {
        try await engine.transaction { connection in try await Self.file(keys, on: connection, engine.logger) }
    }

    public func claimScreening(owner: String, now: Date, until: Date) async throws -> ScreeningProgress? {
        try await engine.connection { connection in
            for try await (sequence, shapes, rekeyAfter) in try await connection.query("""
                UPDATE watch_screening SET lease_owner = \(owner), lease_until = \(until.timeIntervalSince1970)
                WHERE id = 1 AND (lease_owner IS NULL OR lease_owner = \(owner) OR lease_until <= \(now.timeIntervalSince1970))
                RETURNING sequence, shapes, rekey_after
                """, logger: engine.logger).decode((Int64, [Int64], String?).self) {
                return ScreeningProgress(sequence: sequence, shapes: shapes.map { UInt32(truncatingIfNeeded: $0) }, rekeyAfter: rekeyAfter)
            }
            return nil
        }
    }

    public func commitScreening(_ rechecks: [WatchRecheck], events: [WatchEvent], progress: ScreeningProgress, owner: String, until: Date) async throws {
        try await engine.transaction { connection in
            let held = try await connection.query("""
                UPDATE watch_screening SET sequence = \(progress.sequence), shapes = \(progress.shapes.map(Int64.init))::bigint[],
                                           rekey_after = \(progress.rekeyAfter), lease_until = \(until.timeIntervalSince1970)
                WHERE id = 1 AND lease_owner = \(owner) RETURNING 1
                """, logger: engine.logger).collect()
            guard held.count == 1 else { throw ScreeningLeaseLost() }
            for part in rechecks.chunks(of: 10_000) {
                // A watch ended meanwhile may get a day here: the due read skips watches not active.
                try await connection.query("""
                    UPDATE watch_checks c SET checked_seq = r.checked_seq, recheck_on = NULLIF(r.recheck_on, \(Self.none))
                    FROM unnest(\(part.map(\.watchID))::text[], \(part.map(\.checkedSequence))::bigint[],
                                \(part.map { Self.nullable($0.recheckOn) })::integer[]) AS r (watch_id, checked_seq, recheck_on)
                    WHERE c.watch_id = r.watch_id
                    """, logger: engine.logger)
            }
            for part in rechecks.filter(\.changed).chunks(of: 10_000) {
                try await connection.query("""
                    UPDATE watches w SET decision = r.decision, check_id = r.check_id
                    FROM unnest(\(part.map(\.watchID))::text[], \(part.map(\.decision))::text[], \(part.map(\.checkID))::text[])
                         AS r (watch_id, decision, check_id)
                    WHERE w.watch_id = r.watch_id AND w.status = 'active'
                    """, logger: engine.logger)
            }
            for part in events.chunks(of: 10_000) {
                // Each event, and beside it (the outbox) a delivery when its watch has an active endpoint.
                try await connection.query("""
                    WITH inserted AS (
                        INSERT INTO watch_events (event_id, watch_id, client_id, type, payload, created_at)
                        SELECT i, w, c, t, p, a FROM unnest(\(part.map(\.id))::text[], \(part.map(\.watchID))::text[],
                                                            \(part.map(\.clientID))::text[], \(part.map(\.type))::text[],
                                                            \(part.map { ByteBuffer(data: $0.payload) })::bytea[],
                                                            \(part.map(\.createdAt.timeIntervalSince1970))::double precision[])
                                                 WITH ORDINALITY AS given (i, w, c, t, p, a, n)
                        ORDER BY n
                        RETURNING cursor, event_id, watch_id, created_at)
                    INSERT INTO webhook_deliveries (event_cursor, endpoint_id, watch_id, status, next_at)
                    SELECT inserted.cursor, x.endpoint_id, inserted.watch_id, 'pending', inserted.created_at
                    FROM inserted JOIN unnest(\(part.map(\.id))::text[], \(part.map { $0.endpointID ?? "" })::text[]) AS target (event_id, endpoint_id)
                           ON target.event_id = inserted.event_id
                         JOIN webhook_endpoints x ON x.endpoint_id = target.endpoint_id AND x.status = 'active'
                    """, logger: engine.logger)
            }
        }
    }

    public func releaseScreening(owner: String) async throws {
        try await engine.query("UPDATE watch_screening SET lease_owner = NULL, lease_until = NULL WHERE id = 1 AND lease_owner = \(owner)")
    }

    public func events(clientID: String?, after: Int64, limit: Int) async throws -> [WatchEvent] {
        var events: [WatchEvent] = []
        for (cursor, id, watch, client, type, payload, created) in try await engine.query("""
            SELECT cursor, event_id, watch_id, client_id, type, payload, created_at FROM watch_events
            WHERE (\(clientID)::text IS NULL OR client_id = \(clientID)) AND cursor > \(after) ORDER BY cursor LIMIT \(Int64(limit))
            """).decode((Int64, String, String, String, String, ByteBuffer, Double).self) {
            events.append(WatchEvent(cursor: cursor, id: id, watchID: watch, clientID: client, type: type, payload: Data(buffer: payload),
                                     createdAt: Date(timeIntervalSince1970: created)))
        }
        return events
    }

    /// Ends those of `ids` still active: the person's data and keys deleted; returns them ended.
    private static func end(_ ids: [String], status: WatchRecord.Status, at time: Date, on connection: PostgresConnection,
                            _ logger: Logger) async throws -> [WatchRecord] {
        let ended = try await connection.query("""
            UPDATE watches SET status = \(status.rawValue), ended_at = \(time.timeIntervalSince1970), name = NULL, id_number = NULL
            WHERE watch_id = ANY(\(ids)::text[]) AND status = 'active' RETURNING watch_id
            """, logger: logger).collect().map { try $0.decode(String.self) }
        try await connection.query("UPDATE watch_checks SET recheck_on = NULL WHERE watch_id = ANY(\(ended)::text[])", logger: logger)
        try await connection.query("DELETE FROM watch_keys WHERE watch_id = ANY(\(ended)::text[])", logger: logger)
        return try watches(await connection.query("""
            SELECT \(unescaped: columns) FROM \(unescaped: table) WHERE watch_id = ANY(\(ended)::text[]) ORDER BY watch_id
            """, logger: logger).collect())
    }

    private static func file(_ keys: [WatchKey], on connection: PostgresConnection, _ logger: Logger) async throws {
        for part in keys.chunks(of: 20_000) {
            try await connection.query("""
                INSERT INTO watch_keys (key, watch_id) SELECT * FROM unnest(\(part.map(\.key))::bigint[], \(part.map(\.watchID))::text[])
                ON CONFLICT DO NOTHING
                """, logger: logger)
        }
    }

    /// A day that is absent, in arrays of days bound to a statement (arrays of optionals cannot be).
    static let none = Int32.min

    static func nullable(_ day: Int?) -> Int32 { day.map(Int32.init) ?? none }

    private static func progress(_ connection: PostgresConnection, _ logger: Logger, lock: String) async throws -> ScreeningProgress {
        for try await (sequence, shapes, rekeyAfter) in try await connection.query("""
            SELECT sequence, shapes, rekey_after FROM watch_screening WHERE id = 1 \(unescaped: lock)
            """, logger: logger).decode((Int64, [Int64], String?).self) {
            return ScreeningProgress(sequence: sequence, shapes: shapes.map { UInt32(truncatingIfNeeded: $0) }, rekeyAfter: rekeyAfter)
        }
        return ScreeningProgress(sequence: 0, shapes: [])
    }

    private static func watches(_ rows: [PostgresRow]) throws -> [WatchRecord] {
        try rows.map { row in
            let (id, client, fingerprint, recruitment, terms, name, idNumber, masked, reference, until, status, decision) =
                try row.decode((String, String, String, String, ByteBuffer, String?, String?, String, String?, Int32, String, String).self)
            let columns = row.makeRandomAccess()
            var watch = WatchRecord(
                id: id, clientID: client, fingerprint: fingerprint, recruitmentID: recruitment, termsJSON: Data(buffer: terms), name: name,
                idNumber: idNumber, maskedID: masked, reference: reference, until: Int(until),
                status: WatchRecord.Status(rawValue: status) ?? .ended, decision: decision, checkID: try columns[12].decode(String.self),
                checkedSequence: try columns[13].decode(Int64.self), recheckOn: try columns[14].decode(Int32?.self).map(Int.init),
                createdAt: Date(timeIntervalSince1970: try columns[15].decode(Double.self)),
                endedAt: try columns[16].decode(Double?.self).map(Date.init(timeIntervalSince1970:)))
            watch.endpointID = try columns[17].decode(String?.self)
            return watch
        }
    }
}

extension Collection {
    /// Consecutive slices of at most `size` elements: one statement each, so no array bound into a
    /// statement grows without limit.
    func chunks(of size: Int) -> [SubSequence] {
        var parts: [SubSequence] = []
        var start = startIndex
        while start != endIndex {
            let end = index(start, offsetBy: size, limitedBy: endIndex) ?? endIndex
            parts.append(self[start..<end])
            start = end
        }
        return parts
    }
}
