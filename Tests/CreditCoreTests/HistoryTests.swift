import CreditCore
import Testing

@Suite("As-of history")
struct HistoryTests {
    typealias F = Fixtures

    @Test func listingTakesEffectOnPublicationAndEndsOnDeletion() throws {
        let history = DefaulterHistory(events: [F.event(2, .delete, "2021-03-01"), F.event(1, .add, "2019-05-01")])
        #expect(history.state(asOf: F.day("2019-04-30")) == nil)
        #expect(history.state(asOf: F.day("2019-05-01"))?.status == .active)
        #expect(history.state(asOf: F.day("2021-02-28"))?.status == .active)
        let deleted = try #require(history.state(asOf: F.day("2021-03-01")))
        #expect(deleted.status == .deleted)
        #expect(deleted.deletedOn == F.day("2021-03-01"))
        #expect(deleted.listedOn == F.day("2019-05-01"))
    }

    @Test func revokedCountsAsNeverListedFromTheRevocation() {
        let history = DefaulterHistory(events: [F.event(1, .add, "2019-05-01"), F.event(2, .revoke, "2020-01-10")])
        #expect(history.state(asOf: F.day("2019-12-31"))?.status == .active)
        #expect(history.state(asOf: F.day("2020-01-10")) == nil)
        #expect(history.state(asOf: F.day("2026-01-01")) == nil)
    }

    @Test func correctionReplacesTheFieldsFromItsDate() {
        let moved = F.entry(card: "430102198001010011")
        let history = DefaulterHistory(events: [F.event(1, .add, "2019-05-01"), F.event(2, .correct, "2020-06-01", entry: moved)])
        #expect(history.state(asOf: F.day("2020-05-31"))?.entry.publishedID == .full(F.id))
        #expect(history.state(asOf: F.day("2020-06-01"))?.entry.publishedID == moved.publishedID)
        #expect(history.state(asOf: F.day("2020-06-01"))?.evidenceEventID == 2)
        #expect(history.state(asOf: F.day("2020-06-01"))?.listedOn == F.day("2019-05-01"))
    }

    @Test func relistedAfterDeletion() {
        let history = DefaulterHistory(events: [
            F.event(1, .add, "2019-05-01"), F.event(2, .delete, "2020-01-01"), F.event(3, .add, "2022-01-01"),
        ])
        #expect(history.state(asOf: F.day("2021-01-01"))?.status == .deleted)
        #expect(history.state(asOf: F.day("2022-01-01"))?.status == .active)
        #expect(history.state(asOf: F.day("2022-01-01"))?.listedOn == F.day("2022-01-01"))
    }

    @Test func knownAtIgnoresLaterImports() {
        // A deletion dated 2020 but delivered by import 2: archive version 1 still sees the listing.
        let history = DefaulterHistory(events: [F.event(1, .add, "2019-05-01", sequence: 1), F.event(2, .delete, "2020-01-01", sequence: 2)])
        #expect(history.state(asOf: F.day("2021-01-01"), knownAt: 1)?.status == .active)
        #expect(history.state(asOf: F.day("2021-01-01"), knownAt: 2)?.status == .deleted)
    }

    @Test func recordRepairAndRevocation() {
        let record = F.record(kind: .administrativePenalty, severity: .general)
        let repaired = RecordHistory(events: [
            RecordEvent(eventID: 1, importSequence: 1, operation: .add, effectiveOn: F.day("2025-01-10"), record: record),
            RecordEvent(eventID: 2, importSequence: 1, operation: .repair, effectiveOn: F.day("2025-06-01"), record: nil),
        ])
        #expect(repaired.state(asOf: F.day("2025-01-09")) == nil)
        #expect(repaired.state(asOf: F.day("2025-05-31"))?.repairedOn == nil)
        #expect(repaired.state(asOf: F.day("2025-06-01"))?.repairedOn == F.day("2025-06-01"))
        let revoked = RecordHistory(events: [
            RecordEvent(eventID: 1, importSequence: 1, operation: .add, effectiveOn: F.day("2025-01-10"), record: record),
            RecordEvent(eventID: 2, importSequence: 1, operation: .revoke, effectiveOn: F.day("2025-03-01"), record: nil),
        ])
        #expect(revoked.state(asOf: F.day("2025-02-01")) != nil)
        #expect(revoked.state(asOf: F.day("2025-03-01")) == nil)
    }
}
