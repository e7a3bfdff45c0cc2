import CreditCore
import Foundation

/// The dishonesty-record feed (NDJSON or CSV): one line per record or per event on a record.
///
/// | field | meaning |
/// |---|---|
/// | `recordId` | the keeper's stable id of the record (required) |
/// | `op` | `add` (default), `repair` (信用修复), `revoke`, `correct` |
/// | `opDate` | when a repair, revoke or correct takes effect (required for those) |
/// | `name`, `idNumber` | the person; full 18-digit (or 15-digit) ID (required to add or correct) |
/// | `category` | a category code or label of the taxonomy (六类: 廉洁信用, 守法信用 ...) |
/// | `kind` | `judicial-judgment`, `criminal-punishment`, `administrative-penalty`, `disciplinary-sanction`, `accountability`, `broken-commitment`, `exam-cheating-ban` (or 司法判决, 刑事处罚, 行政处罚, 纪律处分, 问责处理, 未守信践诺, 考试作弊) |
/// | `sanction` | for sanctions: `warning` `demerit` `major-demerit` `demotion` `removal` `probation` `expulsion` (or 警告, 记过, 记大过, 降级, 撤职, 留用察看, 开除 ...) |
/// | `severity` | `minor`/`general`/`serious` or 轻微/一般/严重 |
/// | `decidedOn` | decision date (required to add); the record takes effect that day |
/// | `effectiveUntil`, `permanent` | an explicit end of the period, or `true` for no end |
/// | `issuer`, `documentNumber`, `summary` | the deciding body, its document number, a short text |
package enum RecordFeed {
    package enum Field: Int, CaseIterable {
        case recordId, op, opDate, name, idNumber, category, kind, sanction, severity, decidedOn
        case effectiveUntil, permanent, issuer, documentNumber, summary
    }

    package static let schema = FieldSchema(
        fields: Field.allCases.map { "\($0)" },
        aliases: [
            "记录编号": "recordId", "操作": "op", "操作日期": "opDate", "姓名": "name", "身份证号": "idNumber",
            "身份证号码": "idNumber", "信用类别": "category", "记录类型": "kind", "处分种类": "sanction",
            "严重程度": "severity", "决定日期": "decidedOn", "有效期至": "effectiveUntil", "永久": "permanent",
            "决定机关": "issuer", "文号": "documentNumber", "摘要": "summary",
        ]
    )

    package static let kindNames: [String: RecordKind] = [
        "司法判决": .judicialJudgment, "刑事处罚": .criminalPunishment, "行政处罚": .administrativePenalty,
        "纪律处分": .disciplinarySanction, "政务处分": .disciplinarySanction, "问责处理": .accountability,
        "未守信践诺": .brokenCommitment, "考试作弊": .examCheatingBan, "考试作弊禁考": .examCheatingBan,
    ]

    package static let sanctionNames: [String: SanctionLevel] = [
        "警告": .warning, "记过": .demerit, "严重警告": .demerit, "记大过": .majorDemerit, "降级": .demotion,
        "撤职": .removal, "撤销党内职务": .removal, "留用察看": .probation, "留党察看": .probation,
        "开除": .expulsion, "开除公职": .expulsion, "开除党籍": .expulsion,
    ]

    package struct Line: Sendable {
        package var operation: RecordOperation
        package var effectiveOn: CalendarDay
        package var recordID: String
        package var record: DishonestyRecord?
    }

    package static func validate(_ row: FieldRow, today: CalendarDay, taxonomy: Taxonomy) -> Result<Line, ImportIssue> {
        func issue(_ field: Field?, _ code: String, _ reason: String) -> Result<Line, ImportIssue> {
            .failure(ImportIssue(line: row.line, field: field.map { "\($0)" }, code: code, reason: reason))
        }
        guard let recordID = row[Field.recordId.rawValue] else { return issue(.recordId, "feed.missing", "recordId is missing") }
        guard let operation = RecordOperation(rawValue: (row[Field.op.rawValue] ?? "add").lowercased()) else {
            return issue(.op, "feed.value", "op must be add, repair, revoke or correct")
        }
        var dates: [Field: CalendarDay] = [:]
        for field in [Field.opDate, .decidedOn, .effectiveUntil] {
            guard let text = row[field.rawValue] else { continue }
            guard let day = try? CalendarDay(parsing: text) else { return issue(field, "feed.value", "not a date (yyyy-mm-dd)") }
            dates[field] = day
        }
        if operation == .repair || operation == .revoke {
            guard let day = dates[.opDate] else { return issue(.opDate, "feed.missing", "\(operation.rawValue) needs opDate") }
            return .success(Line(operation: operation, effectiveOn: day, recordID: recordID, record: nil))
        }
        guard let name = row[Field.name.rawValue], !NormalisedName(name).isEmpty else { return issue(.name, "feed.missing", "the name is missing") }
        guard let idText = row[Field.idNumber.rawValue] else { return issue(.idNumber, "feed.missing", "idNumber is missing") }
        let id: ResidentID
        do { id = try ResidentID(idText, today: today) } catch { return issue(.idNumber, error.code.rawValue, error.reason) }
        guard let categoryText = row[Field.category.rawValue], let category = taxonomy.category(for: categoryText) else {
            return issue(.category, "feed.value", "category must be one of \(taxonomy.categories.map(\.code).joined(separator: ", ")) (taxonomy \(taxonomy.name))")
        }
        guard let kindText = row[Field.kind.rawValue], let kind = RecordKind(rawValue: kindText) ?? kindNames[kindText] else {
            return issue(.kind, "feed.value", "kind must be one of \(RecordKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var sanction: SanctionLevel?
        if let text = row[Field.sanction.rawValue] {
            guard let level = SanctionLevel(rawValue: text) ?? sanctionNames[text] else {
                return issue(.sanction, "feed.value", "sanction must be one of \(SanctionLevel.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            sanction = level
        }
        guard let severityText = row[Field.severity.rawValue], let severity = Severity(feedValue: severityText) else {
            return issue(.severity, "feed.value", "severity must be minor, general or serious (轻微, 一般, 严重)")
        }
        guard let decided = dates[.decidedOn] else { return issue(.decidedOn, "feed.missing", "decidedOn is missing") }
        let permanentText = row[Field.permanent.rawValue]?.lowercased()
        let record = DishonestyRecord(
            recordID: recordID, name: name, residentID: id, category: category.code, kind: kind, sanction: sanction,
            severity: severity, decidedOn: decided, effectiveUntil: dates[.effectiveUntil],
            permanent: ["true", "1", "yes", "是"].contains(permanentText ?? ""),
            issuer: row[Field.issuer.rawValue], documentNumber: row[Field.documentNumber.rawValue], summary: row[Field.summary.rawValue]
        )
        let effective = operation == .add ? decided : (dates[.opDate] ?? decided)
        return .success(Line(operation: operation, effectiveOn: effective, recordID: recordID, record: record))
    }
}
