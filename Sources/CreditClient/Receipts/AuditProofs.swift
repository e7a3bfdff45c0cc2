import Foundation

/// The audit receipts an answer body carries: one for a check or a disposition, one per answered
/// candidate of an inline batch, one per answered line of a batch job's NDJSON results.
///
/// Only the fields a proof needs are decoded, so a job's results are read quickly.
enum AuditProofs {
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

    /// A line of a batch job's results.
    private struct Item: Decodable {
        var result: Answer?
    }

    /// A check or disposition (`audit`), a stored check (`result`), an inline batch (`items`).
    private struct Body: Decodable {
        var audit: Audit?
        var result: Answer?
        var items: [Item]?
    }

    /// Whether a body of this type is NDJSON, read line by line.
    static func isLines(_ contentType: String?) -> Bool {
        contentType?.lowercased().hasPrefix("application/x-ndjson") == true
    }

    /// The receipt of one NDJSON line (nil for a line that reports an error).
    static func line(_ bytes: ArraySlice<UInt8>, decoder: JSONDecoder) throws -> Audit? {
        try decoder.decode(Item.self, from: Data(bytes)).result?.audit
    }

    /// The receipts of a JSON body (none for a body that is not a JSON object, such as a checkpoint).
    static func body(_ bytes: [UInt8], contentType: String?) throws -> [Audit] {
        guard contentType?.lowercased().hasPrefix("application/json") == true, bytes.first == UInt8(ascii: "{") else { return [] }
        let decoded = try JSONDecoder().decode(Body.self, from: Data(bytes))
        return [decoded.audit, decoded.result?.audit].compactMap { $0 } + (decoded.items ?? []).compactMap { $0.result?.audit }
    }
}
