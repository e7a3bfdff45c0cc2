import CreditCore

/// The one index key of a listing event: its full ID's integer form (positive), or the probable
/// key of its masked ID with the sign bit set (negative), so the two kinds never meet in the index.
package enum MatchKey {
    package static func exact(_ id: ResidentID) -> Int64 { id.integerKey }

    package static func probable(name: NormalisedName, mask: MaskedID) -> Int64 {
        ProbableMatchKey.make(name: name, mask: mask) | Int64.min
    }

    package static func probable(name: NormalisedName, candidate: ResidentID, shape: UInt32) -> Int64 {
        ProbableMatchKey.make(name: name, candidate: candidate, shape: shape) | Int64.min
    }
}
