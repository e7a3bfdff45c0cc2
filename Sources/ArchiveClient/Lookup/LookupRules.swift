import CreditCore

/// How a lookup finds and judges one candidate, whatever stores the archive: which index keys to
/// probe, how the events stored under a key become a listing's or a record's history, and which
/// of those are hits as of the day asked. Every backend fetches rows its own way and leaves the
/// deciding to these.
package enum LookupRules {
    /// The probable keys of a candidate: one per mask shape present in the archive.
    package static func probableKeys(_ candidate: Candidate, shapes: [UInt32]) -> [Int64] {
        shapes.map { MatchKey.probable(name: candidate.name, candidate: candidate.id, shape: $0) }
    }

    /// A listing's history from the events stored under one entry key, in event order. The entry
    /// key is a 64-bit hash: only the events of the listing the first event names are kept.
    package static func listingHistory(_ events: [DefaulterEvent]) -> DefaulterHistory {
        guard let first = events.first else { return DefaulterHistory(events: []) }
        let caseNumber = first.entry.caseNumber
        let name = first.entry.normalisedName
        return DefaulterHistory(events: events.filter { $0.entry.caseNumber == caseNumber && $0.entry.normalisedName == name })
    }

    /// A record's history from the events stored under one record key (a hash of the record id),
    /// in event order: only the events of the record the first event names are kept.
    package static func recordHistory(_ events: [(recordID: String, event: RecordEvent)]) -> RecordHistory {
        guard let first = events.first?.recordID else { return RecordHistory(events: []) }
        return RecordHistory(events: events.filter { $0.recordID == first }.map(\.event))
    }

    /// The listings among `listings` that are hits for the candidate as of `asOf`: the fields in
    /// force decide, since a correction may have moved a listing to another ID.
    package static func defaulterHits(_ candidate: Candidate, listings: [DefaulterHistory], asOf: AsOf) -> [Hit] {
        listings.compactMap { history in
            guard let state = history.state(asOf: asOf.day, knownAt: asOf.archiveSequence ?? Int64.max) else { return nil }
            switch state.entry.publishedID {
            case .full(let id) where id == candidate.id:
                return .defaulter(match: .exact, state: state)
            case .masked(let mask) where mask.matches(candidate.id) && state.entry.normalisedName == candidate.name:
                return .defaulter(match: .probable, state: state)
            default:
                return nil
            }
        }
    }

    /// The records among `records` in force for the candidate as of `asOf`.
    package static func recordHits(_ candidate: Candidate, records: [RecordHistory], asOf: AsOf) -> [Hit] {
        records.compactMap { history in
            guard let state = history.state(asOf: asOf.day, knownAt: asOf.archiveSequence ?? Int64.max),
                  state.record.residentID == candidate.id else { return nil }
            return .record(state)
        }
    }

    /// The listings of a person's file: every listing that ever named the candidate, exactly (the
    /// full ID) or probably (a masked ID consistent with it under the same name), with how.
    package static func fileListings(_ candidate: Candidate, listings: [DefaulterHistory]) -> [(match: MatchKind, history: DefaulterHistory)] {
        listings.compactMap { history in
            var match: MatchKind?
            for event in history.events {
                switch event.entry.publishedID {
                case .full(let id) where id == candidate.id: match = .exact
                case .masked(let mask) where mask.matches(candidate.id) && event.entry.normalisedName == candidate.name: match = match ?? .probable
                default: continue
                }
            }
            return match.map { ($0, history) }
        }
    }

    /// The records of a person's file: every record that ever carried the candidate's ID.
    package static func fileRecords(_ candidate: Candidate, records: [RecordHistory]) -> [RecordHistory] {
        records.filter { $0.events.contains { $0.record?.residentID == candidate.id } }
    }
}
