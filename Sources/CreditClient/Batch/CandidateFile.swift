import CreditCore
import Crypto
import Foundation

/// A CSV of candidates as HR staff have it: UTF-8 with or without a BOM, or GB18030 (what Excel
/// writes in a Chinese locale); a header row naming the columns in Chinese or English, in any
/// order; quoted fields may hold commas and line breaks.
///
/// Every row is checked here, before anything is sent: a bad row is reported with its line number
/// and reason (an ID number is never echoed), and the good rows go ahead.
package struct CandidateFile: Sendable {
    package struct Candidate: Sendable, Hashable {
        /// 1-based line of the file where the row starts.
        package var line: Int
        package var name: String
        package var idNumber: String
        package var reference: String?
        /// The ID as people may see it.
        package var maskedID: String
    }

    package struct BadRow: Sendable, Hashable {
        package var line: Int
        /// The row's name and reference as read (never its ID number), so the row can be found.
        package var name = ""
        package var reference = ""
        /// The header of the column at fault, or empty for the whole row.
        package var column: String
        package var code: String
        package var reason: String
    }

    package var candidates: [Candidate] = []
    package var badRows: [BadRow] = []
    package var encoding: CSV.Encoding
    /// The SHA-256 (hex) of the file's bytes: a resumed batch must be of the same file.
    package var contentHash: String

    /// Header names, compared without case and surrounding spaces.
    static let nameHeaders: Set<String> = ["姓名", "名字", "name", "candidate name", "fullname", "full name"]
    static let idHeaders: Set<String> = ["身份证号", "身份证号码", "公民身份号码", "证件号码", "idnumber", "id number", "id", "id_number", "idno"]
    static let referenceHeaders: Set<String> = ["编号", "序号", "考生编号", "报名序号", "准考证号", "reference", "ref", "no", "no."]

    package init(contentsOf file: URL, today: CalendarDay) throws {
        let data: Data
        do { data = try Data(contentsOf: file) } catch {
            throw UsageError("cannot read \(file.path): \(error.localizedDescription)")
        }
        try self.init(bytes: Array(data), today: today)
    }

    package init(bytes raw: [UInt8], today: CalendarDay) throws {
        contentHash = Hex.lowercase(Array(SHA256.hash(data: raw)))
        let bytes = raw.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(raw.dropFirst(3)) : raw
        encoding = CSV.Encoding.sniff(bytes.prefix(64 << 10))
        var records = CSVRecords(bytes: bytes)
        guard let header = records.next() else { throw UsageError("the file is empty: it needs a header row (姓名,身份证号 or name,idNumber)") }
        let names = try header.fields.map { field -> String in
            guard let text = encoding.decode(field) else { throw UsageError("line 1: the header is not readable as \(encoding.rawValue)") }
            return text.trimmingCharacters(in: .whitespaces)
        }
        func column(_ accepted: Set<String>) -> Int? { names.firstIndex { accepted.contains($0.lowercased()) } }
        guard let nameColumn = column(Self.nameHeaders), let idColumn = column(Self.idHeaders) else {
            throw UsageError("line 1: the header must name a name column (姓名 or name) and an ID column (身份证号 or idNumber); it has \(names.joined(separator: ", "))")
        }
        let referenceColumn = column(Self.referenceHeaders)
        while let record = records.next() {
            if record.fields.count == 1, record.fields[0].allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            guard record.complete else {
                badRows.append(BadRow(line: record.line, column: "", code: "csv.quote", reason: "a quoted field is never closed"))
                continue
            }
            var texts: [String] = []
            var unreadable: Int?
            for (index, field) in record.fields.enumerated() {
                guard let text = encoding.decode(field) else {
                    unreadable = index
                    break
                }
                texts.append(text.trimmingCharacters(in: .whitespaces))
            }
            if let unreadable {
                badRows.append(BadRow(line: record.line, column: names.indices.contains(unreadable) ? names[unreadable] : "",
                                      code: "csv.encoding", reason: "not valid \(encoding.rawValue)"))
                continue
            }
            func value(_ index: Int?) -> String { index.flatMap { texts.indices.contains($0) ? texts[$0] : nil } ?? "" }
            let name = value(nameColumn)
            let reference = value(referenceColumn)
            guard !name.isEmpty, name.count <= 64 else {
                badRows.append(BadRow(line: record.line, reference: reference, column: names[nameColumn], code: "name.missing",
                                      reason: name.isEmpty ? "the name is empty" : "the name is longer than 64 characters"))
                continue
            }
            let id: ResidentID
            do {
                id = try ResidentID(value(idColumn), today: today)
            } catch {
                badRows.append(BadRow(line: record.line, name: name, reference: reference, column: names[idColumn],
                                      code: error.code.rawValue, reason: error.reason))
                continue
            }
            candidates.append(Candidate(line: record.line, name: name, idNumber: id.unmaskedValue,
                                        reference: reference.isEmpty ? nil : reference, maskedID: id.masked))
        }
    }
}

/// The records of a CSV held in memory, with the line each starts on; a quoted field may span lines.
struct CSVRecords {
    struct Record {
        var line: Int
        var fields: [[UInt8]]
        /// False when a quoted field was still open at the end of the file.
        var complete: Bool
    }

    private let bytes: [UInt8]
    private var position = 0
    private var line = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func next() -> Record? {
        guard position < bytes.count else { return nil }
        let firstLine = line + 1
        let start = position
        while position < bytes.count {
            let end = bytes[position...].firstIndex(of: 0x0A) ?? bytes.count
            line += 1
            position = min(end + 1, bytes.count)
            var recordEnd = end
            if recordEnd > start, bytes[recordEnd - 1] == 0x0D { recordEnd -= 1 }
            let fields = bytes.withUnsafeBufferPointer { CSV.split(UnsafeBufferPointer(rebasing: $0[start..<recordEnd])) }
            if let fields { return Record(line: firstLine, fields: fields, complete: true) }
        }
        return Record(line: firstLine, fields: [], complete: false)
    }
}
