import Attestation
import CreditCore
import Foundation
@testable import Gateway
import OpenAPIRuntime
import Testing

@Suite("Dates in answers")
struct AnswerDatesTests {
    @Test func wholeSecondsAreWrittenAsTheRuntimesISO8601TranscoderWritesThemAndReadBack() throws {
        let runtime = ISO8601DateTranscoder()
        var generator = SeededRandom(seed: 3339)
        // Around the epoch, leap days, and random instants from 1900 to 2100.
        var seconds: [Double] = [0, -1, 951_782_400, 1_709_164_799, 4_102_444_800]
        seconds += (0..<2000).map { _ in Double.random(in: -2_208_988_800...4_102_444_800, using: &generator).rounded(.down) }
        for second in seconds {
            let date = Date(timeIntervalSince1970: second)
            let text = try AnswerDates().encode(date)
            #expect(text == (try runtime.encode(date)), "\(second)")
            #expect(try AnswerDates().decode(text) == date)
        }
    }

    /// The runtime's formatter rounds to milliseconds first, so 0.9999 s would be written as the
    /// next second; an answer is sent with the second its stored, digested form holds.
    @Test func aFractionIsDroppedAsInTheStoredAnswers() throws {
        for (instant, text) in [(0.9999, "1970-01-01T00:00:00Z"), (-0.5, "1969-12-31T23:59:59Z"), (301_936_206.999845, "1979-07-27T15:10:06Z")] {
            let date = Date(timeIntervalSince1970: instant)
            #expect(try AnswerDates().encode(date) == text)
            #expect(CanonicalJSON.bytes { $0.date(date) } == Array("\"\(text)\"".utf8))
        }
    }
}
