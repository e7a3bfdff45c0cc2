import Logging
import PostgresNIO
@testable import PostgresStorage
import TestSupport
import Testing

@Suite("PostgreSQL engine")
struct PostgresEngineTests {
    /// A session the server ends under a store call (a fast shutdown ends them all): a query
    /// written to its connection afterwards must fail, not wait for ever. postgres-nio drops such a
    /// query without an answer; a CI run hung on it, a gateway's graceful stop waiting for ever on
    /// the watch screening's `expire` after the database had restarted.
    @Test(.enabled(if: TestDatabase.url != nil, "needs PostgreSQL (Scripts/with-postgres swift test)"))
    func aQueryOnAConnectionTheServerClosedFailsInsteadOfWaitingForEver() async throws {
        let engine = try await PostgresEngine.open(url: try #require(TestDatabase.freshSchemaURL()), maximumConnections: 2)
        let logger = Logger(label: "test")
        let started = ContinuousClock.now
        let error = await #expect(throws: (any Error).self) {
            try await engine.connection { connection in
                let pid = try await connection.query("SELECT pg_backend_pid()", logger: logger).collect()[0].decode(Int32.self)
                // From the pool's other connection, as a shutdown or an administrator would.
                try await engine.query("SELECT pg_terminate_backend(\(pid))")
                while !connection.isClosed { try await Task.sleep(for: .milliseconds(5)) }
                _ = try await connection.query("SELECT 1", logger: logger).collect()
            }
        }
        #expect(error.map(PostgresEngine.isUnavailable) == true, "\(String(describing: error))")
        #expect(ContinuousClock.now - started < .seconds(20))
        // The pool goes on with a new connection.
        #expect(try await engine.query("SELECT 1").count == 1)
        await engine.close()
    }
}
