import ArchiveClient
import Attestation
import Foundation
import Logging
import PostgresStorage
import SQLiteStorage
import Storage

/// The stores a gateway keeps its state in, opened from its configuration: SQLite files in the
/// state folder (the embedded default), or one PostgreSQL database shared with other gateways,
/// importers and systems (`database.url`).
///
/// ```swift
/// let stores = try await Stores.open(configuration, logger: logger)
/// let log = AuditLog(store: stores.audit, origin: origin, currentSigner: signer)
/// ```
package struct Stores: Sendable {
    package let archive: any ArchiveStore
    package let audit: any AuditLogStore
    package let answers: any AnswerStore
    package let batches: any BatchJobStore
    package let keys: any KeyDirectory
    /// Where they are, for people (a password is never shown).
    package let description: String

    package static func open(_ configuration: GatewayConfiguration, logger: Logger) async throws -> Stores {
        let state = URL(fileURLWithPath: configuration.stateDirectory, isDirectory: true)
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        guard let url = configuration.databaseURL else {
            return Stores(
                archive: try SQLiteArchive(path: configuration.archivePath),
                audit: try SQLiteAuditLogStore(path: state.appendingPathComponent("audit.sqlite").path),
                answers: try SQLiteAnswerStore(path: state.appendingPathComponent("checks.sqlite").path),
                batches: try SQLiteBatchJobStore(folder: state.appendingPathComponent("batches")),
                keys: try SQLiteKeyDirectory(path: state.appendingPathComponent("published-keys.sqlite").path),
                description: "SQLite in \(state.path)")
        }
        let engine = try await PostgresEngine.open(url: url, logger: logger)
        return Stores(
            archive: try PostgresArchive(engine), audit: PostgresAuditLogStore(engine), answers: PostgresAnswerStore(engine),
            batches: PostgresBatchJobStore(engine), keys: PostgresKeyDirectory(engine), description: "PostgreSQL, schema \(engine.schema)")
    }
}
