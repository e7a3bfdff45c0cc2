import Foundation

/// The PostgreSQL server of a test run: `Scripts/with-postgres swift test` (the README's test
/// command, and CI's) starts a throwaway one and names it in `CREDITGATE_TEST_DATABASE_URL`.
///
/// ```swift
/// if let url = TestDatabase.freshSchemaURL() { let engine = try await PostgresEngine.open(url: url) }
/// ```
public enum TestDatabase {
    public static var url: String? {
        ProcessInfo.processInfo.environment["CREDITGATE_TEST_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The server's URL with a schema of its own, so tests never see each other's tables.
    public static func freshSchemaURL() -> String? {
        url.map { "\($0)?sslmode=disable&schema=t_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(20))" }
    }

    /// CI must test every backend: there a missing server is a failure, not a skip.
    public static var isRequired: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }
}
