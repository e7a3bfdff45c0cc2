/// How a defaulter listing was found for a candidate.
public enum MatchKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// The listing carries the candidate's full ID number.
    case exact
    /// The listing's masked ID agrees with every visible character of the candidate's ID, and the
    /// normalised names are equal.
    case probable
}

/// Where a hit comes from.
public enum HitSource: String, Sendable, Hashable, Codable, CaseIterable {
    case defaulter
    case record
}

/// A hit's standing on the as-of day, as a policy condition names it.
public enum HitStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// Listed and not deleted; or a record within its effect period and not repaired.
    case active
    /// A defaulter listing deleted (删除/屏蔽) on or before the day.
    case deleted
    /// A record whose effect or publication period ended.
    case expired
    /// A record repaired (信用修复) on or before the day.
    case repaired
}

/// Something the archive found for a candidate, as of a day. Revoked and not-yet-effective items are
/// never hits.
public enum Hit: Sendable, Hashable {
    case defaulter(match: MatchKind, state: DefaulterHistory.State)
    case record(RecordHistory.State)
}
