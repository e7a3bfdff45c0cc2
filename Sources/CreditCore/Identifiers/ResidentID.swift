/// A mainland resident identity number (GB 11643-1999), validated and normalised to 18 characters.
///
/// Parsing checks the length, the characters, a real birth date not in the future and the ISO 7064
/// MOD 11-2 check character; a lower-case `x` is accepted and a legacy 15-digit number is converted
/// (`19` inserted after the address code, check character computed). The address code is not checked
/// against today's GB/T 2260 table, because codes that no longer exist stay valid on old cards.
///
/// The number is sensitive personal information. `description`, `debugDescription` and string
/// interpolation print only ``masked``, so an ID that slips into a log line leaks nothing; the full
/// number is reachable only through the explicitly named ``unmaskedValue``.
///
/// ```swift
/// let id = try ResidentID("11010519491231002x", today: try CalendarDay(parsing: "2026-12-01"))
/// id.masked        // "110105********002X"
/// id.birthDate     // 1949-12-31
/// id.sex           // .female
/// ```
public struct ResidentID: Hashable, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The 18 ASCII bytes, check character upper-case.
    private let bytes: [UInt8]

    static let weights: [Int] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    static let checkCharacters: [UInt8] = Array("10X98765432".utf8)

    /// Parses an 18-character or legacy 15-digit number. `today` (China time) bounds the birth
    /// date, and there is no default: a number from outside is always checked against the day.
    public init(_ text: String, today: CalendarDay) throws(IdentifierError) {
        try self.init(parsing: ArraySlice(text.utf8), today: today)
    }

    /// Parses UTF-8 bytes, as importers hold them, without building a `String`.
    public init(utf8: ArraySlice<UInt8>, today: CalendarDay) throws(IdentifierError) {
        try self.init(parsing: utf8, today: today)
    }

    /// Reads a number the archive stored once it had been parsed with ``init(utf8:today:)``: its
    /// birth date was not in the future then, and a day in the past stays there.
    package init(stored utf8: ArraySlice<UInt8>) throws(IdentifierError) {
        try self.init(parsing: utf8, today: nil)
    }

    private init(parsing utf8: ArraySlice<UInt8>, today: CalendarDay?) throws(IdentifierError) {
        var raw = Array(utf8)
        // Tolerate surrounding whitespace, a common artefact of spreadsheets.
        while let last = raw.last, last == 0x20 || last == 0x09 { raw.removeLast() }
        while let first = raw.first, first == 0x20 || first == 0x09 { raw.removeFirst() }
        switch raw.count {
        case 18:
            for (i, b) in raw.enumerated() where !ResidentID.isDigit(b) {
                if i == 17, b == UInt8(ascii: "x") || b == UInt8(ascii: "X") {
                    raw[17] = UInt8(ascii: "X")
                } else {
                    throw IdentifierError(.character, "character \(i + 1) is not a digit")
                }
            }
            try ResidentID.checkBirthDate(raw[6..<14], today: today)
            guard ResidentID.checkCharacter(for: raw[0..<17]) == raw[17] else {
                throw IdentifierError(.checksum, "the check character does not match")
            }
        case 15:
            for (i, b) in raw.enumerated() where !ResidentID.isDigit(b) {
                throw IdentifierError(.character, "character \(i + 1) is not a digit")
            }
            var long = Array(raw[0..<6]) + Array("19".utf8) + Array(raw[6..<15])
            try ResidentID.checkBirthDate(long[6..<14], today: today)
            long.append(ResidentID.checkCharacter(for: long[0..<17]))
            raw = long
        default:
            throw IdentifierError(.length, "a resident ID has 18 characters (or 15 digits for a legacy card), not \(raw.count)")
        }
        self.bytes = raw
    }

    /// Builds an ID from its parts, computing the check character. For generators and tests.
    ///
    /// ```swift
    /// let id = try ResidentID(region: "110105", birthDate: CalendarDay(year: 1949, month: 12, day: 31), sequence: 2)
    /// id.masked  // "110105********002X"
    /// ```
    public init(region: String, birthDate: CalendarDay, sequence: Int) throws(IdentifierError) {
        guard region.utf8.count == 6, region.utf8.allSatisfy(ResidentID.isDigit) else {
            throw IdentifierError(.region, "the region code has 6 digits")
        }
        guard (0...999).contains(sequence), (1800...9999).contains(birthDate.year) else {
            throw IdentifierError(.character, "the sequence number has 3 digits")
        }
        func digits(_ value: Int, _ width: Int) -> [UInt8] {
            var out = [UInt8](repeating: 0x30, count: width)
            var v = value
            for i in stride(from: width - 1, through: 0, by: -1) {
                out[i] = UInt8(v % 10) + 0x30
                v /= 10
            }
            return out
        }
        var body = Array(region.utf8)
        body += digits(birthDate.year, 4) + digits(birthDate.month, 2) + digits(birthDate.day, 2) + digits(sequence, 3)
        body.append(ResidentID.checkCharacter(for: body[0..<17]))
        self.bytes = body
    }

    /// Rebuilds an ID from its ``integerKey``; `nil` if the key is not a valid ID's.
    public init?(integerKey: Int64) {
        guard integerKey >= 0 else { return nil }
        let check = Int(integerKey % 11)
        var body = integerKey / 11
        // The 18 characters written straight into one array and parsed from it: a lookup rebuilds the
        // ID of every listing it finds, so no `String` is made on the way.
        var digits = [UInt8](repeating: 0, count: 18)
        for i in stride(from: 16, through: 0, by: -1) {
            digits[i] = UInt8(body % 10) + 0x30
            body /= 10
        }
        guard body == 0 else { return nil }
        digits[17] = check == 10 ? UInt8(ascii: "X") : UInt8(check) + 0x30
        guard let id = try? ResidentID(stored: digits[...]) else { return nil }
        self = id
    }

    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    /// The check character for the first 17 digits.
    static func checkCharacter(for body: ArraySlice<UInt8>) -> UInt8 {
        var sum = 0
        for (w, b) in zip(weights, body) { sum += w * Int(b - 0x30) }
        return checkCharacters[sum % 11]
    }

    private static func checkBirthDate(_ digits: ArraySlice<UInt8>, today: CalendarDay?) throws(IdentifierError) {
        var value = 0
        for b in digits { value = value * 10 + Int(b - 0x30) }
        let date: CalendarDay
        do {
            date = try CalendarDay(year: value / 10_000, month: value / 100 % 100, day: value % 100)
        } catch {
            throw IdentifierError(.birthDate, "the birth date is not a real date")
        }
        guard date.year >= 1800 else { throw IdentifierError(.birthDate, "the birth year is before 1800") }
        if let today, date > today {
            throw IdentifierError(.futureBirthDate, "the birth date is in the future")
        }
    }

    // MARK: Parts

    /// The 6-digit administrative division code where the number was issued (GB/T 2260).
    public var regionCode: String { String(decoding: bytes[0..<6], as: UTF8.self) }

    public var birthDate: CalendarDay {
        var value = 0
        for b in bytes[6..<14] { value = value * 10 + Int(b - 0x30) }
        // Validated at parse time, so the fallback is unreachable.
        return (try? CalendarDay(year: value / 10_000, month: value / 100 % 100, day: value % 100))
            ?? CalendarDay(dayNumber: 0)
    }

    public enum Sex: String, Sendable, Codable { case male, female }

    /// From the sequence number's last digit: odd is male.
    public var sex: Sex { (bytes[16] - 0x30) % 2 == 1 ? .male : .female }

    /// Address code, then 8 asterisks over the birth date, then sequence and check character:
    /// `110105********002X`. Safe to show to people and to write to logs.
    public var masked: String {
        String(decoding: bytes[0..<6] + Array(repeating: UInt8(ascii: "*"), count: 8) + bytes[14..<18], as: UTF8.self)
    }

    /// The full 18-character number. Named so that every use is deliberate and easy to audit.
    public var unmaskedValue: String { String(decoding: bytes, as: UTF8.self) }

    /// The character at a position (0-based) as an ASCII byte.
    public func byte(at index: Int) -> UInt8 { bytes[index] }

    /// A lossless 63-bit integer form: the 17 digits times 11 plus the check value (X = 10). Storage
    /// indexes this instead of text: it is half the size and compares in one instruction.
    public var integerKey: Int64 {
        var body: Int64 = 0
        for b in bytes[0..<17] { body = body * 10 + Int64(b - 0x30) }
        let check: Int64 = bytes[17] == UInt8(ascii: "X") ? 10 : Int64(bytes[17] - 0x30)
        return body * 11 + check
    }

    public var description: String { masked }
    public var debugDescription: String { "ResidentID(\(masked))" }
}
