import Foundation
import Storage
import Testing

/// Watches, the same on every backend: filed under keys, found by them, ended with the person's
/// data deleted, screened by one lease holder at a time, events in commit order.
@Suite("Watch store")
struct WatchStoreTests {
    static func watch(_ number: Int, checkedSequence: Int64 = 5, recheckOn: Int? = nil) -> WatchRecord {
        WatchRecord(
            id: String(format: "wch_%026d", number), clientID: number % 2 == 0 ? "hr-a" : "hr-b", fingerprint: "ab", recruitmentID: "GK-\(number % 3)",
            termsJSON: Data(#"{"policy":"civil-service-2026"}"#.utf8), name: "候选\(number)", idNumber: "1101011980010100\(number)X",
            maskedID: "110101********00\(number)X", reference: number == 1 ? nil : "row-\(number)", until: 20_800, decision: "CLEAR",
            checkID: "chk_\(number)", checkedSequence: checkedSequence, recheckOn: recheckOn, createdAt: Date(timeIntervalSince1970: 1_000))
    }

    @Test(arguments: StorageBackend.allCases)
    func watchesAreFoundByTheirKeysAndEndedWithoutTheirPerson(_ backend: StorageBackend) async throws {
        let store = try await StorageFixture.make(backend).watches()
        #expect(try await store.shapes().isEmpty)
        let watches = (1...4).map { Self.watch($0, recheckOn: [3: 20_500, 4: 20_450][$0]) }
        try await store.create(watches, keys: watches.indices.map { [Int64($0 + 1) * 100, -Int64($0 + 1)] }, shapes: [], catchUpDay: 20_400)
        #expect(try await store.watch(watches[1].id) == watches[1])
        #expect(try await store.watch(watches[0].id)?.reference == nil)

        // Found by any key, once each, only if checked before the import.
        #expect(try await store.watching(keys: [100, -2, 300, 100], checkedBefore: 6).map(\.id) == [watches[0].id, watches[1].id, watches[2].id])
        #expect(try await store.watching(keys: [100], checkedBefore: 5).isEmpty)
        #expect(try await store.due(on: 20_449, after: nil, limit: 10).isEmpty)
        #expect(try await store.due(on: 20_499, after: nil, limit: 10).map(\.id) == [watches[3].id])
        // Due first, read first; a page goes on from the last one's day and id.
        let page = try await store.due(on: 20_500, after: nil, limit: 1)
        #expect(page.map(\.id) == [watches[3].id])
        #expect(try await store.due(on: 20_500, after: DuePosition(after: page[0]), limit: 10).map(\.id) == [watches[2].id])
        #expect(try await store.watches(clientID: "hr-a", recruitmentID: nil, after: nil, limit: 10).map(\.id) == [watches[1].id, watches[3].id])
        #expect(try await store.watches(clientID: nil, recruitmentID: "GK-1", after: watches[0].id, limit: 10).map(\.id) == [watches[3].id])

        // Ended: status and time kept, the person and the keys gone; ending again finds nothing.
        let ended = try #require(try await store.end(watches[0].id, as: .ended, at: Date(timeIntervalSince1970: 2_000)))
        #expect(ended.status == .ended && ended.name == nil && ended.idNumber == nil && ended.maskedID == watches[0].maskedID)
        #expect(try await store.end(watches[0].id, as: .ended, at: Date()) == nil)
        #expect(try await store.watching(keys: [100], checkedBefore: 6).isEmpty)
        let expired = try await store.expire(before: 20_801, at: Date(timeIntervalSince1970: 3_000))
        #expect(expired.map(\.id) == watches.dropFirst().map(\.id) && expired.allSatisfy { $0.status == .expired && $0.idNumber == nil })
        #expect(try await store.active(after: nil, limit: 10).isEmpty)
    }

    @Test(arguments: StorageBackend.allCases)
    func oneScreenerAtATimeCommitsDecisionsEventsAndProgressTogether(_ backend: StorageBackend) async throws {
        let fixture = try await StorageFixture.make(backend)
        // Two gateways' handles on the same watches.
        let (first, second) = (try await fixture.watches(), try await fixture.watches())
        let watch = Self.watch(2, checkedSequence: 1)
        try await first.create([watch], keys: [[7]], shapes: [], catchUpDay: 20_400)
        let now = Date()
        let progress = try #require(try await first.claimScreening(owner: "gw-1", now: now, until: now + 30))
        #expect(progress == ScreeningProgress(sequence: 0, shapes: []))
        #expect(try await second.claimScreening(owner: "gw-2", now: now, until: now + 30) == nil)

        let event = WatchEvent(id: "evt_1", watchID: watch.id, clientID: watch.clientID, type: "watch.decision-changed",
                               payload: Data("{}".utf8), createdAt: now)
        let recheck = WatchRecheck(watchID: watch.id, decision: "INELIGIBLE", checkID: "chk_new", changed: true, checkedSequence: 3, recheckOn: 20_600)
        await #expect(throws: ScreeningLeaseLost.self) {
            try await second.commitScreening([recheck], events: [event], progress: .init(sequence: 3, shapes: [9]), owner: "gw-2", until: now + 30)
        }
        #expect(try await second.events(clientID: nil, after: 0, limit: 10).isEmpty)
        try await first.commitScreening([recheck], events: [event], progress: .init(sequence: 3, shapes: [9], rekeyAfter: ""), owner: "gw-1",
                                        until: now + 30)
        let updated = try #require(try await second.watch(watch.id))
        #expect(updated.decision == "INELIGIBLE" && updated.checkID == "chk_new" && updated.checkedSequence == 3 && updated.recheckOn == 20_600)
        // Re-checked again, unchanged: only the version checked and the day next due move.
        let unchanged = WatchRecheck(watchID: watch.id, decision: "INELIGIBLE", checkID: "chk_new", changed: false, checkedSequence: 4, recheckOn: nil)
        try await first.commitScreening([unchanged], events: [], progress: .init(sequence: 3, shapes: [9], rekeyAfter: ""), owner: "gw-1",
                                        until: now + 30)
        let confirmed = try #require(try await second.watch(watch.id))
        #expect(confirmed.decision == "INELIGIBLE" && confirmed.checkID == "chk_new" && confirmed.checkedSequence == 4 && confirmed.recheckOn == nil)
        #expect(try await second.due(on: 30_000, after: nil, limit: 10).isEmpty)
        let pulled = try await second.events(clientID: "hr-a", after: 0, limit: 10)
        #expect(pulled.map(\.id) == ["evt_1"] && pulled[0].cursor > 0)
        #expect(try await second.events(clientID: "hr-b", after: 0, limit: 10).isEmpty)
        #expect(try await second.shapes() == [9])

        // Watches keyed under old shapes are refused; a watch checked before the import screened is due at once.
        await #expect(throws: WatchShapesChanged.self) {
            try await second.create([Self.watch(4)], keys: [[1]], shapes: [], catchUpDay: 20_400)
        }
        try await second.create([Self.watch(4, checkedSequence: 2)], keys: [[1]], shapes: [9], catchUpDay: 20_400)
        #expect(try await second.due(on: 20_400, after: nil, limit: 10).map(\.id) == [Self.watch(4).id])

        // Released (or expired), the lease passes, with the progress reached.
        try await first.releaseScreening(owner: "gw-1")
        #expect(try await second.claimScreening(owner: "gw-2", now: now, until: now + 30) == ScreeningProgress(sequence: 3, shapes: [9], rekeyAfter: ""))
        #expect(try await first.claimScreening(owner: "gw-1", now: now + 31, until: now + 60) != nil)
    }

    @Test(arguments: StorageBackend.allCases)
    func deliveriesAreQueuedWithTheirEventsLeasedOnceAndInOrderPerWatch(_ backend: StorageBackend) async throws {
        let fixture = try await StorageFixture.make(backend)
        let (first, second) = (try await fixture.watches(), try await fixture.watches())
        let (hooks, otherHooks) = (first as! any WebhookStore, second as! any WebhookStore)
        let endpoint = WebhookEndpoint(id: "whe_1", clientID: "hr-a", url: "https://hooks.example/x", caBundle: "", secret: "whsec_c2VjcmV0",
                                       createdAt: Date(timeIntervalSince1970: 1_000))
        try await hooks.addEndpoint(endpoint)
        #expect(try await otherHooks.endpoints(clientID: "hr-a") == [endpoint])
        var watches = [Self.watch(2), Self.watch(4)]
        watches = watches.map { var watch = $0; watch.endpointID = "whe_1"; return watch }
        try await first.create(watches, keys: [[1], [2]], shapes: [], catchUpDay: 20_400)
        let now = Date()
        _ = try #require(try await first.claimScreening(owner: "gw-1", now: now, until: now + 30))
        // Two events of the first watch, one of the second, one with no endpoint.
        let events = [("evt_1", watches[0]), ("evt_2", watches[0]), ("evt_3", watches[1])].map { id, watch in
            WatchEvent(id: id, watchID: watch.id, clientID: "hr-a", endpointID: "whe_1", type: "watch.decision-changed", payload: Data(id.utf8),
                       createdAt: now)
        } + [WatchEvent(id: "evt_4", watchID: watches[1].id, clientID: "hr-a", type: "watch.decision-changed", payload: Data(), createdAt: now)]
        try await first.commitScreening([], events: events, progress: .init(sequence: 1, shapes: []), owner: "gw-1", until: now + 30)
        #expect(try await hooks.deliveries(eventID: "evt_4").isEmpty)

        // The first of each watch, leased to one gateway; the other finds nothing.
        let claimed = try await hooks.claimDeliveries(owner: "gw-1", now: now, until: now + 60, limit: 10)
        #expect(claimed.map(\.eventID).sorted() == ["evt_1", "evt_3"] && claimed.allSatisfy { $0.attempts == 0 && $0.status == .pending })
        #expect(try await otherHooks.claimDeliveries(owner: "gw-2", now: now, until: now + 60, limit: 10).isEmpty)
        let first1 = try #require(claimed.first { $0.eventID == "evt_1" }), first3 = try #require(claimed.first { $0.eventID == "evt_3" })
        try await hooks.recordAttempts([(first1, .delivered(status: 200, at: now)), (first3, .retry(status: 500, at: now + 5, error: nil))], owner: "gw-1")
        // The watch's next event comes only after its first was delivered; a retry waits for its time.
        #expect(try await otherHooks.claimDeliveries(owner: "gw-2", now: now, until: now + 60, limit: 10).map(\.eventID) == ["evt_2"])
        #expect(try await hooks.deliveries(eventID: "evt_1").map(\.status) == [.delivered])
        let retried = try await hooks.deliveries(eventID: "evt_3")
        #expect(retried.map(\.attempts) == [1] && retried.map(\.lastStatus) == [500])
        // An expired lease passes; a disabled endpoint stops its pending deliveries.
        #expect(try await hooks.claimDeliveries(owner: "gw-1", now: now + 61, until: now + 120, limit: 10).map(\.eventID).sorted() == ["evt_2", "evt_3"])
        let disabled = try #require(try await otherHooks.disable("whe_1", at: now, reason: "410"))
        #expect(disabled.status == .disabled && disabled.disabledReason == "410")
        #expect(try await hooks.deliveries(eventID: "evt_2").map(\.status) == [.disabled])
        #expect(try await otherHooks.disable("whe_1", at: now, reason: "again") == nil)
        #expect(try await hooks.rotateSecret("whe_1", to: "whsec_bmV3", previousUntil: now) == nil)
    }
}
