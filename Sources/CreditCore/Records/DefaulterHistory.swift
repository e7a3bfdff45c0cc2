/// The whole history of one listing, and its state at any past day.
///
/// The list publishes no end dates: "listed and not deleted at T" is the only truth, so the state is
/// always folded from dated events, using only those effective on or before the day asked about.
public struct DefaulterHistory: Sendable, Hashable {
    public let events: [DefaulterEvent]

    /// Events of one listing, in any order.
    public init(events: [DefaulterEvent]) {
        self.events = events.sorted { ($0.effectiveOn, $0.eventID) < ($1.effectiveOn, $1.eventID) }
    }

    public enum Status: String, Sendable, Hashable, Codable {
        case active
        case deleted
    }

    /// The listing as it stood on a day; `nil` when not listed then (never, not yet, or revoked).
    public struct State: Sendable, Hashable {
        public var status: Status
        /// The fields in force (the last addition or correction).
        public var entry: DefaulterEntry
        public var listedOn: CalendarDay
        public var deletedOn: CalendarDay?
        /// The event that set the fields in force, cited as evidence.
        public var evidenceEventID: Int64

        public init(status: Status, entry: DefaulterEntry, listedOn: CalendarDay, deletedOn: CalendarDay?, evidenceEventID: Int64) {
            self.status = status
            self.entry = entry
            self.listedOn = listedOn
            self.deletedOn = deletedOn
            self.evidenceEventID = evidenceEventID
        }
    }

    public func state(asOf day: CalendarDay, knownAt archiveSequence: Int64? = nil) -> State? {
        var state: State?
        for event in events where event.effectiveOn <= day {
            if let archiveSequence, event.importSequence > archiveSequence { continue }
            switch event.operation {
            case .add:
                if var current = state, current.status == .active {
                    current.entry = event.entry
                    current.evidenceEventID = event.eventID
                    state = current
                } else {
                    state = State(status: .active, entry: event.entry, listedOn: event.effectiveOn, deletedOn: nil, evidenceEventID: event.eventID)
                }
            case .correct:
                if var current = state {
                    current.entry = event.entry
                    current.evidenceEventID = event.eventID
                    state = current
                } else {
                    state = State(status: .active, entry: event.entry, listedOn: event.effectiveOn, deletedOn: nil, evidenceEventID: event.eventID)
                }
            case .delete:
                if var current = state, current.status == .active {
                    current.status = .deleted
                    current.deletedOn = event.effectiveOn
                    state = current
                }
            case .revoke:
                state = nil
            }
        }
        return state
    }
}
