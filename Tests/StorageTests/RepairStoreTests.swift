import Foundation
import Storage
import Testing

/// Credit-repair requests, the same on every backend: a record's changes one at a time, a
/// request's states kept, the latest read.
@Suite("Repair store")
struct RepairStoreTests {
    struct AlreadyPending: Error {}
    struct AlreadyDecided: Error {}

    static func request(_ id: String, record: String, at seconds: Double) -> RepairRequest {
        RepairRequest(repairID: id, recordID: record, grounds: ["public-commitment"], evidence: ["承诺书"], requestedBy: "archivist-1",
                      requestedOperator: nil, requestedAt: Date(timeIntervalSince1970: seconds), earliestOn: "2027-01-01")
    }

    /// Opens a request unless one is pending: what the gateway's `requestRepair` does.
    static func open(_ store: any RepairStore, _ id: String, record: String) async throws -> RepairRequest {
        try await store.change(recordID: record) { earlier in
            guard !earlier.contains(where: { $0.status == .pending }) else { throw AlreadyPending() }
            return request(id, record: record, at: 1_000)
        }
    }

    /// Decides a pending request: what `approveRepair` and `rejectRepair` do.
    static func decide(_ store: any RepairStore, _ id: String, record: String, _ status: RepairRequest.Status) async throws -> RepairRequest {
        try await store.change(recordID: record) { earlier in
            guard var request = earlier.first(where: { $0.repairID == id }), request.status == .pending else { throw AlreadyDecided() }
            request.revision += 1
            request.status = status
            return request
        }
    }

    @Test(arguments: StorageBackend.allCases)
    func oneRequestIsPendingAndEachIsDecidedOnce(_ backend: StorageBackend) async throws {
        let fixture = try await StorageFixture.make(backend)
        // On PostgreSQL, two gateways; the embedded file belongs to one.
        let stores = backend == .postgres ? [try await fixture.repairs(), try await fixture.repairs()] : [try await fixture.repairs()]
        let opened = await withTaskGroup(of: Bool.self) { group in
            for n in 0..<20 {
                group.addTask { (try? await Self.open(stores[n % stores.count], "rep_\(n)", record: "R-1")) != nil }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(opened == 1)
        let pending = try #require(try await stores[0].requests(recordIDs: ["R-1"]).first)
        #expect(pending.status == .pending && pending.revision == 1)

        let decided = await withTaskGroup(of: RepairRequest.Status?.self) { group in
            for n in 0..<10 {
                group.addTask {
                    try? await Self.decide(stores[n % stores.count], pending.repairID, record: "R-1", n % 2 == 0 ? .approved : .rejected).status
                }
            }
            return await group.compactMap { $0 }.reduce(into: []) { $0.append($1) }
        }
        #expect(decided.count == 1)
        let latest = try #require(try await stores[stores.count - 1].request(pending.repairID))
        #expect(latest.status == decided.first && latest.revision == 2 && latest.grounds == ["public-commitment"])
        // Once decided, a new request on the record may be made; other records are apart.
        _ = try await Self.open(stores[0], "rep_next", record: "R-1")
        _ = try await Self.open(stores[0], "rep_other", record: "R-2")
        #expect(try await stores[0].requests(recordIDs: ["R-1"]).map(\.repairID) == [pending.repairID, "rep_next"].sorted())
        #expect(try await stores[0].requests(recordIDs: ["R-1", "R-2"]).count == 3)
        #expect(try await stores[0].request("rep_missing") == nil)
    }
}
