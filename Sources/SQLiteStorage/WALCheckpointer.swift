import Foundation
import GRDB
import GRDBSQLite
import Synchronization

/// Copies a WAL file's frames back into its database mostly on a connection and a thread of its
/// own, so that writers pay only for the last few.
///
/// SQLite's automatic checkpoint runs in the connection whose commit took the WAL past 1,000
/// pages, right after that commit: every answer in that group commit then waited for 4 MB to be
/// copied and the database file synced, which was the slowest of a single check's answers. Here the
/// writer's WAL hook (which turns the automatic checkpoint off) queues a passive checkpoint beside
/// the writers once the WAL has grown by ``pages`` pages. That one cannot finish the WAL, which
/// grows while it runs, and SQLite starts a WAL over only once all of it is copied, so the commit
/// after it copies what was added meanwhile itself, when that is at most ``inline`` pages: the WAL
/// then starts over at the next write, as with the automatic checkpoint. Readers and writers are
/// never waited for; what a reader still needs is copied at a later turn. Nothing about durability
/// changes: a commit is synced into the WAL as before, and a checkpoint syncs the database before
/// the WAL is reused.
///
/// ```swift
/// let checkpointer = try WALCheckpointer(path: path, label: "audit", synchronous: "FULL")
/// configuration.prepareDatabase { db in checkpointer.watch(db) }  // which keeps it alive
/// ```
final class WALCheckpointer: Sendable {
    /// How far the WAL grows before a checkpoint: SQLite's own default.
    static let pages = 1000
    /// How much of the WAL a commit copies itself after a checkpoint beside it.
    static let inline = 250

    private let connection: DatabaseQueue
    private let queue: DispatchQueue
    private let state = Mutex(State())

    private struct State {
        /// The WAL's size at the last commit.
        var seen = 0
        /// The size at which a checkpoint is queued.
        var next = WALCheckpointer.pages
        var queued = false
        /// How far the last checkpoint beside the writers copied, until a commit finishes the WAL.
        var copied: Int?
    }

    /// `synchronous` as the writers have it: the checkpoint syncs as they would have.
    init(path: String, label: String, synchronous: String) throws {
        var configuration = Configuration()
        configuration.label = "\(label).checkpoint"
        configuration.busyMode = .timeout(30)
        connection = try DatabaseQueue(path: path, configuration: configuration)
        try connection.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = \(synchronous)") }
        queue = DispatchQueue(label: "creditgate.\(label).checkpoint", qos: .utility)
    }

    /// Hands the connection's commits to this checkpointer instead of its automatic checkpoint.
    func watch(_ db: Database) {
        sqlite3_wal_hook(db.sqliteConnection, { context, connection, _, pages in
            let checkpointer = Unmanaged<WALCheckpointer>.fromOpaque(context!).takeUnretainedValue()
            if checkpointer.committed(walPages: Int(pages)) {
                // In the committing connection, as SQLite's own automatic checkpoint is run.
                sqlite3_wal_checkpoint_v2(connection, "main", SQLITE_CHECKPOINT_PASSIVE, nil, nil)
            }
            return SQLITE_OK
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    /// A commit left the WAL at `walPages` pages: queues a checkpoint once it has grown by
    /// ``pages`` (counted from zero again when a writer has started it over), and says whether
    /// this commit should copy the rest itself.
    private func committed(walPages: Int) -> Bool {
        let (queue, finish) = state.withLock { state -> (Bool, Bool) in
            if walPages < state.seen {
                state.next = Self.pages
                state.copied = nil
            }
            state.seen = walPages
            if let copied = state.copied, walPages - copied <= Self.inline {
                state.copied = nil
                return (false, true)
            }
            guard walPages >= state.next, !state.queued else { return (false, false) }
            state.queued = true
            return (true, false)
        }
        if queue { checkpointBeside() }
        return finish
    }

    private func checkpointBeside() {
        queue.async { [self] in
            let result = try? connection.writeWithoutTransaction { db in
                // A connection that has not read the file since it went into WAL mode has not
                // opened the WAL, and its checkpoint would copy nothing.
                _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master")
                return try db.checkpoint(.passive)
            }
            state.withLock { state in
                state.queued = false
                state.copied = result.map(\.checkpointedFrameCount)
                // What was added meanwhile, if more than a commit copies, is copied here again
                // at once: a writer as fast as a batch job's would otherwise keep ahead and the
                // WAL would never start over. A failed checkpoint (the disk full, the file gone)
                // is tried again once the WAL grows by as much again.
                state.next = result?.walFrameCount ?? (state.seen + Self.pages)
            }
        }
    }
}
