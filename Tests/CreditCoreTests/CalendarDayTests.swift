import CreditCore
import Testing

@Suite("Calendar days")
struct CalendarDayTests {
    @Test func dayNumbersRoundTrip() {
        for number in stride(from: -80_000, through: 80_000, by: 37) {
            #expect(CalendarDay(dayNumber: number).dayNumber == number)
        }
        #expect(CalendarDay(dayNumber: 0).description == "1970-01-01")
    }

    @Test(arguments: [("2019-03-05", "2019-03-05"), ("20190305", "2019-03-05"), ("2019年03月05日", "2019-03-05"), ("2019年3月5日", "2019-03-05")])
    func parsesFeedFormats(text: String, expected: String) throws {
        #expect(try CalendarDay(parsing: text).description == expected)
    }

    @Test func refusesUnrealDates() {
        #expect(throws: CalendarDayError.self) { try CalendarDay(parsing: "2023-02-29") }
        #expect(throws: CalendarDayError.self) { try CalendarDay(parsing: "2019/13/01") }
        #expect(throws: CalendarDayError.self) { try CalendarDay(parsing: "next week") }
    }

    @Test func addingMonthsClampsToTheMonthEnd() throws {
        #expect(try CalendarDay(year: 2025, month: 8, day: 31).adding(months: 6).description == "2026-02-28")
        #expect(try CalendarDay(year: 2024, month: 2, day: 29).adding(years: 1).description == "2025-02-28")
        #expect(try CalendarDay(year: 2024, month: 11, day: 30).adding(months: -11).description == "2023-12-30")
    }

    @Test func chinaTimeDayBoundary() throws {
        // 2026-01-01T15:59:59Z is 23:59:59 in Beijing; one second later it is 2 January there.
        #expect(ChinaTime.day(atUnixSeconds: 1_767_283_199).description == "2026-01-01")
        #expect(ChinaTime.day(atUnixSeconds: 1_767_283_200).description == "2026-01-02")
        #expect(ChinaTime.startOfDay(try CalendarDay(year: 2026, month: 1, day: 2)) == 1_767_283_200)
    }
}
