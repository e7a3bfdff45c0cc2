import ArchiveClient
import Attestation
import Foundation
import PostgresStorage
import SQLiteStorage
import Storage

/// `creditgate migrate`: everything a gateway kept in SQLite files, copied into a PostgreSQL
/// schema that several gateways will share, row for row in one transaction: the archive's whole
/// history (so the same archive versions), the audit log (the same leaves and so the same root:
/// old checkpoints verify and the log goes on extending them), answers, dispositions, batch jobs
/// and published keys. The state folder keeps the gateway's private keys and audit HMAC key.
///
/// ```swift
/// let copied = try await StateMigration.run(state: "state", archive: "state/archive.sqlite", to: url)
/// ```
package enum StateMigration {
    /// What is copied, table by table, in an order that keeps references whole.
    static let tables: [TableCopy] = [
        TableCopy("archive.sqlite", "imports", columns: ["seq", "kind", "source", "content_hash", "format", "imported_at", "accepted", "rejected"], order: "seq"),
        TableCopy("archive.sqlite", "texts", columns: ["id", "text"], order: "id"),
        TableCopy("archive.sqlite", "mask_shapes", columns: ["shape"], order: "shape"),
        TableCopy("archive.sqlite", "defaulter_events", columns: ["id", "import_seq", "op", "effective_day", "entry_key", "match_key", "detail"], order: "id"),
        TableCopy("archive.sqlite", "record_events", columns: [
            "id", "import_seq", "op", "effective_day", "record_key", "record_id", "id_key", "name", "category", "kind", "sanction", "severity",
            "decided_day", "effective_until_day", "permanent", "issuer", "document_number", "summary",
        ], order: "id"),
        TableCopy("audit.sqlite", "entries", as: "audit_entries", columns: ["idx", "data", "leaf_hash"], order: "idx"),
        TableCopy("audit.sqlite", "nodes", as: "audit_nodes", columns: ["level", "idx", "hash"], order: "level, idx"),
        TableCopy("audit.sqlite", "checkpoints", as: "audit_checkpoints", columns: ["size", "note"], order: "size"),
        TableCopy("checks.sqlite", "checks", columns: ["check_id", "client_id", "created_at", "answer", "receipt"], order: "check_id"),
        TableCopy("checks.sqlite", "dispositions", columns: ["check_id", "sequence", "disposition"], order: "check_id, sequence"),
        TableCopy("batches/batches.sqlite", "batches", columns: [
            "batch_id", "client_id", "fingerprint", "terms", "status", "total", "done", "errors", "clear", "review", "ineligible", "next_chunk",
            "results_bytes", "created_at", "finished_at", "failure", "results_digest", "idempotency_key", "request_digest",
        ], order: "created_at, batch_id"),
        TableCopy("batches/batches.sqlite", "batch_input", columns: ["batch_id", "chunk", "lines"], order: "batch_id, chunk"),
        TableCopy("batches/batches.sqlite", "batch_results", columns: ["batch_id", "chunk", "lines"], order: "batch_id, chunk"),
        TableCopy("batches/batches.sqlite", "batch_checks", columns: ["check_id", "batch_id", "chunk", "line"], order: "check_id"),
        TableCopy("published-keys.sqlite", "published_keys", columns: ["kid", "jwk", "published_at"], order: "published_at, kid"),
    ]

    /// Copies the state folder's stores (the archive at `archive`) into the empty schema at `url`.
    /// The gateway must be stopped. Returns the rows copied per target table.
    package static func run(state: String, archive: String, to url: String) async throws -> [String: Int] {
        let folder = URL(fileURLWithPath: state, isDirectory: true)
        // Opening each store brings its file to the current version (and publishes the keys).
        _ = try SQLiteArchive(path: archive)
        _ = try await ServiceState.open(state)
        _ = try SQLiteAnswerStore(path: folder.appendingPathComponent("checks.sqlite").path)
        _ = try SQLiteBatchJobStore(folder: folder.appendingPathComponent("batches"))
        var readers: [String: SQLiteTableReader] = [:]
        for file in Set(tables.map(\.file)) {
            let path = file == "archive.sqlite" ? archive : folder.appendingPathComponent(file).path
            readers[file] = try SQLiteTableReader(path: path)
        }
        let engine = try await PostgresEngine.open(url: url)
        defer { Task { await engine.close() } }
        let writer = PostgresTableWriter(engine)
        guard try await writer.isEmpty() else { throw MigrationRefused(reason: "the target schema already holds a log, an archive, answers or jobs") }
        return try await writer.copy(tables) { [readers] table, offset in
            try readers[table.file]?.rows(table, offset: offset, limit: 5000) ?? []
        }
    }

    package struct MigrationRefused: Error, CustomStringConvertible {
        package var reason: String
        package var description: String { "not migrated: \(reason)" }
    }
}
