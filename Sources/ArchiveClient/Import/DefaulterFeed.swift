import CreditCore
import Foundation

/// The defaulter feed: the public list's field names, plus `op` and `opDate` for lifecycle events.
///
/// | field | meaning |
/// |---|---|
/// | `iname` | name (required) |
/// | `cardNum` | full or masked ID (required to list or correct) |
/// | `caseCode` | enforcement case number (required) |
/// | `publishDate` | publication date, `yyyy年MM月dd日` or ISO: when a listing takes effect (required to list) |
/// | `op` | `add` (default), `delete`, `revoke`, `correct` |
/// | `opDate` | when a delete, revoke or correct takes effect (required for those) |
/// | `sexy` `age` `areaName` `courtName` `gistId` `gistUnit` `duty` `performance` `performedPart` `unperformPart` `disruptTypeName` `regDate` | as published |
///
/// CSV headers may also be the Chinese column names of the public site (姓名, 身份证号码, 案号 ...).
enum DefaulterFeed {
    enum Field: Int, CaseIterable {
        case iname, cardNum, sexy, age, areaName, caseCode, courtName, gistId, gistUnit, duty
        case performance, performedPart, unperformPart, disruptTypeName, regDate, publishDate, op, opDate
    }

    static let schema = FieldSchema(
        fields: Field.allCases.map { "\($0)" },
        aliases: [
            "姓名": "iname", "被执行人姓名": "iname", "被执行人姓名/名称": "iname",
            "身份证号码": "cardNum", "身份证号": "cardNum", "证件号码": "cardNum", "身份证号码/组织机构代码": "cardNum",
            "性别": "sexy", "年龄": "age", "省份": "areaName", "地域": "areaName",
            "案号": "caseCode", "执行法院": "courtName", "执行依据文号": "gistId", "做出执行依据单位": "gistUnit",
            "生效法律文书确定的义务": "duty", "被执行人的履行情况": "performance", "已履行部分": "performedPart",
            "未履行部分": "unperformPart", "失信被执行人行为具体情形": "disruptTypeName",
            "立案时间": "regDate", "发布时间": "publishDate", "操作": "op", "操作日期": "opDate",
        ]
    )

    /// A validated feed line, ready to store.
    struct Line {
        var operation: DefaulterOperation
        var effectiveOn: CalendarDay
        var entry: DefaulterEntry
    }

    static func validate(_ row: FieldRow, today: CalendarDay) -> Result<Line, ImportIssue> {
        func issue(_ field: Field?, _ code: String, _ reason: String) -> Result<Line, ImportIssue> {
            .failure(ImportIssue(line: row.line, field: field.map { "\($0)" }, code: code, reason: reason))
        }
        var operation = DefaulterOperation.add
        if let opText = row[Field.op.rawValue] {
            guard let parsed = DefaulterOperation(rawValue: opText.lowercased()) else {
                return issue(.op, "feed.value", "op must be add, delete, revoke or correct")
            }
            operation = parsed
        }
        guard let name = row[Field.iname.rawValue], !NormalisedName(name).isEmpty else {
            return issue(.iname, "feed.missing", "the name is missing")
        }
        guard let caseText = row[Field.caseCode.rawValue] else {
            return issue(.caseCode, "feed.missing", "the case number is missing")
        }
        guard let caseNumber = try? CaseNumber(caseText) else {
            return issue(.caseCode, CaseNumberError.code, "not an enforcement case number like (2019)湘0102执1234号")
        }
        var publishedID: PublishedID?
        if let card = row[Field.cardNum.rawValue] {
            do {
                publishedID = try PublishedID(card, today: today)
            } catch {
                return issue(.cardNum, error.code.rawValue, error.reason)
            }
        } else if operation == .add || operation == .correct {
            return issue(.cardNum, "feed.missing", "cardNum is required to list or correct an entry")
        }
        var dates: [Field: CalendarDay] = [:]
        for field in [Field.regDate, .publishDate, .opDate] {
            guard let text = row[field.rawValue] else { continue }
            guard let day = try? CalendarDay(parsing: text) else {
                return issue(field, "feed.value", "not a date (yyyymmdd, yyyy年MM月dd日 or yyyy-mm-dd)")
            }
            dates[field] = day
        }
        var age: Int?
        if let text = row[Field.age.rawValue] {
            guard let value = Int(text), (0...150).contains(value) else { return issue(.age, "feed.value", "age must be a whole number") }
            age = value
        }
        let effective: CalendarDay
        switch operation {
        case .add:
            guard let published = dates[.publishDate] ?? dates[.opDate] else {
                return issue(.publishDate, "feed.missing", "a listing needs its publishDate: it takes effect from publication")
            }
            effective = published
        case .delete, .revoke, .correct:
            guard let day = dates[.opDate] else {
                return issue(.opDate, "feed.missing", "\(operation.rawValue) needs opDate: the day it takes effect")
            }
            effective = day
        }
        let entry = DefaulterEntry(
            name: name, publishedID: publishedID, caseNumber: caseNumber,
            sex: row[Field.sexy.rawValue], age: age, area: row[Field.areaName.rawValue],
            court: row[Field.courtName.rawValue], basisDocument: row[Field.gistId.rawValue],
            basisUnit: row[Field.gistUnit.rawValue], duty: row[Field.duty.rawValue],
            performance: row[Field.performance.rawValue], performedPart: row[Field.performedPart.rawValue],
            unperformedPart: row[Field.unperformPart.rawValue], situation: row[Field.disruptTypeName.rawValue],
            filedOn: dates[.regDate], publishedOn: dates[.publishDate]
        )
        return .success(Line(operation: operation, effectiveOn: effective, entry: entry))
    }
}
