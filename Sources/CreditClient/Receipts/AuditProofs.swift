import Foundation

/// The audit receipts an answer body carries: one for a check or a disposition, one per answered
/// candidate of an inline batch, one per answered line of a batch job's NDJSON results.
///
/// Only the fields a proof needs are decoded, so a job's results (hundreds of megabytes) are read
/// quickly.
struct AuditProofs {
    struct Audit: Decodable {
        var logIndex: Int64
        var leafHash: String
        var treeSize: Int64
        var checkpoint: String
        var inclusionProof: [String]
    }

    private struct Answer: Decodable {
        var audit: Audit?
    }

    private struct Item: Decodable {
        var result: Answer?
    }

    /// A check or disposition (`audit`), a stored check (`result`), an inline batch (`items`).
    private struct Body: Decodable {
        var audit: Audit?
        var result: Answer?
        var items: [Item]?
    }

    var receipts: [Audit] = []

    init(body: [UInt8], contentType: String?) throws {
        let decoder = JSONDecoder()
        let type = contentType?.lowercased() ?? ""
        if type.hasPrefix("application/x-ndjson") {
            for line in body.split(separator: 0x0A) where !line.isEmpty {
                if let audit = try decoder.decode(Item.self, from: Data(line)).result?.audit { receipts.append(audit) }
            }
        } else if type.hasPrefix("application/json"), body.first == UInt8(ascii: "{") {
            let decoded = try decoder.decode(Body.self, from: Data(body))
            receipts += [decoded.audit, decoded.result?.audit].compactMap { $0 }
            receipts += (decoded.items ?? []).compactMap { $0.result?.audit }
        }
    }
}
