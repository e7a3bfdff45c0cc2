import CreditCore

/// Small builders for histories and hits.
enum Fixtures {
    static func day(_ text: String) -> CalendarDay {
        do { return try CalendarDay(parsing: text) } catch { fatalError("bad fixture date \(text)") }
    }

    /// The day the fixtures' numbers are parsed on.
    static let today = day("2026-11-25")

    static let id = try! ResidentID("11010519491231002X", today: today)

    static func entry(case caseText: String = "(2019)湘0102执1234号", card: String = "11010519491231002X", name: String = "张三") -> DefaulterEntry {
        DefaulterEntry(name: name, publishedID: try! PublishedID(card, today: today), caseNumber: try! CaseNumber(caseText), court: "长沙市芙蓉区人民法院", publishedOn: day("2019-05-01"))
    }

    static func event(_ id: Int64, _ op: DefaulterOperation, _ date: String, entry: DefaulterEntry = entry(), sequence: Int64 = 1) -> DefaulterEvent {
        DefaulterEvent(eventID: id, importSequence: sequence, operation: op, effectiveOn: day(date), entry: entry)
    }

    static func record(
        kind: RecordKind, severity: Severity, sanction: SanctionLevel? = nil, decided: String = "2025-01-10",
        until: String? = nil, permanent: Bool = false
    ) -> DishonestyRecord {
        DishonestyRecord(
            recordID: "R1", name: "张三", residentID: id, category: "integrity", kind: kind, sanction: sanction,
            severity: severity, decidedOn: day(decided), effectiveUntil: until.map(day), permanent: permanent)
    }

    static func recordHit(_ record: DishonestyRecord, repaired: String? = nil) -> Hit {
        .record(RecordHistory.State(record: record, recordedOn: record.decidedOn, repairedOn: repaired.map(day), evidenceEventID: 9))
    }

    static func defaulterHit(_ match: MatchKind, deleted: String? = nil) -> Hit {
        .defaulter(match: match, state: DefaulterHistory.State(
            status: deleted == nil ? .active : .deleted, entry: entry(), listedOn: day("2019-05-01"),
            deletedOn: deleted.map(day), evidenceEventID: 7))
    }
}
