import Attestation
import Foundation
@testable import Gateway
import GatewayAPI
import Testing

/// The direct writer of answers makes exactly what the generic encoder makes.
@Suite("Answer JSON")
struct AnswerJSONTests {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static let awkward = "a\"b\\c/d\u{1}\u{8}\t\n\u{c}\r\u{1f}\u{7f}张三·é😀"

    static func result(_ text: String, optionals: Bool) -> Components.Schemas.CheckResult {
        let evidence = Components.Schemas.Evidence(
            source: .defaulter, entryId: "D\(text.count)", status: .active, matchKind: optionals ? .probable : nil,
            publishedId: optionals ? "110105********002X" : nil, caseNumber: text, court: optionals ? text : nil,
            situation: optionals ? "以伪造证据、暴力、威胁等方法妨碍、抗拒执行" : nil, listedOn: "2014-09-18",
            deletedOn: optionals ? "2020-01-02" : nil, recordId: optionals ? text : nil, category: optionals ? "c" : nil,
            kind: optionals ? "k" : nil, sanction: optionals ? "s" : nil, severity: optionals ? "严重" : nil, issuer: optionals ? text : nil,
            decidedOn: optionals ? "2019-01-01" : nil, effectiveUntil: optionals ? "2030-01-01" : nil, repairedOn: optionals ? "2021-01-01" : nil)
        return Components.Schemas.CheckResult(
            checkId: "chk_01m89c321cg0dwxzw0gbb8a7v5", decision: .ineligible,
            reasons: optionals ? [.init(ruleId: "R-1", outcome: .review, title: text, basis: "《法》第一条", evidence: evidence)] : [],
            candidate: .init(maskedId: "110105********002X", name: text), purpose: optionals ? .init(code: "x", recruitmentId: text, consentReference: "c/1") : nil,
            _operator: optionals ? text : nil, policy: .init(name: "civil-service-2026", version: "2026.1"),
            archive: .init(version: "3:abc", sequence: 3, contentHash: "abc"), asOf: "2026-11-01",
            checkedAt: Date(timeIntervalSince1970: optionals ? 1_795_611_002.987 : 0), recommendationOnly: optionals ? true : nil,
            audit: .init(logIndex: 41, leafHash: "Zm9v+/==", treeSize: 42, checkpoint: "o/audit\n42\nabc=\n\n— o/audit xyz=\n",
                         inclusionProof: optionals ? ["a+/=", "b"] : []))
    }

    @Test(arguments: [("plain", true), ("plain", false), (awkward, true), (awkward, false)])
    func answersAreWrittenAsTheEncoderWouldWriteThem(text: String, optionals: Bool) throws {
        let result = Self.result(text, optionals: optionals)
        #expect(CanonicalJSON.encode(result) == (try Self.encoder.encode(result)))
        #expect(CanonicalJSON.encode(result.audit) == (try Self.encoder.encode(result.audit)))
        // And they read back as the same values.
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        var back = try decoder.decode(Components.Schemas.CheckResult.self, from: CanonicalJSON.encode(result))
        back.checkedAt = result.checkedAt
        #expect(back == result)
    }

    @Test(arguments: ["plain", awkward])
    func anAnswerEncodedBeforeItsReceiptGetsItInPlace(text: String) throws {
        let result = Self.result(text, optionals: true)
        var pending = result
        pending.audit = .pending
        let answer = EncodedAnswer(pending)
        #expect(answer.pending == CanonicalJSON.encode(pending))
        #expect(answer.with(receipt: CanonicalJSON.encode(result.audit)) == CanonicalJSON.encode(result))
        #expect(Data(CanonicalJSON.bytes { answer.write(receipt: CanonicalJSON.encode(result.audit), into: &$0) }) == CanonicalJSON.encode(result))
        #expect(Self.audited(result).json == CanonicalJSON.encode(result))
    }

    /// An answer as the log's receipt leaves it: made before the receipt, the receipt beside it.
    static func audited(_ result: Components.Schemas.CheckResult) -> AuditedAnswer {
        var pending = result
        pending.audit = .pending
        return AuditedAnswer(encoded: EncodedAnswer(pending), receipt: CanonicalJSON.encode(result.audit))
    }

    @Test func problemsToo() throws {
        let problem = Components.Schemas.Problem(_type: "https://creditgate.local/problems/id.checksum", title: "A field is not valid", status: 422,
                                                 detail: Self.awkward, code: "id.checksum", pointer: "/candidates/3/idNumber")
        #expect(CanonicalJSON.encode { $0.write(problem) } == (try Self.encoder.encode(problem)))
    }

    /// An inline batch is sent as written here, not as the generated server would encode its value.
    @Test(arguments: ["plain", awkward])
    func inlineBatchesAreWrittenAsTheEncoderWouldWriteThem(text: String) throws {
        let answers = [Self.result(text, optionals: true), Self.result(text, optionals: false)]
        let problem = Components.Schemas.Problem(_type: "https://creditgate.local/problems/id.checksum", title: "A field is not valid", status: 422,
                                                 detail: text, code: "id.checksum", pointer: "/candidates/1/idNumber")
        let items: [Components.Schemas.BatchItem] = [
            .init(index: 0, reference: text, result: answers[0]), .init(index: 1, reference: "r-1", error: problem),
            .init(index: 2, result: answers[1]),
        ]
        let summary = Components.Schemas.BatchSummary(total: 3, clear: 0, review: 0, ineligible: 2, errors: 1)
        let lines = items.map { item in
            BatchRunner.ResultLine(index: item.index, reference: item.reference, answer: item.result.map(Self.audited), error: item.error)
        }
        #expect(CanonicalJSON.encode(batch: lines, summary: summary)
            == (try Self.encoder.encode(Components.Schemas.BatchCheckResult(items: items, summary: summary))))
    }
}
