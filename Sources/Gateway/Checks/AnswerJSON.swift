import Attestation
import Foundation
import GatewayAPI

/// The JSON of answers as the gateway stores and streams them (digested for the audit entry,
/// stored, written to batch results), keys in sorted order.
extension CanonicalJSON {
    static func encode(_ result: Components.Schemas.CheckResult) -> Data { encode { $0.write(result) } }
    static func encode(_ receipt: Components.Schemas.AuditReceipt) -> Data { encode { $0.write(receipt) } }

    mutating func write(_ result: Components.Schemas.CheckResult) {
        var receipt: Range<Int>?
        write(result, receipt: &receipt)
    }

    /// Writes an answer and tells where its receipt went: an answer is encoded once, before its
    /// receipt exists, and the receipt put in its place afterwards (``EncodedAnswer``).
    mutating func write(_ result: Components.Schemas.CheckResult, receipt: inout Range<Int>?) {
        object { o in
            o.field("archive") { $0.write(result.archive) }
            o.string("asOf", result.asOf)
            o.field("audit") { json in
                let start = json.bytes.count
                json.write(result.audit)
                receipt = start..<json.bytes.count
            }
            o.field("candidate") { json in
                json.object { $0.string("maskedId", result.candidate.maskedId); $0.string("name", result.candidate.name) }
            }
            o.string("checkId", result.checkId)
            o.field("checkedAt") { $0.date(result.checkedAt) }
            o.string("decision", result.decision.rawValue)
            o.string("operator", result._operator)
            o.field("policy") { json in json.object { $0.string("name", result.policy.name); $0.string("version", result.policy.version) } }
            if let purpose = result.purpose {
                o.field("purpose") { json in
                    json.object {
                        $0.string("code", purpose.code)
                        $0.string("consentReference", purpose.consentReference)
                        $0.string("recruitmentId", purpose.recruitmentId)
                    }
                }
            }
            o.field("reasons") { $0.array(result.reasons) { $0.write($1) } }
            if let only = result.recommendationOnly { o.field("recommendationOnly") { $0.bool(only) } }
        }
    }

    mutating func write(_ version: Components.Schemas.ArchiveVersion) {
        object {
            $0.string("contentHash", version.contentHash)
            $0.integer("sequence", version.sequence)
            $0.string("version", version.version)
        }
    }

    mutating func write(_ receipt: Components.Schemas.AuditReceipt) {
        object { o in
            o.string("checkpoint", receipt.checkpoint)
            o.field("inclusionProof") { $0.array(receipt.inclusionProof) { $0.string($1) } }
            o.string("leafHash", receipt.leafHash)
            o.integer("logIndex", receipt.logIndex)
            o.integer("treeSize", receipt.treeSize)
        }
    }

    mutating func write(_ reason: Components.Schemas.Reason) {
        object { o in
            o.string("basis", reason.basis)
            o.field("evidence") { $0.write(reason.evidence) }
            o.string("outcome", reason.outcome.rawValue)
            o.string("ruleId", reason.ruleId)
            o.string("title", reason.title)
        }
    }

    mutating func write(_ evidence: Components.Schemas.Evidence) {
        object { o in
            o.string("caseNumber", evidence.caseNumber)
            o.string("category", evidence.category)
            o.string("court", evidence.court)
            o.string("decidedOn", evidence.decidedOn)
            o.string("deletedOn", evidence.deletedOn)
            o.string("effectiveUntil", evidence.effectiveUntil)
            o.string("entryId", evidence.entryId)
            o.string("issuer", evidence.issuer)
            o.string("kind", evidence.kind)
            o.string("listedOn", evidence.listedOn)
            o.string("matchKind", evidence.matchKind?.rawValue)
            o.string("publishedId", evidence.publishedId)
            o.string("recordId", evidence.recordId)
            o.string("repairedOn", evidence.repairedOn)
            o.string("sanction", evidence.sanction)
            o.string("severity", evidence.severity)
            o.string("situation", evidence.situation)
            o.string("source", evidence.source.rawValue)
            o.string("status", evidence.status.rawValue)
        }
    }

    /// An inline batch's answer (`BatchCheckResponse`): its items written as a job's result lines
    /// are (none has a watch), each answer's JSON as made.
    static func encode(batch items: [BatchRunner.ResultLine], summary: Components.Schemas.BatchSummary) -> Data {
        encode(capacity: items.reduce(128) { $0 + ($1.answer?.count ?? 0) + 64 }) { json in
            json.object { o in
                o.field("items") { $0.array(items) { $0.write($1) } }
                o.field("summary") { json in
                    json.object {
                        $0.integer("clear", summary.clear)
                        $0.integer("errors", summary.errors)
                        $0.integer("ineligible", summary.ineligible)
                        $0.integer("review", summary.review)
                        $0.integer("total", summary.total)
                    }
                }
            }
        }
    }

    /// A job's result lines, each followed by a newline, in one buffer (not a buffer per line
    /// copied into the chunk's: each line carries a 2–3 KB answer).
    static func encode(lines items: [BatchRunner.ResultLine]) -> Data {
        encode(capacity: items.reduce(0) { $0 + ($1.answer?.count ?? 0) + 96 }) { json in
            for item in items {
                json.write(item)
                json.raw(CollectionOfOne(UInt8(ascii: "\n")))
            }
        }
    }

    mutating func write(_ line: BatchRunner.ResultLine) {
        object { o in
            if let error = line.error { o.field("error") { $0.write(error) } }
            o.integer("index", line.index)
            o.string("reference", line.reference)
            if let answer = line.answer { o.field("result") { answer.write(into: &$0) } }
            o.string("watchId", line.watchID)
        }
    }

    mutating func write(_ problem: Components.Schemas.Problem) {
        object { o in
            o.string("code", problem.code)
            o.string("detail", problem.detail)
            o.string("instance", problem.instance)
            o.string("pointer", problem.pointer)
            o.integer("status", problem.status)
            o.string("title", problem.title)
            o.string("type", problem._type)
        }
    }
}

/// An answer's JSON made before its audit receipt exists (the receipt left empty: what its audit
/// digest is taken over and what the store keeps), and where the receipt goes.
struct EncodedAnswer: Sendable {
    let pending: Data
    private let receiptRange: Range<Int>

    /// Encodes `result`, whose receipt is ``Components/Schemas/AuditReceipt/pending``.
    init(_ result: Components.Schemas.CheckResult) {
        var range: Range<Int>?
        pending = CanonicalJSON.encode { $0.write(result, receipt: &range) }
        guard let range else { preconditionFailure("an answer is always written with its receipt") }
        receiptRange = range
    }

    /// The answer as sent: the receipt's JSON in its place; the same bytes as encoding the answer with the receipt.
    func with(receipt: Data) -> Data {
        var sent = Data(capacity: pending.count + receipt.count)
        parts(receipt) { sent.append($0) }
        return sent
    }

    /// Writes the answer as sent (``with(receipt:)``) straight into a larger JSON (a batch's items,
    /// a job's result lines), without making its bytes apart first.
    func write(receipt: Data, into json: inout CanonicalJSON) {
        parts(receipt) { json.raw($0) }
    }

    /// The answer as sent, in order: what comes before the receipt, the receipt, what comes after.
    private func parts(_ receipt: Data, _ body: (Data) -> Void) {
        body(pending[..<receiptRange.lowerBound])
        body(receipt)
        body(pending[receiptRange.upperBound...])
    }
}

/// An audited answer as its two pieces of JSON, the answer made before its receipt and the
/// receipt, put together only where they are written (``json``, ``write(into:)``).
struct AuditedAnswer: Sendable {
    let encoded: EncodedAnswer
    let receipt: Data

    /// Bytes of the answer as sent.
    var count: Int { encoded.pending.count + receipt.count }

    /// The answer as sent (a single check's body).
    var json: Data { encoded.with(receipt: receipt) }

    func write(into json: inout CanonicalJSON) { encoded.write(receipt: receipt, into: &json) }
}
