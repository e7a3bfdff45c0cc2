extension Policy {
    /// The first day after `day` on which what this policy sees in these histories can change with
    /// time alone, with no import: an event dated in the future taking effect (a listing published
    /// ahead, a deletion, a repair), or a record's effect or publication period ending. `nil` when
    /// nothing in them will ever change by itself.
    ///
    /// A watch is re-checked on that day (the daily sweep) and otherwise only when an import
    /// touches the person; most people have no history at all, and never come due.
    public func nextChange(listings: [DefaulterHistory], records: [RecordHistory], after day: CalendarDay) -> CalendarDay? {
        var days = listings.flatMap { $0.events.map(\.effectiveOn) } + records.flatMap { $0.events.map(\.effectiveOn) }
        for event in records.flatMap(\.events) {
            // The day after the last day in effect is the first day the record is seen as expired.
            if let record = event.record, let end = effectEnd(of: record) { days.append(end.adding(days: 1)) }
        }
        return days.filter { $0 > day }.min()
    }
}
