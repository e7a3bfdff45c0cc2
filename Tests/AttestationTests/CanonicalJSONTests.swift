import Attestation
import CreditCore
import Foundation
import Testing

/// The direct writer makes exactly what `JSONEncoder` with sorted keys makes (the gateway's
/// answers are held to the same in its own tests).
@Suite("Canonical JSON")
struct CanonicalJSONTests {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static let awkward = "a\"b\\c/d\u{1}\u{8}\t\n\u{c}\r\u{1f}\u{7f}张三·é😀"

    @Test(arguments: [false, true])
    func anAuditEntryIsWrittenAsTheEncoderWritesIt(full: Bool) throws {
        var entry = AuditEntry(operation: "createCheck", outcome: "ok")
        if full {
            entry = AuditEntry(
                operation: "createCheck" + Self.awkward, outcome: "refused 403 role.forbidden", clientID: "bureau-1",
                certificateFingerprint: String(repeating: "ab", count: 32), operator: Self.awkward, purpose: "civil-service-exam R1",
                consentReference: "C/1", candidateHMAC: String(repeating: "0f", count: 32), decision: "REVIEW",
                policyVersion: "civil-service-2026@1", archiveVersion: "7:sha256:abc", requestDigest: "sha-256=:X48E9q+/A=:",
                responseDigest: "sha-256=:Y=:", detail: "checkId=chk_1\u{0}")
        }
        #expect(entry.canonicalBytes == Array(try Self.encoder.encode(entry)))
    }

    @Test func valuesOfEveryKind() throws {
        struct Sample: Encodable {
            var b = [3, -2, 0, 10, 99, Int64.max, Int64.min]
            var e: [UInt64] = [UInt64.max]
            var a = "x"
            var c = true
            var d = Date(timeIntervalSince1970: 1_764_000_000)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        let sample = Sample()
        let written = CanonicalJSON.bytes { json in
            json.object { o in
                o.string("a", sample.a)
                o.field("b") { $0.array(sample.b) { $0.integer($1) } }
                o.field("c") { $0.bool(sample.c) }
                o.field("d") { $0.date(sample.d) }
                o.field("e") { $0.array(sample.e) { $0.integer($1) } }
            }
        }
        #expect(written == Array(try encoder.encode(sample)))
    }

    /// Every byte that needs an escape is found wherever it falls, beside ASCII, multi-byte UTF-8
    /// and bytes just above and below the limits.
    @Test func everyEscapeIsFoundAtEveryOffset() throws {
        let pieces = ["a", "Z", "0", " ", "!", "#", "[", "]", "\"", "\\", "/", "\u{0}", "\u{1f}", "\n", "\u{7f}", "é", "张", "😀", "\u{20}"]
        var random = SeededRandom(seed: 20261204)
        for length in 0..<40 {
            for _ in 0..<25 {
                let text = (0..<length).map { _ in pieces[Int(random.next() % UInt64(pieces.count))] }.joined()
                #expect(CanonicalJSON.bytes { $0.string(text) } == Array(try Self.encoder.encode(text)), "\(text.debugDescription)")
            }
        }
    }
}
