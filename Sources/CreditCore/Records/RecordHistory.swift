/// The history of one dishonesty record, and its standing on any past day.
public struct RecordHistory: Sendable, Hashable {
    public let events: [RecordEvent]

    public init(events: [RecordEvent]) {
        self.events = events.sorted { ($0.effectiveOn, $0.eventID) < ($1.effectiveOn, $1.eventID) }
    }

    /// The record as it stood on a day, before any policy judges it; `nil` when not recorded then
    /// (not yet, or revoked).
    public struct State: Sendable, Hashable {
        public var record: DishonestyRecord
        public var recordedOn: CalendarDay
        public var repairedOn: CalendarDay?
        public var evidenceEventID: Int64

        public init(record: DishonestyRecord, recordedOn: CalendarDay, repairedOn: CalendarDay?, evidenceEventID: Int64) {
            self.record = record
            self.recordedOn = recordedOn
            self.repairedOn = repairedOn
            self.evidenceEventID = evidenceEventID
        }
    }

    public func state(asOf day: CalendarDay, knownAt archiveSequence: Int64? = nil) -> State? {
        var state: State?
        for event in events where event.effectiveOn <= day {
            if let archiveSequence, event.importSequence > archiveSequence { continue }
            switch event.operation {
            case .add, .correct:
                guard let record = event.record else { continue }
                if var current = state {
                    current.record = record
                    current.evidenceEventID = event.eventID
                    state = current
                } else {
                    state = State(record: record, recordedOn: event.effectiveOn, repairedOn: nil, evidenceEventID: event.eventID)
                }
            case .repair:
                if state != nil, state?.repairedOn == nil { state?.repairedOn = event.effectiveOn }
            case .revoke:
                state = nil
            }
        }
        return state
    }

    /// The record as it stands after every event known, whatever its day: `nil` once revoked.
    public var latest: State? {
        events.last.flatMap { state(asOf: $0.effectiveOn) }
    }
}
