import CreditCore
import Foundation

/// Writes the results CSV's rows for one batch job (and the bad rows among its lines) while the
/// job's results stream in, in input order: line, reference, name, masked ID, decision, reasons,
/// check id, receipt, error. A job answers in input order, so no row waits for another: a
/// million-row job needs no more memory than a small one.
///
/// Each results line is decoded once, for its row and for its audit receipt (handed back to be
/// proven). The rows count only once the whole receipt has verified: until the run saves its
/// progress, a resumed run cuts them off again.
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
        var audit: AuditProofs.Audit?
    }

    private let output: FileHandle
    private let candidates: [CandidateFile.Candidate]
    private var badRows: ArraySlice<CandidateFile.BadRow>
    private let receipt: String
    private let decoder = JSONDecoder()
    private var next = 0
    private var buffer: [UInt8] = []
    private(set) var counts = BatchState.Counts()

    /// Rows for the answers to `candidates`, kept in `receipt`, with `badRows` placed among them by line.
    init(output: FileHandle, candidates: [CandidateFile.Candidate] = [], badRows: [CandidateFile.BadRow], receipt: String = "") {
        self.output = output
        self.candidates = candidates
        self.badRows = badRows[...]
        self.receipt = receipt
    }

    /// One line of the job's results: its row is written; its audit receipt is returned.
    mutating func line(_ text: ArraySlice<UInt8>) throws -> AuditProofs.Audit? {
        let line = try decoder.decode(Line.self, from: Data(text))
        guard line.index == next, candidates.indices.contains(line.index) else {
            throw ClientFailure.server(status: 0, detail: "the results give line \(line.index) where line \(next) was due")
        }
        next += 1
        let candidate = candidates[line.index]
        while let first = badRows.first, first.line < candidate.line { try append(badRows.removeFirst()) }
        var fields = [String(candidate.line), candidate.reference ?? "", candidate.name, candidate.maskedID]
        if let result = line.result {
            fields += [result.decision, result.reasons.map { "\($0.ruleId): \($0.title)" }.joined(separator: "; "), result.checkId, receipt, ""]
            switch result.decision {
            case "CLEAR": counts.clear += 1
            case "REVIEW": counts.review += 1
            default: counts.ineligible += 1
            }
        } else {
            fields += ["", "", "", receipt, line.error?.description ?? "no answer"]
            counts.refused += 1
        }
        try append(CSV.record(fields))
        return line.result?.audit
    }

    /// The bad rows left, once every candidate was answered; then the rows are synced.
    mutating func finish() throws {
        guard next == candidates.count else {
            throw ClientFailure.server(status: 0, detail: "the results end after \(next) of \(candidates.count) lines")
        }
        while let row = badRows.popFirst() { try append(row) }
        try output.write(contentsOf: buffer)
        buffer.removeAll()
        try output.synchronize()
    }

    private mutating func append(_ row: CandidateFile.BadRow) throws {
        let error = "\(row.code): \(row.reason)" + (row.column.isEmpty ? "" : " (\(row.column))")
        try append(CSV.record([String(row.line), row.reference, row.name, "", "", "", "", "", error]))
    }

    private mutating func append(_ record: String) throws {
        buffer += Array(record.utf8)
        buffer += [0x0D, 0x0A]
        if buffer.count >= 1 << 20 {
            try output.write(contentsOf: buffer)
            buffer.removeAll(keepingCapacity: true)
        }
    }
}
