import GRDB
import Synchronization

/// Read-only connections to the archive kept for lookups of a few candidates, which run on the
/// calling thread, outside GRDB's reader pool.
///
/// A single check's lookup is mostly the in-memory key filter, a few microseconds of SQLite; GRDB's
/// `DatabasePool.read` wrapped it in about three times as much: taking a reader from its pool,
/// checking the schema's version, switching `query_only` on and off, and its transaction's
/// bookkeeping (9% of a single check's CPU under `perf`, against 4% for the lookup itself). Here a
/// lookup takes an idle connection, and reads in one `BEGIN`…`COMMIT` of its own.
final class LookupConnections: Sendable {
    private let path: String
    private let configuration: Configuration
    private let idle = Mutex<[DatabaseQueue]>([])

    /// `configuration` as the archive's readers have it; the connections are opened read-only.
    init(path: String, configuration: Configuration) {
        var configuration = configuration
        configuration.readonly = true
        self.path = path
        self.configuration = configuration
    }

    /// `body` inside one read transaction, on an idle connection or a new one.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        let connection = try idle.withLock { $0.popLast() } ?? DatabaseQueue(path: path, configuration: configuration)
        var reusable = true
        defer { if reusable { idle.withLock { $0.append(connection) } } }
        return try connection.inDatabase { db in
            try RawStatement(db.cachedStatement(sql: "BEGIN DEFERRED")).run(db)
            defer {
                try? RawStatement(db.cachedStatement(sql: "COMMIT")).run(db)
                // A connection a failed COMMIT left inside its transaction is dropped: every later
                // lookup on it would fail at its BEGIN.
                reusable = !db.isInsideTransaction
            }
            return try body(db)
        }
    }
}
