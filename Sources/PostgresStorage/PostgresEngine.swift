import Foundation
import Logging
import NIOCore
import NIOSSL
import PostgresNIO

/// One PostgreSQL database shared by several gateways, importers and other systems: the pool of
/// connections every store of this module uses, and the schema they keep their tables in.
///
/// Opening it connects, creates the schema if needed and brings its tables to the current version
/// (under a transaction-level advisory lock, so gateways starting together migrate once).
///
/// ```swift
/// let engine = try await PostgresEngine.open(url: "postgres://creditgate@db.internal:5432/credit?schema=bureau")
/// let log = AuditLog(store: PostgresAuditLogStore(engine), origin: origin, signer: signer)
/// await engine.close()
/// ```
///
/// The URL: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?schema=NAME&sslmode=disable|prefer|require]`.
/// `schema` (default `creditgate`) lets several deployments share one database; `sslmode`
/// defaults to `prefer`. A password may also come from `PGPASSWORD`.
public final class PostgresEngine: Sendable {
    public let client: PostgresClient
    public let schema: String
    let logger: Logger
    private let running: Task<Void, Never>
    /// The calls under way, which ``CallWatch`` times out or gives up.
    private let calls: CallWatch

    private init(client: PostgresClient, schema: String, logger: Logger, leaseTimeout: Duration) async {
        self.client = client
        self.schema = schema
        self.logger = logger
        calls = CallWatch(leaseTimeout: leaseTimeout)
        // The pool hands out connections only once `run()` has started.
        var task: Task<Void, Never>?
        await withCheckedContinuation { started in
            task = Task {
                started.resume()
                await client.run()
            }
        }
        running = task ?? Task {}
    }

    /// The stores hold the engine: the connections close when the last of them is gone, or at
    /// ``close()``.
    deinit {
        running.cancel()
    }

    /// Connects and migrates. Fails (and closes) when the database cannot be reached.
    public static func open(
        url: String, maximumConnections: Int = 20, leaseTimeout: Duration = .seconds(30), logger: Logger = Logger(label: "creditgate.postgres")
    ) async throws -> PostgresEngine {
        let location = try PostgresLocation(url)
        var configuration = PostgresClient.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password, database: location.database,
            tls: location.tls)
        configuration.options.maximumConnections = maximumConnections
        configuration.options.additionalStartupParameters = [("search_path", location.schema), ("application_name", "creditgate")]
        let engine = await PostgresEngine(
            client: PostgresClient(configuration: configuration, backgroundLogger: logger), schema: location.schema, logger: logger,
            leaseTimeout: leaseTimeout)
        do {
            try await PostgresSchema.migrate(engine)
        } catch {
            await engine.close()
            throw error
        }
        return engine
    }

    /// Closes every connection.
    public func close() async {
        calls.stop()
        running.cancel()
        await running.value
    }

    /// Runs `body` in one transaction on one connection.
    /// The closure's own error comes out as it was thrown (rolled back), not wrapped.
    func transaction<Result: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> sending Result) async throws -> Result {
        try await connection { [logger] connection in
            do {
                return try await connection.withTransaction(logger: logger) { try await body($0) }
            } catch let failed as PostgresTransactionError {
                if let closureError = failed.closureError, failed.rollbackError == nil { throw closureError }
                throw failed
            }
        }
    }

    /// Runs one statement outside a transaction and returns its rows.
    @discardableResult
    func query(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await connection { [logger] in try await $0.query(query, logger: logger).collect() }
    }

    /// Runs `body` on a connection of the pool. Waiting for one is bounded by the lease timeout: the
    /// pool keeps a request waiting while the server is away, and a gateway must answer `503`
    /// then, not hang (``PostgresUnavailable``). Once `body` has its connection it is not timed,
    /// unless the connection closes under it (``ConnectionCall``).
    func connection<Result: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> sending Result) async throws -> Result {
        let call = ConnectionCall<Result>()
        return try await calls.watching(call) {
            try await call.run { [client] in try await client.withConnection { try await call.leased($0, body) } }
        }
    }
}

/// What a `postgres://` URL names.
struct PostgresLocation: Sendable {
    var host: String
    var port: Int
    var user: String
    var password: String?
    var database: String
    var schema: String
    var tls: PostgresClient.Configuration.TLS

    init(_ url: String) throws {
        guard let components = URLComponents(string: url), components.scheme == "postgres" || components.scheme == "postgresql",
              let host = components.host, !host.isEmpty else {
            throw PostgresURLError(reason: "expected postgres://USER@HOST[:PORT]/DATABASE")
        }
        self.host = host
        port = components.port ?? 5432
        user = components.user ?? "postgres"
        password = components.password ?? ProcessInfo.processInfo.environment["PGPASSWORD"]
        let path = components.path.drop { $0 == "/" }
        database = path.isEmpty ? user : String(path)
        let query = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
        schema = query["schema"] ?? "creditgate"
        guard schema.range(of: "^[a-z_][a-z0-9_]{0,62}$", options: .regularExpression) != nil else {
            throw PostgresURLError(reason: "schema must be a lower-case SQL identifier")
        }
        switch query["sslmode"] ?? "prefer" {
        case "disable": tls = .disable
        case "prefer": tls = .prefer(.makeClientConfiguration())
        case "require", "verify-full": tls = .require(.makeClientConfiguration())
        case let other: throw PostgresURLError(reason: "sslmode \(other) is not one of disable, prefer, require, verify-full")
        }
    }
}

/// A database URL that cannot be used; the reason never repeats the password.
public struct PostgresURLError: Error, CustomStringConvertible {
    public var reason: String
    public var description: String { "database URL: \(reason)" }
}

/// The database could not be reached in time; nothing was done.
public struct PostgresUnavailable: Error, CustomStringConvertible {
    public var reason: String
    public var description: String { "PostgreSQL unavailable: \(reason)" }
}

extension Array where Element == PostgresRow {
    /// Each row's columns as `types`.
    func decode<each Column: PostgresDecodable>(_ types: (repeat each Column).Type) throws -> [(repeat each Column)] {
        try map { try $0.decode(types) }
    }

    func decode<Column: PostgresDecodable>(_ type: Column.Type) throws -> [Column] {
        try map { try $0.decode(type) }
    }
}
