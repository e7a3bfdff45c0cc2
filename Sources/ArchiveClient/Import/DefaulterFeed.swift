import CreditCore
import Foundation
import Synchronization

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
package enum DefaulterFeed {
    package enum Field: Int, CaseIterable {
        case iname, cardNum, sexy, age, areaName, caseCode, courtName, gistId, gistUnit, duty
        case performance, performedPart, unperformPart, disruptTypeName, regDate, publishDate, op, opDate
    }

    package static let schema = FieldSchema(
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

    /// The fields kept in an event's detail blob, in blob order, and how each is stored.
    package enum Storage { case text, interned, integer, day }
    package static let detailFields: [(Field, Storage)] = [
        (.iname, .text), (.cardNum, .text), (.sexy, .interned), (.age, .integer), (.areaName, .interned),
        (.caseCode, .text), (.courtName, .interned), (.gistId, .text), (.gistUnit, .interned), (.duty, .text),
        (.performance, .interned), (.performedPart, .interned), (.unperformPart, .text),
        (.disruptTypeName, .interned), (.regDate, .day), (.publishDate, .day),
    ]

    /// A validated feed line, encoded for storage.
    package struct Encoded: Sendable {
        package var operation: DefaulterOperation
        package var effectiveDay: Int
        package var entryKey: Int64
        /// The exact (positive) or probable (negative) index key, for additions and corrections.
        package var matchKey: Int64?
        package var maskShape: UInt32?
        package var detail: [UInt8]
        /// Interned texts this line used first: stored before the line.
        package var newTexts: [(id: Int64, text: [UInt8])]
    }

    /// Validates a row and encodes it, reading bytes rather than building strings where it can.
    /// Parsers share `interner` (ids are the archive's); it is held only while the blob is written.
    package static func encode(_ row: FieldRow, today: CalendarDay, interner: borrowing Mutex<TextInterner>) -> Result<Encoded, ImportIssue> {
        func issue(_ field: Field?, _ code: String, _ reason: String) -> Result<Encoded, ImportIssue> {
            .failure(ImportIssue(line: row.line, field: field.map { "\($0)" }, code: code, reason: reason))
        }
        var operation = DefaulterOperation.add
        if let opText = row[Field.op.rawValue] {
            guard let parsed = DefaulterOperation(rawValue: opText.lowercased()) else {
                return issue(.op, "feed.value", "op must be add, delete, revoke or correct")
            }
            operation = parsed
        }
        guard let rawName = row[Field.iname.rawValue] else { return issue(.iname, "feed.missing", "the name is missing") }
        let name = NormalisedName(rawName)
        guard !name.isEmpty else { return issue(.iname, "feed.missing", "the name is missing") }
        guard let caseBytes = row.bytes(Field.caseCode.rawValue) else {
            return issue(.caseCode, "feed.missing", "the case number is missing")
        }
        guard let caseNumber = try? CaseNumber(utf8: caseBytes) else {
            return issue(.caseCode, CaseNumberError.code, "not an enforcement case number like (2019)湘0102执1234号")
        }
        let lists = operation == .add || operation == .correct
        var publishedID: PublishedID?
        if let card = row.bytes(Field.cardNum.rawValue) {
            do {
                publishedID = try PublishedID(utf8: card, today: today)
            } catch {
                return issue(.cardNum, error.code.rawValue, error.reason)
            }
        } else if lists {
            return issue(.cardNum, "feed.missing", "cardNum is required to list or correct an entry")
        }
        // Indexed by field: regDate, publishDate, opDate.
        var days: (Int?, Int?, Int?) = (nil, nil, nil)
        for field in [Field.regDate, .publishDate, .opDate] {
            guard let bytes = row.bytes(field.rawValue) else { continue }
            guard let day = try? CalendarDay(parsingUTF8: bytes) else {
                return issue(field, "feed.value", "not a date (yyyymmdd, yyyy年MM月dd日 or yyyy-mm-dd)")
            }
            switch field {
            case .regDate: days.0 = day.dayNumber
            case .publishDate: days.1 = day.dayNumber
            default: days.2 = day.dayNumber
            }
        }
        var age: Int?
        if let bytes = row.bytes(Field.age.rawValue) {
            guard bytes.count <= 3, bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                return issue(.age, "feed.value", "age must be a whole number")
            }
            age = bytes.reduce(0) { $0 * 10 + Int($1 - 0x30) }
        }
        let effective: Int
        switch operation {
        case .add:
            guard let published = days.1 ?? days.2 else {
                return issue(.publishDate, "feed.missing", "a listing needs its publishDate: it takes effect from publication")
            }
            effective = published
        case .delete, .revoke, .correct:
            guard let day = days.2 else {
                return issue(.opDate, "feed.missing", "\(operation.rawValue) needs opDate: the day it takes effect")
            }
            effective = day
        }

        var matchKey: Int64?
        var maskShape: UInt32?
        // The card text kept in the blob: masked and legacy 15-digit numbers as published; a full
        // 18-digit number of a listing lives in the match key instead.
        var cardText = row.bytes(Field.cardNum.rawValue)
        switch publishedID {
        case .full(let id):
            if lists {
                matchKey = MatchKey.exact(id)
                if cardText?.count == 18 { cardText = nil }
            }
        case .masked(let mask):
            if lists {
                matchKey = MatchKey.probable(name: name, mask: mask)
                maskShape = mask.shape
            }
            cardText = ArraySlice(mask.bytes)
        case nil:
            break
        }

        var writer = DetailCodec.Writer()
        var newTexts: [(id: Int64, text: [UInt8])] = []
        interner.withLock { interner in
            for (field, storage) in detailFields {
                let value = field == .cardNum ? cardText : row.bytes(field.rawValue)
                guard let value else {
                    writer.absent()
                    continue
                }
                switch storage {
                case .text:
                    writer.text(value)
                case .interned:
                    if let (id, isNew) = interner.id(for: value) {
                        writer.interned(id)
                        if isNew { newTexts.append((id, Array(value))) }
                    } else {
                        writer.text(value)
                    }
                case .integer:
                    writer.integer(Int64(age ?? 0))
                case .day:
                    if let day = field == .regDate ? days.0 : days.1 { writer.integer(Int64(day)) } else { writer.absent() }
                }
            }
        }
        return .success(Encoded(
            operation: operation, effectiveDay: effective, entryKey: DefaulterEntry.entryKey(caseNumber: caseNumber, name: name),
            matchKey: matchKey, maskShape: maskShape, detail: writer.bytes, newTexts: newTexts))
    }
}
