@testable import Attestation
@testable import Gateway
import Logging
import SQLiteStorage
import Testing
import TestSupport

/// An announced entry is waited for by the write about to begin; the record made inside the
/// announcing body ends the announcement, and a body that records nothing withdraws it. The log
/// waits an hour for what is announced: a broken announcement shows as a test that never ends.
@Suite("Audit announcements", .timeLimit(.minutes(1)))
struct AuditAnnouncementTests {
    let auditor: Auditor

    init() throws {
        let store = try SQLiteAuditLogStore(path: TemporaryFiles.url("audit", extension: "sqlite").path)
        let log = AuditLog(store: store, origin: "creditgate.test/audit", signer: NoteSigner(name: "creditgate.test/audit", key: Ed25519SigningKey()),
                           gatherLimit: .seconds(3600))
        auditor = Auditor(log: log, hasher: CandidateHasher(key: Array("audit-key-for-tests".utf8)), logger: Logger(label: "test-audit"))
    }

    func entry(_ operation: String) -> AuditEntry { AuditEntry(operation: operation, outcome: "ok") }

    @Test func theRecordInsideTheBodyEndsTheAnnouncement() async throws {
        let receipts = try await auditor.announcing { try await auditor.record([entry("first")]) }
        #expect(receipts.map(\.logIndex) == [0])
        // Nothing is left announced: a record made afterwards is written at once.
        #expect(try await auditor.record([entry("second")]).map(\.logIndex) == [1])
    }

    @Test func aBodyThatRecordsNothingWithdrawsItsAnnouncement() async throws {
        try await auditor.announcing {}
        struct Failed: Error {}
        await #expect(throws: Failed.self) { try await auditor.announcing { throw Failed() } }
        #expect(try await auditor.record([entry("after")]).map(\.logIndex) == [0])
    }

    @Test func aWriteWaitsForTheEntryAnnouncedBeforeIt() async throws {
        let (announcing, announced) = AsyncStream<Void>.makeStream()
        let (judged, judging) = AsyncStream<Void>.makeStream()
        async let first = auditor.announcing {
            announced.finish()
            for await _ in judged {}
            return try await auditor.record([entry("announced")])
        }
        for await _ in announcing {}
        // Written only once the announced entry is in: both go in one write.
        async let other = auditor.record([entry("other")])
        while await auditor.log.awaitedSubmissions != 1 { await Task.yield() }
        judging.finish()
        _ = try await (first, other)
        #expect(await auditor.log.recentBatchSizes == [2])
    }
}
