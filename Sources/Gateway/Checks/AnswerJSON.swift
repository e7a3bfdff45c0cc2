import CreditCore
import Foundation
import GatewayAPI

/// The JSON of answers as the gateway stores and streams them, written directly.
///
/// Byte for byte what `JSONEncoder` with `[.sortedKeys, .withoutEscapingSlashes]` and ISO 8601
/// dates makes of the same values (a test holds it to that), at a fraction of the cost: an answer
/// is encoded for its audit digest, for the store and for a batch job's results, and the generic
/// encoder spent more time on that than the archive lookup, the policy and the audit write together.
/// Every writer below lists its keys in sorted order.
struct AnswerJSON {
    private(set) var bytes: [UInt8] = []

    static func encode(_ write: (inout AnswerJSON) -> Void) -> Data {
        var json = AnswerJSON()
        json.bytes.reserveCapacity(2048)
        write(&json)
        return Data(json.bytes)
    }

    // MARK: Values

    mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        // Most strings (hashes, proofs, dates, Chinese text) need no escape: copied at once.
        if !value.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            bytes.append(contentsOf: value.utf8)
            bytes.append(UInt8(ascii: "\""))
            return
        }
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x08: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "b")]
            case 0x09: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0x0A: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0C: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "f")]
            case 0x0D: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0..<0x20: bytes += Array("\\u00".utf8) + Array(Hex.lowercase([byte]).utf8)
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func integer(_ value: some BinaryInteger) { bytes += Array(String(value).utf8) }

    mutating func bool(_ value: Bool) { bytes += Array((value ? "true" : "false").utf8) }

    /// ISO 8601 in UTC, whole seconds (`2026-11-25T08:00:00Z`), as `.iso8601` writes it.
    mutating func date(_ value: Date) {
        let seconds = Int64(value.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let time = Int(seconds - days * 86_400)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        string("\(CalendarDay(dayNumber: Int(days)))T\(two(time / 3600)):\(two(time / 60 % 60)):\(two(time % 60))Z")
    }

    mutating func array<T>(_ values: [T], _ element: (inout AnswerJSON, T) -> Void) {
        bytes.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            element(&self, value)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// An object; `fields` adds its members through ``Object`` in sorted key order.
    mutating func object(_ fields: (inout Object) -> Void) {
        var object = Object(json: self)
        bytes = []
        object.json.bytes.append(UInt8(ascii: "{"))
        fields(&object)
        object.json.bytes.append(UInt8(ascii: "}"))
        self = object.json
    }

    struct Object {
        fileprivate var json: AnswerJSON
        private var first = true

        fileprivate init(json: AnswerJSON) { self.json = json }

        /// A member; an absent optional is left out, as the synthesized `Encodable` does.
        mutating func field(_ key: String, _ write: (inout AnswerJSON) -> Void) {
            if !first { json.bytes.append(UInt8(ascii: ",")) }
            first = false
            json.string(key)
            json.bytes.append(UInt8(ascii: ":"))
            write(&json)
        }

        mutating func string(_ key: String, _ value: String?) { if let value { field(key) { $0.string(value) } } }
        mutating func integer(_ key: String, _ value: (some BinaryInteger)?) { if let value { field(key) { $0.integer(value) } } }
    }
}

// MARK: - The answer's parts, keys sorted

extension AnswerJSON {
    static func encode(_ result: Components.Schemas.CheckResult) -> Data { encode { $0.write(result) } }
    static func encode(_ receipt: Components.Schemas.AuditReceipt) -> Data { encode { $0.write(receipt) } }

    mutating func write(_ result: Components.Schemas.CheckResult) {
        object { o in
            o.field("archive") { $0.write(result.archive) }
            o.string("asOf", result.asOf)
            o.field("audit") { $0.write(result.audit) }
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

    mutating func write(_ line: BatchRunner.ResultLine) {
        object { o in
            if let error = line.error { o.field("error") { $0.write(error) } }
            o.integer("index", line.index)
            o.string("reference", line.reference)
            if let result = line.result { o.field("result") { $0.write(result) } }
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
