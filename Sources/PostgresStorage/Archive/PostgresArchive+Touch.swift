import ArchiveClient
import PostgresNIO

extension PostgresArchive {
    /// One import's events lie between the event ids its predecessor's head and its own recorded
    /// (``recordHead``): imports write one at a time. Imports older than those columns have no
    /// head; then the range starts at the first event, and the sequence alone picks the import's.
    public func touched(bySequence sequence: Int64) async throws -> ImportTouch {
        try await engine.connection { connection in
            let logger = engine.logger
            var heads: [Int64: (defaulters: Int64?, records: Int64?, shapes: [Int64]?)] = [:]
            for try await (seq, defaulters, records, shapes) in try await connection.query("""
                SELECT seq, defaulter_high, record_high, shapes FROM imports WHERE seq <= \(sequence) ORDER BY seq DESC LIMIT 2
                """, logger: logger).decode((Int64, Int64?, Int64?, [Int64]?).self) {
                heads[seq] = (defaulters, records, shapes)
            }
            guard let head = heads[sequence] else { throw UnknownImport(sequence: sequence) }
            let previous = heads.first { $0.key < sequence }?.value
            var keys: [Int64] = []
            for (table, group, key, low, high) in [
                ("defaulter_events", "entry_key", "match_key", previous?.defaulters ?? 0, head.defaulters ?? Int64.max),
                ("record_events", "record_key", "id_key", previous?.records ?? 0, head.records ?? Int64.max),
            ] {
                let rows = try await connection.query("""
                    SELECT array_agg(DISTINCT \(unescaped: key)) FROM \(unescaped: table)
                    WHERE \(unescaped: group) IN (SELECT \(unescaped: group) FROM \(unescaped: table)
                                                  WHERE id > \(low) AND id <= \(high) AND import_seq = \(sequence))
                      AND \(unescaped: key) IS NOT NULL
                    """, logger: logger)
                for try await found in rows.decode([Int64]?.self) { keys += found ?? [] }
            }
            guard let shapes = head.shapes else {
                return ImportTouch(sequence: sequence, keys: keys, shapes: try await Self.maskShapes(connection, logger))
            }
            return ImportTouch(sequence: sequence, keys: keys, shapes: shapes.map { UInt32(truncatingIfNeeded: $0) })
        }
    }

    public func maskShapes() async throws -> [UInt32] {
        try await engine.connection { try await Self.maskShapes($0, engine.logger) }
    }

    static func maskShapes(_ connection: PostgresConnection, _ logger: Logger) async throws -> [UInt32] {
        try await connection.query("SELECT shape FROM mask_shapes ORDER BY shape", logger: logger).collect()
            .map { UInt32(truncatingIfNeeded: try $0.decode(Int64.self)) }
    }
}
