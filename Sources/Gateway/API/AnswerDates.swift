import Attestation
import Foundation
import OpenAPIRuntime

/// How the generated server writes and reads `date-time` values: ISO 8601 in UTC, whole seconds, as
/// the runtime's `ISO8601DateTranscoder` does, but written by arithmetic. The default transcoder
/// formats through a CoreFoundation `ISO8601DateFormatter` on every call, a tenth of the cost of
/// encoding an inline batch's answers; the text is the same, and the same as the stored answers'.
struct AnswerDates: DateTranscoder {
    func encode(_ date: Date) throws -> String { CanonicalJSON.iso8601(date) }

    func decode(_ text: String) throws -> Date { try ISO8601DateTranscoder().decode(text) }
}
