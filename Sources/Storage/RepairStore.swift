import Foundation

/// Credit-repair requests (信用修复) and their decisions.
///
/// Append-only like the rest of the service: a request's first state (pending) and its decision
/// (approved or rejected) are two rows, never an update; a request reads as its latest state. All
/// of one record's changes are serialised across every writer, so a record never has two pending
/// requests and a request is never decided twice.
///
/// ```swift
/// let pending = try await repairs.change(recordID: "REC-1") { earlier in try newRequest(checking: earlier) }
/// ```
public protocol RepairStore: Sendable {
    /// Stores the next state of one of the record's requests (a new request, or a later revision
    /// of one), under the record's lock. `next` is given the record's requests at their latest
    /// states, oldest first; when it throws, nothing is stored.
    func change(recordID: String, _ next: @escaping @Sendable ([RepairRequest]) async throws -> RepairRequest) async throws -> RepairRequest

    /// A request at its latest state, or `nil` when there is none with that id.
    func request(_ repairID: String) async throws -> RepairRequest?

    /// Every request on these records at its latest state, oldest first.
    func requests(recordIDs: [String]) async throws -> [RepairRequest]
}

/// One credit-repair request at one of its states.
public struct RepairRequest: Codable, Sendable, Hashable {
    public enum Status: String, Codable, Sendable, Hashable, CaseIterable {
        case pending, approved, rejected
    }

    public var repairID: String
    public var recordID: String
    /// 1 when made, 2 once decided.
    public var revision: Int
    public var status: Status
    /// ``CreditCore/CreditRepair/Ground`` values.
    public var grounds: [String]
    /// References of the evidence documents (document numbers, file references); never the documents.
    public var evidence: [String]
    public var requestedBy: String
    public var requestedOperator: String?
    public var requestedAt: Date
    /// The first day the record may be repaired, as computed when the request was made.
    public var earliestOn: String
    public var decidedBy: String?
    public var decidedOperator: String?
    public var decidedAt: Date?
    public var note: String?
    /// The day an approved repair takes effect.
    public var effectiveOn: String?
    /// The archive version whose import holds the repair event.
    public var archiveSequence: Int64?

    public init(
        repairID: String, recordID: String, grounds: [String], evidence: [String], requestedBy: String, requestedOperator: String?,
        requestedAt: Date, earliestOn: String
    ) {
        self.repairID = repairID
        self.recordID = recordID
        self.revision = 1
        self.status = .pending
        self.grounds = grounds
        self.evidence = evidence
        self.requestedBy = requestedBy
        self.requestedOperator = requestedOperator
        self.requestedAt = requestedAt
        self.earliestOn = earliestOn
    }

    /// The stored form: sorted-key JSON with dates in seconds since 1970.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .secondsSince1970
        return try encoder.encode(self)
    }

    public static func decode(_ data: Data) throws -> RepairRequest {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return try decoder.decode(RepairRequest.self, from: data)
    }

    /// The latest state of each request among stored states, oldest request first.
    package static func latest(_ states: [RepairRequest]) -> [RepairRequest] {
        var byID: [String: RepairRequest] = [:]
        for state in states where state.revision > byID[state.repairID]?.revision ?? 0 { byID[state.repairID] = state }
        return byID.values.sorted { ($0.requestedAt, $0.repairID) < ($1.requestedAt, $1.repairID) }
    }
}
