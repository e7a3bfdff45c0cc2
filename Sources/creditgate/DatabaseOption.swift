import ArgumentParser
import Foundation
import Gateway
import PostgresStorage

/// `--database URL`: work on the PostgreSQL database that gateways share instead of SQLite files.
struct DatabaseOption: ParsableArguments {
    @Option(help: "A postgres:// URL: the shared database instead of SQLite files (default: $CREDITGATE_DATABASE_URL).")
    var database: String?

    var url: String? {
        (database ?? ProcessInfo.processInfo.environment["CREDITGATE_DATABASE_URL"]).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The shared database, when one is named.
    func engine() async throws -> PostgresEngine? {
        guard let url else { return nil }
        return try await PostgresEngine.open(url: url)
    }
}

extension ServiceState {
    /// The state folder, with its audit log and published keys in the shared database when one is given.
    static func open(_ path: String, stores engine: PostgresEngine?) async throws -> ServiceState {
        try await open(path, audit: engine.map(PostgresAuditLogStore.init), directory: engine.map(PostgresKeyDirectory.init))
    }
}
