import Foundation
@testable import Gateway
import OpenAPIRuntime
import Testing

@Suite("Dates in answers")
struct AnswerDatesTests {
    @Test func writtenAsTheRuntimesISO8601TranscoderWritesThemAndReadBack() throws {
        let runtime = ISO8601DateTranscoder()
        var generator = SystemRandomNumberGenerator()
        // Around the epoch, leap days, fractions of a second, and random instants from 1900 to 2100.
        var dates = [0, -1, 0.5, -0.5, 951_782_400, 1_709_164_799.999, 4_102_444_800].map(Date.init(timeIntervalSince1970:))
        dates += (0..<2000).map { _ in Date(timeIntervalSince1970: Double.random(in: -2_208_988_800...4_102_444_800, using: &generator)) }
        for date in dates {
            let text = try AnswerDates().encode(date)
            #expect(text == (try runtime.encode(date)), "\(date.timeIntervalSince1970)")
            #expect(try AnswerDates().decode(text) == (try runtime.decode(text)))
        }
    }
}
