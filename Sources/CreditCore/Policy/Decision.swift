/// The three answers, ordered by severity.
public enum Outcome: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// 未发现限制: nothing the policy names was found.
    case clear = "CLEAR"
    /// 需人工复核: a person must look at the evidence.
    case review = "REVIEW"
    /// 不得录用: a recommendation only; a human confirms it (PIPL art. 24).
    case ineligible = "INELIGIBLE"

    private var rank: Int { Outcome.allCases.firstIndex(of: self) ?? 0 }
    public static func < (lhs: Outcome, rhs: Outcome) -> Bool { lhs.rank < rhs.rank }
}

public struct PolicyReference: Sendable, Hashable, Codable {
    public var name: String
    public var version: String

    public init(name: String, version: String) {
        self.name = name
        self.version = version
    }
}

/// Why one hit counted: the rule, its legal basis, and what was found.
public struct Reason: Sendable, Hashable, Codable {
    public var ruleID: String
    public var outcome: Outcome
    public var title: String
    public var basis: String
    public var evidence: Evidence
}

public struct Decision: Sendable, Hashable, Codable {
    public var outcome: Outcome
    public var reasons: [Reason]
    public var policy: PolicyReference
    public var asOf: CalendarDay
}

/// What was found, in terms a reviewer can check against the source. Never holds a full ID.
public struct Evidence: Sendable, Hashable, Codable {
    public var source: HitSource
    /// `D<event>` for a defaulter listing (the archive event that set its fields), `R<event>` for a record.
    public var entryID: String
    public var status: HitStatus
    public var matchKind: MatchKind?
    /// The ID as the source shows it: masked.
    public var publishedID: String?
    public var caseNumber: String?
    public var court: String?
    public var situation: String?
    public var listedOn: CalendarDay?
    public var deletedOn: CalendarDay?
    public var recordID: String?
    public var category: String?
    public var kind: RecordKind?
    public var sanction: SanctionLevel?
    public var severity: Severity?
    public var issuer: String?
    public var decidedOn: CalendarDay?
    public var effectiveUntil: CalendarDay?
    public var repairedOn: CalendarDay?

    init(defaulter state: DefaulterHistory.State, match: MatchKind, status: HitStatus) {
        source = .defaulter
        entryID = "D\(state.evidenceEventID)"
        self.status = status
        matchKind = match
        publishedID = state.entry.publishedID?.display
        caseNumber = state.entry.caseNumber.normalised
        court = state.entry.court
        situation = state.entry.situation
        listedOn = state.listedOn
        deletedOn = state.deletedOn
    }

    init(record state: RecordHistory.State, status: HitStatus, effectEnd: CalendarDay?) {
        source = .record
        entryID = "R\(state.evidenceEventID)"
        self.status = status
        publishedID = state.record.residentID.masked
        recordID = state.record.recordID
        category = state.record.category
        kind = state.record.kind
        sanction = state.record.sanction
        severity = state.record.severity
        issuer = state.record.issuer
        decidedOn = state.record.decidedOn
        effectiveUntil = effectEnd
        repairedOn = state.repairedOn
    }
}
