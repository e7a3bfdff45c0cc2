import Foundation

/// China Standard Time (UTC+8, no daylight saving): the zone every feed's calendar dates are in.
public enum ChinaTime {
    public static let offsetSeconds = 8 * 3600

    /// The calendar day in China Standard Time at a Unix time in seconds.
    public static func day(atUnixSeconds seconds: Int64) -> CalendarDay {
        let local = seconds + Int64(offsetSeconds)
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        return CalendarDay(dayNumber: Int(days))
    }

    /// Today in China Standard Time, by this machine's clock.
    public static var today: CalendarDay { day(atUnixSeconds: Int64(Date().timeIntervalSince1970)) }

    /// The first instant (Unix seconds) of a China Standard Time calendar day.
    public static func startOfDay(_ day: CalendarDay) -> Int64 {
        Int64(day.dayNumber) * 86_400 - Int64(offsetSeconds)
    }
}
