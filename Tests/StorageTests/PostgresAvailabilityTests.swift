import Testing
import TestSupport

@Suite("PostgreSQL for the behaviour suites")
struct PostgresAvailabilityTests {
    /// Without a server the suites run on SQLite alone; CI must run them on both.
    @Test func aServerIsGivenWhereEveryBackendMustBeTested() {
        #expect(!TestDatabase.isRequired || TestDatabase.url != nil,
                "CI runs the tests beside PostgreSQL: run them as `Scripts/with-postgres swift test`")
    }
}
