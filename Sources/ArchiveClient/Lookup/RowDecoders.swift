import CreditCore

/// Rebuilds stored defaulter events from their columns and detail blob, for every backend. Rows were
/// validated on import; one that no longer decodes (a hand-edited row) is skipped rather than trusted.
package enum DefaulterRowDecoder {
    /// Slot of a field in blob order; looked up once here rather than per decoded field.
    private static func slot(_ field: DefaulterFeed.Field) -> Int {
        DefaulterFeed.detailFields.firstIndex { $0.0 == field } ?? DefaulterFeed.detailFields.count
    }
    private static let name = slot(.iname), card = slot(.cardNum), caseCode = slot(.caseCode), sex = slot(.sexy),
        age = slot(.age), area = slot(.areaName), court = slot(.courtName), gistID = slot(.gistId), gistUnit = slot(.gistUnit),
        duty = slot(.duty), performance = slot(.performance), performedPart = slot(.performedPart),
        unperformedPart = slot(.unperformPart), situation = slot(.disruptTypeName), filed = slot(.regDate), published = slot(.publishDate)

    /// `texts` are the interned texts by id (``TextCache``).
    package static func event(
        id: Int64, importSequence: Int64, operation opIndex: Int, effectiveDay effective: Int, matchKey: Int64?, detail blob: ArraySlice<UInt8>,
        texts: [String?]
    ) -> DefaulterEvent? {
        guard DefaulterOperation.allCases.indices.contains(opIndex) else { return nil }
        var reader = DetailCodec.Reader(blob)
        // One spare slot: a field missing from the layout reads as absent.
        var text = [String?](repeating: nil, count: DefaulterFeed.detailFields.count + 1)
        var integer = [Int?](repeating: nil, count: DefaulterFeed.detailFields.count + 1)
        var caseNumber: CaseNumber?
        var publishedID: PublishedID?
        for index in DefaulterFeed.detailFields.indices {
            switch reader.next() {
            case .absent: break
            case .text(let bytes):
                // The case number and card are parsed from their bytes; other texts become strings.
                if index == caseCode {
                    caseNumber = try? CaseNumber(utf8: bytes)
                } else if index == card {
                    publishedID = try? PublishedID(stored: bytes)
                } else {
                    text[index] = String(decoding: bytes, as: UTF8.self)
                }
            case .interned(let id):
                guard id > 0, id < texts.count, let value = texts[Int(id)] else { return nil }
                text[index] = value
            case .integer(let value): integer[index] = Int(value)
            case nil: return nil
            }
        }
        guard let entryName = text[name], let caseNumber else { return nil }
        if publishedID == nil, let key = matchKey, key >= 0, let id = ResidentID(integerKey: key) {
            publishedID = .full(id)
        }
        let entry = DefaulterEntry(
            name: entryName, publishedID: publishedID, caseNumber: caseNumber, sex: text[sex], age: integer[age],
            area: text[area], court: text[court], basisDocument: text[gistID], basisUnit: text[gistUnit],
            duty: text[duty], performance: text[performance], performedPart: text[performedPart],
            unperformedPart: text[unperformedPart], situation: text[situation],
            filedOn: integer[filed].map(CalendarDay.init(dayNumber:)), publishedOn: integer[published].map(CalendarDay.init(dayNumber:)))
        return DefaulterEvent(
            eventID: id, importSequence: importSequence, operation: DefaulterOperation.allCases[opIndex],
            effectiveOn: CalendarDay(dayNumber: effective), entry: entry)
    }
}

/// The stored columns of one dishonesty-record event, as every backend keeps them.
package struct RecordEventColumns: Sendable {
    package var id: Int64
    package var importSequence: Int64
    package var operation: Int
    package var effectiveDay: Int
    package var recordID: String
    package var idKey: Int64?
    package var name: String?
    package var category: String?
    package var kind: String?
    package var sanction: String?
    package var severity: String?
    package var decidedDay: Int?
    package var effectiveUntilDay: Int?
    package var permanent: Bool?
    package var issuer: String?
    package var documentNumber: String?
    package var summary: String?

    package init(
        id: Int64, importSequence: Int64, operation: Int, effectiveDay: Int, recordID: String, idKey: Int64?, name: String?,
        category: String?, kind: String?, sanction: String?, severity: String?, decidedDay: Int?, effectiveUntilDay: Int?,
        permanent: Bool?, issuer: String?, documentNumber: String?, summary: String?
    ) {
        (self.id, self.importSequence, self.operation, self.effectiveDay, self.recordID) = (id, importSequence, operation, effectiveDay, recordID)
        (self.idKey, self.name, self.category, self.kind, self.sanction, self.severity) = (idKey, name, category, kind, sanction, severity)
        (self.decidedDay, self.effectiveUntilDay, self.permanent) = (decidedDay, effectiveUntilDay, permanent)
        (self.issuer, self.documentNumber, self.summary) = (issuer, documentNumber, summary)
    }
}

/// Rebuilds stored dishonesty-record events, for every backend.
package enum RecordRowDecoder {
    package static func event(_ row: RecordEventColumns) -> RecordEvent? {
        guard RecordOperation.allCases.indices.contains(row.operation) else { return nil }
        var record: DishonestyRecord?
        if let key = row.idKey, let id = ResidentID(integerKey: key), let name = row.name, let category = row.category,
           let kind = row.kind.flatMap(RecordKind.init(rawValue:)), let severity = row.severity.flatMap(Severity.init(rawValue:)),
           let decided = row.decidedDay {
            record = DishonestyRecord(
                recordID: row.recordID, name: name, residentID: id, category: category, kind: kind,
                sanction: row.sanction.flatMap(SanctionLevel.init(rawValue:)), severity: severity,
                decidedOn: CalendarDay(dayNumber: decided), effectiveUntil: row.effectiveUntilDay.map(CalendarDay.init(dayNumber:)),
                permanent: row.permanent == true, issuer: row.issuer, documentNumber: row.documentNumber, summary: row.summary)
        }
        return RecordEvent(
            eventID: row.id, importSequence: row.importSequence, operation: RecordOperation.allCases[row.operation],
            effectiveOn: CalendarDay(dayNumber: row.effectiveDay), record: record)
    }
}
