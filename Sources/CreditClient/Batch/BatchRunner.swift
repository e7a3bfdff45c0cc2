import Attestation
import CreditCore
import Foundation
import GatewayAPI
import OpenAPIRuntime

/// Runs a candidate file through the gateway's batch jobs and writes the results CSV.
///
/// Batch jobs rather than inline batches, for every file: only a job can be resumed without
/// checking anyone twice. An inline request cut off mid-way leaves no way to learn whether the
/// gateway answered it; a job is named by an idempotency key saved before its upload (see
/// ``BatchState``). Files over `partSize` candidates go as several jobs, one after another.
///
/// Each job's results are kept as one receipt (the signed NDJSON as received) and verified —
/// digest, signature and every answer's audit proof — before a row of it is written.
package struct BatchRunner {
    package let connection: Connection
    package let labels: Labels
    package let terminal: Terminal
    package var partSize = 1_000_000
    /// How often a job's progress is asked for.
    package var pollInterval: Duration = .milliseconds(200)

    package init(connection: Connection, labels: Labels, terminal: Terminal) {
        self.connection = connection
        self.labels = labels
        self.terminal = terminal
    }

    package struct Summary: Sendable, Equatable {
        package var total = 0, clear = 0, review = 0, ineligible = 0, refused = 0, badRows = 0
        package var resumed = false
    }

    /// Checks `file`'s good candidates, writing `output` (UTF-8 with BOM: Excel reads it as such)
    /// with one row per input row, in input order, bad rows included with their reason.
    package func run(
        file: CandidateFile, output: URL, terms: BatchState.Terms, force: Bool
    ) async throws -> Summary {
        var summary = Summary(total: file.candidates.count + file.badRows.count, badRows: file.badRows.count)
        var state: BatchState
        if let saved = try BatchState.load(for: output) {
            guard saved.input == file.contentHash else {
                throw UsageError("\(output.path) belongs to a batch of another file; choose another output or remove \(BatchState.file(for: output).path)")
            }
            state = saved
            summary.resumed = true
        } else {
            if FileManager.default.fileExists(atPath: output.path), !force {
                throw UsageError("\(output.path) exists; pass --force to replace it")
            }
            let parts = stride(from: 0, to: file.candidates.count, by: partSize).map { _ in BatchState.Part(key: UUID().uuidString) }
            state = BatchState(input: file.contentHash, terms: terms, partSize: partSize, parts: parts, resultsBytes: 0)
            try Data(([0xEF, 0xBB, 0xBF] + Array((CSV.record(labels.resultsColumns) + "\r\n").utf8))).write(to: output)
            state.resultsBytes = try FileManager.default.attributesOfItem(atPath: output.path)[.size] as? Int ?? 0
            try state.save(for: output)
        }
        try FileManager.default.createDirectory(at: connection.folder.url, withIntermediateDirectories: true)
        let results = try FileHandle(forUpdating: output)
        defer { try? results.close() }
        try results.truncate(atOffset: UInt64(state.resultsBytes))
        try results.seekToEnd()

        let partsDone = state.parts.prefix { $0.counts != nil }.count
        var progress = ProgressLine(total: file.candidates.count, doneBefore: min(file.candidates.count, partsDone * state.partSize),
                                    enabled: terminal.progress)
        var badRows = file.badRows[...]
        for (number, part) in state.parts.enumerated() {
            let candidates = Array(file.candidates[(number * state.partSize)..<min(file.candidates.count, (number + 1) * state.partSize)])
            let before = number * state.partSize
            let lastLine = number + 1 < state.parts.count ? file.candidates[(number + 1) * state.partSize].line : Int.max
            let pending = badRows.prefix { $0.line < lastLine }
            badRows = badRows.dropFirst(pending.count)
            if part.counts != nil {
                progress.update(done: before + candidates.count)
                continue
            }
            var job: Components.Schemas.BatchJob
            if let id = part.batchId {
                job = try await connection.call { try await $0.getBatchJob(path: .init(batchId: id)) }.output.ok.body.json
            } else {
                job = try await submit(candidates, key: part.key, terms: state.terms)
                state.parts[number].batchId = job.batchId
                try state.save(for: output)
            }
            while job.status == .queued || job.status == .running {
                progress.update(done: before + Int(job.done))
                try await Task.sleep(for: pollInterval)
                job = try await connection.call { try await $0.getBatchJob(path: .init(batchId: job.batchId)) }.output.ok.body.json
            }
            guard job.status == .finished else {
                throw ClientFailure.server(status: 0, detail: "batch job \(job.batchId) failed: \(job.failure ?? "no reason given")")
            }
            progress.update(done: before + candidates.count, force: true)
            progress.note(labels.verifying)
            var rows = ResultRows(output: results, candidates: candidates, badRows: Array(pending),
                                  receipt: connection.folder.url.appendingPathComponent("\(job.batchId).receipt").path)
            try await fetch(job.batchId, into: &rows)
            state.resultsBytes = Int(try results.offset())
            state.parts[number].counts = rows.counts
            try state.save(for: output)
        }
        if !badRows.isEmpty {
            var rows = ResultRows(output: results, badRows: Array(badRows))
            try rows.finish()
        }
        progress.finish()
        for counts in state.parts.compactMap(\.counts) {
            summary.clear += counts.clear
            summary.review += counts.review
            summary.ineligible += counts.ineligible
            summary.refused += counts.refused
        }
        BatchState.remove(for: output)
        return summary
    }

    /// Uploads one part as a job under its idempotency key.
    private func submit(_ candidates: [CandidateFile.Candidate], key: String, terms: BatchState.Terms) async throws -> Components.Schemas.BatchJob {
        var body: [UInt8] = []
        body.reserveCapacity(candidates.count * 80)
        for candidate in candidates {
            body += CanonicalJSON.bytes(capacity: 96) { json in
                json.object { object in
                    object.string("idNumber", candidate.idNumber)
                    object.string("name", candidate.name)
                    object.string("reference", candidate.reference ?? "line \(candidate.line)")
                }
            }
            body.append(0x0A)
        }
        let output = try await connection.call {
            try await $0.createBatchJob(
                query: .init(purposeCode: terms.purpose, recruitmentId: terms.recruitmentId, consentReference: terms.consentReference,
                             policy: terms.policy, asOf: terms.asOf, _operator: terms.operator),
                headers: .init(idempotencyKey: key), body: .applicationXNdjson(HTTPBody(body)))
        }.output
        switch output {
        case .accepted(let accepted): return try accepted.body.json
        case .ok(let repeated): return try repeated.body.json
        default: throw ClientFailure.server(status: 0, detail: "unexpected answer to the batch upload")
        }
    }

    /// Streams a finished job's results into their receipt file and, in the same pass, verifies
    /// them (digest, signature, every proof) and writes their rows. The receipt is kept, and the
    /// rows count, only once everything verified.
    private func fetch(_ batchID: String, into rows: inout ResultRows) async throws {
        let file = connection.folder.url.appendingPathComponent("\(batchID).receipt")
        let partial = connection.folder.url.appendingPathComponent(".\(batchID).receipt.partial")
        let (output, head) = try await connection.call(streamsBody: true) { try await $0.getBatchJobResults(path: .init(batchId: batchID)) }
        let verifier = try await connection.verifier(for: head)
        var pass = ReceiptVerifier.Pass(verifier: verifier, head: head)
        FileManager.default.createFile(atPath: partial.path, contents: nil)
        let handle = try FileHandle(forWritingTo: partial)
        defer { try? handle.close() }
        try handle.write(contentsOf: head.head)
        do {
            for try await chunk in try output.ok.body.applicationXNdjson {
                try handle.write(contentsOf: chunk)
                pass.consume(Array(chunk)[...]) { try rows.line($0) }
            }
        } catch {
            throw ClientFailure.network("the results of \(batchID) were cut off: \(Connection.describe(error))")
        }
        let report = pass.finish { try rows.line($0) }
        try connection.accept(report, verifier: verifier)
        try handle.synchronize()
        try rows.finish()
        guard rename(partial.path, file.path) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }
}
