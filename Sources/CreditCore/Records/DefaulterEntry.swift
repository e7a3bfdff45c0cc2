/// One listing on the courts' judgment-defaulter list (失信被执行人名单), as published.
///
/// Field names follow the public query site (`iname`, `cardNum`, `caseCode`, ...). An entry is
/// identified by its normalised case number and the normalised name: one case can list several
/// people, and one person can be listed under several cases.
public struct DefaulterEntry: Hashable, Sendable {
    public var name: String
    public var normalisedName: NormalisedName
    public var publishedID: PublishedID?
    public var sex: String?
    public var age: Int?
    public var area: String?
    public var caseNumber: CaseNumber
    public var court: String?
    public var basisDocument: String?
    public var basisUnit: String?
    public var duty: String?
    public var performance: String?
    public var performedPart: String?
    public var unperformedPart: String?
    public var situation: String?
    public var filedOn: CalendarDay?
    public var publishedOn: CalendarDay?

    public init(
        name: String, publishedID: PublishedID?, caseNumber: CaseNumber,
        sex: String? = nil, age: Int? = nil, area: String? = nil, court: String? = nil,
        basisDocument: String? = nil, basisUnit: String? = nil, duty: String? = nil,
        performance: String? = nil, performedPart: String? = nil, unperformedPart: String? = nil,
        situation: String? = nil, filedOn: CalendarDay? = nil, publishedOn: CalendarDay? = nil
    ) {
        self.name = name
        self.normalisedName = NormalisedName(name)
        self.publishedID = publishedID
        self.caseNumber = caseNumber
        self.sex = sex
        self.age = age
        self.area = area
        self.court = court
        self.basisDocument = basisDocument
        self.basisUnit = basisUnit
        self.duty = duty
        self.performance = performance
        self.performedPart = performedPart
        self.unperformedPart = unperformedPart
        self.situation = situation
        self.filedOn = filedOn
        self.publishedOn = publishedOn
    }

    /// The stable identity of the listing: normalised case number and name.
    public var entryKey: Int64 { DefaulterEntry.entryKey(caseNumber: caseNumber, name: normalisedName) }

    public static func entryKey(caseNumber: CaseNumber, name: NormalisedName) -> Int64 {
        var hash = FNV1a64()
        caseNumber.hashNormalised(into: &hash)
        hash.combine(0)
        hash.combine(name.value.utf8)
        return Int64(bitPattern: hash.value)
    }
}

/// What a feed line does to a listing.
public enum DefaulterOperation: String, Sendable, Hashable, Codable, CaseIterable {
    /// Listed (effective from the publication date).
    case add
    /// Deleted (删除/屏蔽) after performance, settlement, etc.: no longer used, but history stays.
    case delete
    /// Revoked (撤销) as wrongly listed: counts as never listed.
    case revoke
    /// Corrected (更正): the listing's published fields are replaced.
    case correct
}

/// One dated change to a listing, as stored in the archive.
public struct DefaulterEvent: Hashable, Sendable {
    /// The archive's id for this event: the evidence reference in answers.
    public var eventID: Int64
    /// The archive version (import sequence number) that brought it.
    public var importSequence: Int64
    public var operation: DefaulterOperation
    public var effectiveOn: CalendarDay
    public var entry: DefaulterEntry

    public init(eventID: Int64, importSequence: Int64, operation: DefaulterOperation, effectiveOn: CalendarDay, entry: DefaulterEntry) {
        self.eventID = eventID
        self.importSequence = importSequence
        self.operation = operation
        self.effectiveOn = effectiveOn
        self.entry = entry
    }
}
