import ArchiveClient
import CreditCore
import Foundation
import GRDB

/// The embedded archive: one SQLite file in WAL mode, through GRDB.
///
/// Many readers run alongside one writer; a lookup reads one snapshot. Imports run in a single
/// transaction with `synchronous = FULL`, so a crash or kill mid-import leaves the archive exactly as
/// it was, and a finished import survives power loss.
///
/// ```swift
/// let archive = try SQLiteArchive(path: "/var/lib/creditgate/archive.sqlite")
/// let stats = try await archive.statistics()
/// ```
public struct SQLiteArchive: ArchiveStore {
    let pool: DatabasePool
    /// Connections for lookups of a few candidates, outside the pool (``LookupConnections``).
    let lookups: LookupConnections
    let texts = TextCache()
    let keyFilter = KeyFilter()
    /// Held while a reader reads keys for the filter (``filterBits(_:)``).
    let keyReading = NSLock()
    /// The taxonomy record categories are checked against.
    public let taxonomy: Taxonomy

    /// Opens (creating if needed) the archive at `path`.
    /// - Parameter importCacheMiB: page cache of the writing connection; index maintenance during a
    ///   large import is bound by it.
    public init(path: String, taxonomy: Taxonomy? = nil, importCacheMiB: Int = 256, readOnly: Bool = false) throws {
        var configuration = Configuration()
        configuration.readonly = readOnly
        configuration.busyMode = .timeout(30)
        configuration.label = "archive"
        let writerCache = importCacheMiB
        configuration.prepareDatabase { db in
            if db.configuration.readonly {
                // Readers read pages into their own cache rather than map the file. Mapped, every page
                // a lookup touched (and the kernel's fault-around neighbours) counted in the gateway's
                // resident memory: up to 2.5 GiB after a 1M-line job, depending on how much of the
                // archive the page cache held. Lookups ran no slower without the map (ArchiveBenchmark,
                // 10M listings, 2026-12-03: 34–44k exact hits/s mapped, 36–38k not).
                try db.execute(sql: "PRAGMA cache_size = -65536; PRAGMA mmap_size = 0")
            } else {
                try db.execute(sql: "PRAGMA cache_size = -\(writerCache * 1024); PRAGMA temp_store = FILE")
            }
        }
        self.pool = try DatabasePool(path: path, configuration: configuration)
        lookups = LookupConnections(path: path, configuration: configuration)
        if !readOnly {
            try pool.writeWithoutTransaction { db in
                // DatabasePool sets NORMAL after prepareDatabase: imports must be durable when reported.
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
            try Schema.migrator.migrate(pool)
        }
        self.taxonomy = try taxonomy ?? Taxonomy.bundled()
    }

    public func version() async throws -> ArchiveVersion {
        try await pool.read { db in try Self.version(db) }
    }

    static func version(_ db: Database) throws -> ArchiveVersion {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT seq, content_hash FROM imports ORDER BY seq DESC LIMIT 1")) else {
            return .empty
        }
        return ArchiveVersion(sequence: row[0], contentHash: row[1])
    }

    public func statistics() async throws -> ArchiveStatistics {
        try await pool.read { db in
            func count(_ sql: String) throws -> Int { try Int.fetchOne(db, sql: sql) ?? 0 }
            return ArchiveStatistics(
                version: try Self.version(db),
                defaulterEvents: try count("SELECT COUNT(*) FROM defaulter_events"),
                defaulterEntries: try count("SELECT COUNT(*) FROM (SELECT DISTINCT entry_key FROM defaulter_events)"),
                maskedEvents: try count("SELECT COUNT(*) FROM defaulter_events WHERE match_key < 0"),
                recordEvents: try count("SELECT COUNT(*) FROM record_events"),
                records: try count("SELECT COUNT(*) FROM (SELECT DISTINCT record_key FROM record_events)"),
                imports: try count("SELECT COUNT(*) FROM imports"),
                maskShapes: try count("SELECT COUNT(*) FROM mask_shapes"),
                lastImport: try Self.imports(db, before: nil, limit: 1).first
            )
        }
    }

    public func imports(before: Int64?, limit: Int) async throws -> [ImportSummary] {
        try await pool.read { db in try Self.imports(db, before: before, limit: limit) }
    }

    static func imports(_ db: Database, before: Int64?, limit: Int) throws -> [ImportSummary] {
        try Row.fetchAll(db, sql: """
            SELECT seq, kind, source, content_hash, imported_at, accepted, rejected FROM imports
            WHERE seq < ? ORDER BY seq DESC LIMIT ?
            """, arguments: [before ?? Int64.max, limit]).map {
            ImportSummary(
                sequence: $0[0], kind: $0[1], source: $0[2], contentHash: $0[3],
                importedAt: Date(timeIntervalSince1970: $0[4]), accepted: $0[5], rejected: $0[6])
        }
    }
}
