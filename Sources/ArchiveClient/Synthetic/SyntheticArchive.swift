import CreditCore
import Foundation

/// A realistic synthetic archive, generated deterministically from a seed and streamed: ten million
/// listings are written without holding them in memory.
///
/// People get valid IDs from real GB/T 2260 county codes with plausible birth dates and common names;
/// cases are filed at the real basic-level court of a county, with matching court codes; about 70% of
/// listings show the public mask (10 visible, `****`, 4 visible), a few another mask, a few a legacy
/// 15-digit number; a fifth are later deleted, some revoked or corrected; 5% of people are listed
/// again under another case. Records span the six credit categories, every kind and severity, and
/// include repairs and revocations.
///
/// ```swift
/// var generator = try SyntheticArchive(seed: 7)
/// try generator.writeDefaulters(count: 100_000, to: URL(fileURLWithPath: "defaulters.ndjson"))
/// ```
public struct SyntheticArchive {
    public struct Person: Sendable, Hashable {
        public var name: String
        public var id: ResidentID
        public var county: Geography.County
    }

    /// One generated listing: its person, and every feed line it produced.
    public struct Listing: Sendable {
        public var person: Person
        public var caseNumber: String
        public var lines: [[(String, String)]]
        /// The listing's state at the end of the history: deleted, revoked or still active.
        public var finalOperation: DefaulterOperation
        public var masked: Bool
    }

    let geography: Geography
    var random: SeededRandom
    /// Recent people, some of whom are listed again or also have records.
    var recent: [Person] = []
    /// The last day any generated event may fall on (events are in the past).
    public let lastDay: CalendarDay

    public init(seed: UInt64, lastDay: CalendarDay? = nil) throws {
        self.geography = try Geography.bundled()
        self.random = SeededRandom(seed: seed)
        self.lastDay = try lastDay ?? CalendarDay(year: 2026, month: 10, day: 31)
    }

    // MARK: People

    public mutating func person() -> Person {
        if !recent.isEmpty, random.chance(0.05) { return random.pick(recent) }
        let county = random.pick(geography.counties)
        // Birth dates from 1955-01-01 to 2004-12-31 (day numbers since 1970).
        let birth = CalendarDay(dayNumber: random.int(-5479...12783))
        // Cannot fail: the table's codes have 6 digits and the sequence is in range.
        guard let id = try? ResidentID(region: county.code, birthDate: birth, sequence: random.int(1...999)) else {
            preconditionFailure("the GB/T 2260 table holds a code that is not 6 digits")
        }
        let person = Person(name: NamePool.name(&random), id: id, county: county)
        if recent.count < 2048 { recent.append(person) } else { recent[Int(random.next() % 2048)] = person }
        return person
    }

    // MARK: Defaulter listings

    static let situations = [
        "有履行能力而拒不履行生效法律文书确定义务",
        "以伪造证据、暴力、威胁等方法妨碍、抗拒执行",
        "以虚假诉讼、虚假仲裁或者以隐匿、转移财产等方法规避执行",
        "违反财产报告制度",
        "违反限制消费令",
        "无正当理由拒不履行执行和解协议",
    ]

    public mutating func listing() -> Listing {
        let person = person()
        let court = random.chance(0.7) ? person.county : random.pick(geography.counties)
        let year = random.int(2014...2025)
        let typeRoll = random.int(0...99)
        let caseType = typeRoll < 85 ? "执" : typeRoll < 95 ? "执恢" : typeRoll < 98 ? "执保" : "执异"
        let caseNumber = "(\(year))\(court.courtCode)\(caseType)\(random.int(1...20000))号"
        let filed = CalendarDay(dayNumber: 0).adding(years: year - 1970).adding(days: random.int(0...364))
        var published = filed.adding(days: random.int(30...400))
        if published > lastDay { published = lastDay.adding(days: -random.int(0...60)) }
        let age = published.year - person.id.birthDate.year
        let amount = random.int(3...900) * 1000 + random.int(0...999)
        let partly = random.chance(0.2)
        let roll = random.int(0...99)
        let masked = roll < 75
        let card: String
        if roll < 70 {
            card = Self.mask(person.id, hiding: 10..<14)
        } else if roll < 75 {
            card = Self.mask(person.id, hiding: 6..<14)
        } else if person.id.birthDate.year < 1980, random.chance(0.05) {
            let full = person.id.unmaskedValue
            card = String(full.prefix(6)) + String(full.dropFirst(8).prefix(9))
        } else {
            card = person.id.unmaskedValue
        }
        var fields: [(String, String)] = [
            ("iname", person.name), ("cardNum", card), ("sexy", person.id.sex == .male ? "男" : "女"), ("age", String(age)),
            ("areaName", court.province.name), ("caseCode", caseNumber), ("courtName", court.courtName),
            ("gistId", "(\(year - 1))\(court.courtCode)民初\(random.int(100...9999))号"), ("gistUnit", court.courtName),
            ("duty", "被执行人于判决生效之日起十日内给付申请执行人人民币\(amount)元及利息"),
            ("performance", partly ? "部分未履行" : "全部未履行"),
            ("performedPart", partly ? "已履行\(amount / 4)元" : "暂无"), ("unperformPart", partly ? "\(amount - amount / 4)元" : "\(amount)元"),
            ("disruptTypeName", random.pick(Self.situations)),
            ("regDate", Self.digits(filed.year, 4) + Self.digits(filed.month, 2) + Self.digits(filed.day, 2)),
            ("publishDate", "\(published.year)年\(Self.digits(published.month, 2))月\(Self.digits(published.day, 2))日"),
        ]
        var lines = [fields]
        var final = DefaulterOperation.add
        let fate = random.int(0...999)
        func later() -> CalendarDay? {
            let day = published.adding(days: random.int(20...1500))
            return day <= lastDay ? day : nil
        }
        if fate < 200, let day = later() {
            lines.append([("op", "delete"), ("opDate", day.description), ("iname", person.name), ("caseCode", caseNumber)])
            final = .delete
        } else if fate < 210, let day = later() {
            lines.append([("op", "revoke"), ("opDate", day.description), ("iname", person.name), ("caseCode", caseNumber)])
            final = .revoke
        } else if fate < 230, let day = later() {
            fields.insert(("op", "correct"), at: 0)
            fields.insert(("opDate", day.description), at: 1)
            if let index = fields.firstIndex(where: { $0.0 == "performance" }) { fields[index].1 = "部分未履行" }
            lines.append(fields)
        }
        return Listing(person: person, caseNumber: caseNumber, lines: lines, finalOperation: final, masked: masked)
    }

    /// Zero-padded decimal (String(format:) costs more than the rest of a generated line).
    static func digits(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }

    static func mask(_ id: ResidentID, hiding range: Range<Int>) -> String {
        String(id.unmaskedValue.enumerated().map { range.contains($0.offset) ? "*" : $0.element })
    }

    // MARK: Dishonesty records

    public struct Record: Sendable {
        public var person: Person
        public var lines: [[(String, String)]]
    }

    public mutating func record(index: Int) -> Record {
        let person = person()
        let kind = random.pick(RecordKind.allCases)
        let sanction: SanctionLevel? = kind == .disciplinarySanction ? random.pick(SanctionLevel.allCases) : nil
        let severity = kind == .criminalPunishment ? Severity.serious : random.pick(Severity.allCases)
        let taxonomyCodes = ["integrity", "law-abiding", "duty", "tax", "public-morality", "borrowing"]
        let decided = lastDay.adding(days: -random.int(0...2500))
        let recordID = "R" + Self.digits(index, 8)
        var fields: [(String, String)] = [
            ("recordId", recordID), ("name", person.name), ("idNumber", person.id.unmaskedValue),
            ("category", random.pick(taxonomyCodes)), ("kind", kind.rawValue), ("severity", severity.rawValue),
            ("decidedOn", decided.description), ("issuer", "\(person.county.city.isEmpty ? person.county.province.name : person.county.city)纪律检查委员会"),
            ("documentNumber", "\(person.county.province.abbreviation)纪〔\(decided.year)〕\(random.int(1...300))号"),
        ]
        if let sanction { fields.append(("sanction", sanction.rawValue)) }
        if kind == .examCheatingBan {
            if random.chance(0.2) { fields.append(("permanent", "true")) } else { fields.append(("effectiveUntil", decided.adding(years: 5).description)) }
        }
        var lines = [fields]
        let fate = random.int(0...99)
        let day = decided.adding(days: random.int(90...900))
        if fate < 10, day <= lastDay, kind != .criminalPunishment {
            lines.append([("recordId", recordID), ("op", "repair"), ("opDate", day.description)])
        } else if fate < 11, day <= lastDay {
            lines.append([("recordId", recordID), ("op", "revoke"), ("opDate", day.description)])
        }
        return Record(person: person, lines: lines)
    }

    // MARK: Writing

    /// Writes `count` listings (plus their later events) as NDJSON; returns the number of lines.
    @discardableResult
    public mutating func writeDefaulters(count: Int, to url: URL) throws -> Int {
        let out = try NDJSONWriter(url: url)
        var lines = 0
        for _ in 0..<count {
            for line in listing().lines {
                try out.write(line)
                lines += 1
            }
        }
        try out.close()
        return lines
    }

    @discardableResult
    public mutating func writeRecords(count: Int, to url: URL) throws -> Int {
        let out = try NDJSONWriter(url: url)
        var lines = 0
        for index in 0..<count {
            for line in record(index: index).lines {
                try out.write(line)
                lines += 1
            }
        }
        try out.close()
        return lines
    }
}

/// Buffered NDJSON output of flat string objects.
final class NDJSONWriter {
    private let handle: FileHandle
    private var buffer: [UInt8] = []

    init(url: URL) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw FeedError(reason: "cannot create \(url.path)")
        }
        self.handle = try FileHandle(forWritingTo: url)
        buffer.reserveCapacity(1 << 20)
    }

    func write(_ fields: [(String, String)]) throws {
        buffer.append(UInt8(ascii: "{"))
        for (index, (key, value)) in fields.enumerated() {
            if index > 0 { buffer.append(UInt8(ascii: ",")) }
            append(key)
            buffer.append(UInt8(ascii: ":"))
            append(value)
        }
        buffer.append(contentsOf: [UInt8(ascii: "}"), 0x0A])
        if buffer.count >= 1 << 20 { try flush() }
    }

    private func append(_ string: String) {
        buffer.append(UInt8(ascii: "\""))
        let utf8 = string.utf8
        // Nearly every value needs no escaping: copy it whole.
        if !utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            buffer.append(contentsOf: utf8)
        } else {
            for byte in utf8 {
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                    buffer.append(UInt8(ascii: "\\"))
                    buffer.append(byte)
                case 0..<0x20:
                    buffer.append(contentsOf: Array("\\u00".utf8))
                    buffer.append(contentsOf: Array(SyntheticArchive.digits(Int(byte >> 4), 1).utf8))
                    buffer.append(contentsOf: Array(String(byte & 0x0F, radix: 16).utf8))
                default:
                    buffer.append(byte)
                }
            }
        }
        buffer.append(UInt8(ascii: "\""))
    }

    private func flush() throws {
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    func close() throws {
        try flush()
        try handle.close()
    }
}
