/// A civil date (year, month, day) in the proleptic Gregorian calendar.
///
/// Court feeds and integrity archives date events by calendar day in China Standard Time, never by
/// instant, so the archive keys every event by day. ``dayNumber`` counts days since 1970-01-01 and is
/// what storage compares; conversions use Howard Hinnant's civil-from-days algorithm, which needs no
/// Foundation calendar and is exact for every representable year.
///
/// ```swift
/// let day = try CalendarDay(year: 2024, month: 2, day: 29)
/// day.adding(months: 12)  // 2025-02-28 (clamped to the month's end)
/// ```
public struct CalendarDay: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    public init(year: Int, month: Int, day: Int) throws(CalendarDayError) {
        guard (1...12).contains(month), day >= 1, day <= CalendarDay.daysIn(month: month, year: year) else {
            throw CalendarDayError(text: "\(year)-\(month)-\(day)")
        }
        self.year = year
        self.month = month
        self.day = day
    }

    /// The day `dayNumber` days after 1970-01-01.
    public init(dayNumber: Int) {
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.year = yoe + era * 400 + (m <= 2 ? 1 : 0)
        self.month = m
        self.day = d
    }

    /// Days since 1970-01-01 (negative before).
    public var dayNumber: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    public static func isLeap(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    public func adding(days: Int) -> CalendarDay { CalendarDay(dayNumber: dayNumber + days) }

    /// Adds calendar months, clamping to the last day of the target month (a 6-month warning given
    /// on 31 August ends on 28 or 29 February).
    public func adding(months: Int) -> CalendarDay {
        let total = year * 12 + (month - 1) + months
        let y = total >= 0 ? total / 12 : (total - 11) / 12
        let m = total - y * 12 + 1
        let d = min(day, CalendarDay.daysIn(month: m, year: y))
        // Valid by construction: month in 1...12 and day clamped to the month's length.
        return CalendarDay(uncheckedYear: y, month: m, day: d)
    }

    public func adding(years: Int) -> CalendarDay { adding(months: years * 12) }

    private init(uncheckedYear: Int, month: Int, day: Int) {
        self.year = uncheckedYear
        self.month = month
        self.day = day
    }

    public static func < (lhs: CalendarDay, rhs: CalendarDay) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    /// ISO 8601 `YYYY-MM-DD`.
    public var description: String {
        let y = String(year)
        let yy = String(repeating: "0", count: max(0, 4 - y.count)) + y
        return "\(yy)-\(month < 10 ? "0" : "")\(month)-\(day < 10 ? "0" : "")\(day)"
    }

    /// Parses `YYYY-MM-DD`, `YYYYMMDD` (the defaulter list's `regDate`) or `YYYY年M月D日`
    /// (its `publishDate`).
    public init(parsing text: String) throws(CalendarDayError) {
        try self.init(parsingUTF8: ArraySlice(text.utf8))
    }

    /// The same, from UTF-8 bytes (importers parse millions of dates without building strings).
    public init(parsingUTF8 bytes: ArraySlice<UInt8>) throws(CalendarDayError) {
        var numbers: [Int] = []
        numbers.reserveCapacity(3)
        var current = 0
        var digits = 0
        var separators = 0
        var i = bytes.startIndex
        func fail() -> CalendarDayError { CalendarDayError(text: String(decoding: bytes, as: UTF8.self)) }
        while i < bytes.endIndex {
            let b = bytes[i]
            var separator = false
            switch b {
            case 0x30...0x39:
                current = current * 10 + Int(b - 0x30)
                digits += 1
                guard digits <= 8 else { throw fail() }
            case 0x2D, 0x2F, 0x2E:
                separator = true
            case 0x20:
                break
            case 0xE5, 0xE6:
                // 年 E5 B9 B4, 月 E6 9C 88, 日 E6 97 A5
                guard i + 2 < bytes.endIndex else { throw fail() }
                let tail = (bytes[i + 1], bytes[i + 2])
                guard (b == 0xE5 && tail == (0xB9, 0xB4)) || (b == 0xE6 && (tail == (0x9C, 0x88) || tail == (0x97, 0xA5))) else {
                    throw fail()
                }
                i += 2
                separator = true
            default:
                throw fail()
            }
            if separator {
                if digits > 0 { numbers.append(current) }
                current = 0
                digits = 0
                separators += 1
            }
            i += 1
        }
        if digits > 0 { numbers.append(current) }
        if separators == 0, digits == 8 {
            numbers = [current / 10_000, current / 100 % 100, current % 100]
        }
        guard numbers.count == 3 else { throw fail() }
        try self.init(year: numbers[0], month: numbers[1], day: numbers[2])
    }

    // Codable as the ISO string, which is what the policy files and the API carry.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        try self.init(parsing: text)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A date that is not a real calendar day.
public struct CalendarDayError: Error, Hashable, Sendable, CustomStringConvertible {
    public let text: String
    public var description: String { "not a calendar date: \(text)" }
}
