import CreditCore
import Foundation

/// The rows of the results CSV for one batch job (and the bad rows among its lines), in input
/// order: line, reference, name, masked ID, decision, reasons, check id, receipt, error.
struct ResultRows {
    private struct Line: Decodable {
        var index: Int
        var result: Answer?
        var error: ProblemSummary?
    }

    private struct Answer: Decodable {
        struct Reason: Decodable {
            var ruleId: String
            var title: String
        }
        var checkId: String
        var decision: String
        var reasons: [Reason]
        var candidate: [String: String]
    }

    private(set) var bytes: [UInt8] = []
    private(set) var counts = BatchState.Counts()

    /// The rows of a job's verified results receipt.
    init(receipt file: URL, candidates: [CandidateFile.Candidate], badRows: [CandidateFile.BadRow]) throws {
        let reader = try ReceiptReader(file)
        let decoder = JSONDecoder()
        var answered: [String?] = Array(repeating: nil, count: candidates.count)
        var counts = BatchState.Counts()
        var lines = LineSplitter()
        func row(_ text: ArraySlice<UInt8>) throws {
            guard !text.isEmpty else { return }
            let line = try decoder.decode(Line.self, from: Data(text))
            guard candidates.indices.contains(line.index), answered[line.index] == nil else {
                throw ClientFailure.server(status: 0, detail: "the results name line \(line.index), which was not sent or came twice")
            }
            let candidate = candidates[line.index]
            var fields = [String(candidate.line), candidate.reference ?? "", candidate.name, candidate.maskedID]
            if let result = line.result {
                fields += [result.decision, result.reasons.map { "\($0.ruleId): \($0.title)" }.joined(separator: "; "), result.checkId, file.path, ""]
                switch result.decision {
                case "CLEAR": counts.clear += 1
                case "REVIEW": counts.review += 1
                default: counts.ineligible += 1
                }
            } else {
                fields += ["", "", "", file.path, line.error?.description ?? "no answer"]
                counts.refused += 1
            }
            answered[line.index] = CSV.record(fields) + "\r\n"
        }
        while let block = try reader.next() { try lines.feed(block, row) }
        try lines.finish(row)
        self.counts = counts
        let rows = answered.compactMap { $0 }
        guard rows.count == candidates.count else {
            throw ClientFailure.server(status: 0, detail: "the results of \(file.lastPathComponent) miss lines")
        }
        // Bad rows go between the answered ones, by line number.
        var bad = badRows[...]
        for (candidate, row) in zip(candidates, rows) {
            while let next = bad.first, next.line < candidate.line { append(bad.removeFirst()) }
            bytes += Array(row.utf8)
        }
        bad.forEach { append($0) }
    }

    /// Rows for bad rows alone (those after the last candidate).
    init(badRows: [CandidateFile.BadRow]) {
        badRows.forEach { append($0) }
    }

    private mutating func append(_ row: CandidateFile.BadRow) {
        let error = "\(row.code): \(row.reason)" + (row.column.isEmpty ? "" : " (\(row.column))")
        bytes += Array((CSV.record([String(row.line), row.reference, row.name, "", "", "", "", "", error]) + "\r\n").utf8)
    }
}
