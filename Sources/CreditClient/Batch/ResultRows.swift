import CreditCore
import Foundation

/// Writes the results CSV's rows for one batch job (and the bad rows among its lines) as the job's
/// receipt is read, in input order: line, reference, name, masked ID, decision, reasons, check id,
/// receipt, error. A job answers in input order, so no row waits for another: a million-row job
/// needs no more memory than a small one.
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
    }

    private let output: FileHandle
    private var buffer: [UInt8] = []
    private(set) var counts = BatchState.Counts()

    init(output: FileHandle) { self.output = output }

    /// The rows of a job's verified results receipt, with the bad rows that fall among them.
    mutating func write(receipt file: URL, candidates: [CandidateFile.Candidate], badRows: [CandidateFile.BadRow]) throws {
        let reader = try ReceiptReader(file)
        let decoder = JSONDecoder()
        var bad = badRows[...]
        var next = 0
        var lines = LineSplitter()
        func row(_ text: ArraySlice<UInt8>) throws {
            guard !text.isEmpty else { return }
            let line = try decoder.decode(Line.self, from: Data(text))
            guard line.index == next, candidates.indices.contains(line.index) else {
                throw ClientFailure.server(status: 0, detail: "the results give line \(line.index) where line \(next) was due")
            }
            next += 1
            let candidate = candidates[line.index]
            while let first = bad.first, first.line < candidate.line { try append(bad.removeFirst()) }
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
            try append(CSV.record(fields))
        }
        while let block = try reader.next() { try lines.feed(block, row) }
        try lines.finish(row)
        guard next == candidates.count else {
            throw ClientFailure.server(status: 0, detail: "the results of \(file.lastPathComponent) end after \(next) of \(candidates.count) lines")
        }
        for row in bad { try append(row) }
        try flush()
    }

    /// Bad rows alone (those after the last candidate).
    mutating func write(badRows: [CandidateFile.BadRow]) throws {
        for row in badRows { try append(row) }
        try flush()
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

    /// Writes what is buffered and syncs it: progress is saved only after its rows are on disk.
    mutating func flush() throws {
        try output.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
        try output.synchronize()
    }
}
