import CreditCore

/// The people one import may concern, as the archive's index keys, so that a watch is re-checked
/// only when an import could change its answer (never a scan of every watch).
///
/// An import touches a listing when it adds, corrects, deletes or revokes it, and a record when it
/// adds, corrects, repairs or revokes it. A deletion or a revocation carries no ID of its own, so
/// the keys are those of the listing's or record's whole history: a listing corrected from one
/// person to another concerns both.
public struct ImportTouch: Sendable, Hashable {
    public var sequence: Int64
    /// Every match key ever stored under a listing the import touched (exact: a full ID, a legacy
    /// 15-digit one converted; probable: a masked ID with a name, under its mask shape), and every ID
    /// key of a record it touched (a record's ID key is its person's exact key).
    public var keys: [Int64]
    /// The mask shapes the archive holds once the import committed: a shape new to the watcher
    /// means every watched person needs a probable key under it.
    public var shapes: [UInt32]

    package init(sequence: Int64, keys: [Int64], shapes: [UInt32]) {
        self.sequence = sequence
        self.keys = keys
        self.shapes = shapes
    }

    /// The keys under which the archive files anything about `candidate`: the exact key, and one
    /// probable key per mask shape. A watch is indexed by these; an import's ``keys`` meet them.
    public static func keys(of candidate: Candidate, shapes: [UInt32]) -> [Int64] {
        [MatchKey.exact(candidate.id)] + LookupRules.probableKeys(candidate, shapes: shapes)
    }
}

/// Asked what an import touched, the archive has no import with that sequence number.
public struct UnknownImport: Error, Sendable, CustomStringConvertible {
    public var sequence: Int64
    package init(sequence: Int64) { self.sequence = sequence }
    public var description: String { "the archive has no import \(sequence)" }
}
