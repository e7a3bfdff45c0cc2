/// One entry of a government dishonesty record or personal integrity archive (政务失信记录, 诚信档案).
///
/// What a record can be follows State Council guideline 国发〔2016〕76号 and the seeds: judicial
/// judgments, administrative penalties, disciplinary sanctions, accountability measures, broken
/// commitments; plus the two kinds recruitment rules name on their own (criminal punishment and
/// exam-cheating bans). The category comes from a configurable ``Taxonomy``.
public struct DishonestyRecord: Hashable, Sendable {
    /// The keeper's own identifier of the record; stable across corrections.
    public var recordID: String
    public var name: String
    public var normalisedName: NormalisedName
    public var residentID: ResidentID
    public var category: String
    public var kind: RecordKind
    public var sanction: SanctionLevel?
    public var severity: Severity
    public var decidedOn: CalendarDay
    /// An explicit end of the effect or publication period, when the decision states one.
    public var effectiveUntil: CalendarDay?
    /// True when the record never ends (a lifetime exam ban, say).
    public var permanent: Bool
    public var issuer: String?
    public var documentNumber: String?
    public var summary: String?

    public init(
        recordID: String, name: String, residentID: ResidentID, category: String, kind: RecordKind,
        sanction: SanctionLevel? = nil, severity: Severity, decidedOn: CalendarDay,
        effectiveUntil: CalendarDay? = nil, permanent: Bool = false,
        issuer: String? = nil, documentNumber: String? = nil, summary: String? = nil
    ) {
        self.recordID = recordID
        self.name = name
        self.normalisedName = NormalisedName(name)
        self.residentID = residentID
        self.category = category
        self.kind = kind
        self.sanction = sanction
        self.severity = severity
        self.decidedOn = decidedOn
        self.effectiveUntil = effectiveUntil
        self.permanent = permanent
        self.issuer = issuer
        self.documentNumber = documentNumber
        self.summary = summary
    }

    /// Groups a record's events; computed from the record id alone, since repairs carry nothing else.
    public static func recordKey(for recordID: String) -> Int64 {
        var hash = FNV1a64()
        hash.combine(recordID.utf8)
        return Int64(bitPattern: hash.value)
    }
}

public enum RecordKind: String, Sendable, Hashable, Codable, CaseIterable {
    case judicialJudgment = "judicial-judgment"
    case criminalPunishment = "criminal-punishment"
    case administrativePenalty = "administrative-penalty"
    case disciplinarySanction = "disciplinary-sanction"
    case accountability
    case brokenCommitment = "broken-commitment"
    case examCheatingBan = "exam-cheating-ban"
}

/// Government or Party sanctions, mildest first (公职人员政务处分法 art. 7; Party discipline maps onto
/// the same ladder: 严重警告 to ``demerit``, 撤销党内职务 to ``removal``, 开除党籍 to ``expulsion``).
public enum SanctionLevel: String, Sendable, Hashable, Codable, CaseIterable {
    case warning
    case demerit
    case majorDemerit = "major-demerit"
    case demotion
    case removal
    case probation
    case expulsion
}

public enum Severity: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case minor
    case general
    case serious

    /// The Chinese term as the archives write it (轻微 / 一般 / 严重).
    public var chinese: String {
        switch self {
        case .minor: "轻微"
        case .general: "一般"
        case .serious: "严重"
        }
    }

    public init?(feedValue: String) {
        switch feedValue.lowercased() {
        case "minor", "轻微": self = .minor
        case "general", "一般": self = .general
        case "serious", "严重": self = .serious
        default: return nil
        }
    }

    private var rank: Int { Severity.allCases.firstIndex(of: self) ?? 0 }
    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

public enum RecordOperation: String, Sendable, Hashable, Codable, CaseIterable {
    case add
    /// Credit repair (信用修复): the record stops being published and used from this day.
    case repair
    /// Withdrawn as wrong: counts as never recorded.
    case revoke
    case correct
}

public struct RecordEvent: Hashable, Sendable {
    public var eventID: Int64
    public var importSequence: Int64
    public var operation: RecordOperation
    public var effectiveOn: CalendarDay
    /// The record's fields; `nil` for a repair or revocation, which name the record only by its id.
    public var record: DishonestyRecord?

    public init(eventID: Int64, importSequence: Int64, operation: RecordOperation, effectiveOn: CalendarDay, record: DishonestyRecord?) {
        self.eventID = eventID
        self.importSequence = importSequence
        self.operation = operation
        self.effectiveOn = effectiveOn
        self.record = record
    }
}
