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
    package let repairs: any RepairStore
    package let watches: any WatchStore
    /// Webhook endpoints and the outbox: beside the watches, in the same database.
    package let webhooks: any WebhookStore
    /// Where they are, for people (a password is never shown).
    package let description: String
    /// Whether an error of theirs means "out of reach for now" (``StoreUnavailability``).
    package let unavailability: StoreUnavailability

    package static func open(_ configuration: GatewayConfiguration, logger: Logger) async throws -> Stores {
        let state = URL(fileURLWithPath: configuration.stateDirectory, isDirectory: true)
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        guard let url = configuration.databaseURL else {
            let watches = try SQLiteWatchStore(path: state.appendingPathComponent("watches.sqlite").path)
            return Stores(
                archive: try SQLiteArchive(path: configuration.archivePath),
                audit: try SQLiteAuditLogStore(path: state.appendingPathComponent("audit.sqlite").path),
                answers: try SQLiteAnswerStore(path: state.appendingPathComponent("checks.sqlite").path),
                batches: try SQLiteBatchJobStore(folder: state.appendingPathComponent("batches")),
                keys: try SQLiteKeyDirectory(path: state.appendingPathComponent("published-keys.sqlite").path),
                repairs: try SQLiteRepairStore(path: state.appendingPathComponent("repairs.sqlite").path),
                watches: watches, webhooks: watches,
                description: "SQLite in \(state.path)", unavailability: .never)
        }
        let engine = try await PostgresEngine.open(url: url, logger: logger)
        let watches = PostgresWatchStore(engine)
        return Stores(
            archive: try PostgresArchive(engine), audit: PostgresAuditLogStore(engine), answers: PostgresAnswerStore(engine),
            batches: PostgresBatchJobStore(engine), keys: PostgresKeyDirectory(engine), repairs: PostgresRepairStore(engine),
            watches: watches, webhooks: watches, description: "PostgreSQL, schema \(engine.schema)",
            unavailability: StoreUnavailability(PostgresEngine.isUnavailable))
    }
}

/// Tells a store that is out of reach for now (a database restarting) from a request that failed:
/// the first is answered `503 service.unavailable` with `Retry-After`, and nothing is lost, since
/// nothing was acknowledged.
package struct StoreUnavailability: Sendable {
    let test: @Sendable (any Error) -> Bool

    package init(_ test: @escaping @Sendable (any Error) -> Bool) {
        self.test = test
    }

    /// The embedded files are never "away".
    package static let never = StoreUnavailability { _ in false }

    package func isUnavailable(_ error: any Error) -> Bool { test(error) }
}
