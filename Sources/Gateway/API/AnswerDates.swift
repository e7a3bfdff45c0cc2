import Attestation
import Foundation
import OpenAPIRuntime

/// How the generated server writes and reads `date-time` values: ISO 8601 in UTC, whole seconds, the
/// text ``CanonicalJSON`` gives the stored answers, made by arithmetic.
///
/// The runtime's `ISO8601DateTranscoder` writes whole seconds the same way, but it formats through
/// a CoreFoundation `ISO8601DateFormatter` on every call (a tenth of the cost of encoding an inline
/// batch's answers), and that formatter rounds to milliseconds first: an answer checked at .9995 s
/// or later was sent with the next second while its stored, digested form held this one.
struct AnswerDates: DateTranscoder {
    func encode(_ date: Date) throws -> String { CanonicalJSON.iso8601(date) }

    func decode(_ text: String) throws -> Date { try ISO8601DateTranscoder().decode(text) }
}
