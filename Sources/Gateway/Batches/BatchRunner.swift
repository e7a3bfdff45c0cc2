import Attestation
import Foundation
import GatewayAPI
import Logging
import ServiceLifecycle

/// Runs batch jobs in the background, oldest first, a chunk of candidates at a time.
///
/// A chunk is one archive read, one audit write and one store write (``CheckService``); its result
/// lines are appended to the job's results file and synced before the job's progress is committed.
/// Chunks go through these steps as a pipeline: one is judged, the one before it audited and the one
/// before that stored and written, at the same time.
/// On graceful shutdown the runner stops between chunks; at the next start it resumes whatever was
/// queued or running. A chunk cut short by a crash is answered again (its first answers remain in
/// the audit log, as every answer given does); the results file holds each line once.
package final class BatchRunner: Service, Sendable {
    let store: BatchJobStore
    let checks: CheckService
    let logger: Logger
    let chunkSize: Int
    private let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation

    init(store: BatchJobStore, checks: CheckService, logger: Logger, chunkSize: Int = 2000) {
        self.store = store
        self.checks = checks
        self.logger = logger
        self.chunkSize = chunkSize
        (wakeups, wake) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// A job was queued.
    func notify() { wake.yield() }

    package func run() async throws {
        var signals = wakeups.cancelOnGracefulShutdown().makeAsyncIterator()
        repeat {
            while !Task.isShuttingDownGracefully, let job = try store.nextUnfinished() {
                do {
                    try await process(job)
                } catch {
                    var failed = job
                    failed.status = .failed
                    failed.failure = "the job stopped: \(type(of: error))"
                    failed.finishedAt = Date()
                    try store.progress(failed)
                    logger.error("batch job failed", metadata: ["batch": "\(job.id)", "error": "\(type(of: error))"])
                }
            }
        } while await signals.next() != nil
    }

    private func process(_ job: BatchJobStore.Job) async throws {
        var job = job
        job.status = .running
        let terms = try checks.terms(purpose: job.terms.purpose, policy: job.terms.policy, asOf: job.terms.asOf, operator: job.terms.operator)
        let caller = Caller(client: .init(id: job.clientID, roles: [.bureau]), peer: .init(fingerprint: job.fingerprint, subject: ""))
        var input = try LineChunks(file: store.input(job.id), offset: job.inputOffset)
        defer { input.close() }
        let resultsURL = store.results(job.id)
        if !FileManager.default.fileExists(atPath: resultsURL.path) {
            FileManager.default.createFile(atPath: resultsURL.path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        let output = try FileHandle(forWritingTo: resultsURL)
        defer { try? output.close() }
        // Whatever a crash left after the last committed chunk goes.
        try output.truncate(atOffset: UInt64(job.resultsBytes))
        try output.seekToEnd()
        // The results' digest grows with each chunk written; a resumed job's earlier lines are read once.
        var digest = job.resultsBytes > 0 ? try ContentDigest.Streaming(contentsOf: resultsURL) : ContentDigest.Streaming()

        // Three stages overlap: while chunk n is stored and its lines written (on this task), chunk
        // n + 1 is audited and chunk n + 2 read and judged. The audit write and the store write each
        // wait on their own disk syncs; one after the other, the job used one core of two.
        var judged = try await prepare(input.next(chunkSize), from: job.done, terms: terms, caller: caller)
        var read = job.done + (judged?.lines ?? 0)
        var audited: (chunk: Chunk, answers: CheckService.Committed)?
        while judged != nil || audited != nil {
            // Stopping: what is audited is still stored and written; nothing new is audited, and the
            // job resumes after its last written chunk at the next start.
            let stopping = Task.isShuttingDownGracefully
            let toAudit = stopping ? nil : judged
            let following = toAudit != nil && read < job.total ? try input.next(chunkSize) : (lines: [], bytes: 0)
            let firstIndex = read
            read += following.lines.count
            async let upcoming = prepare(following, from: firstIndex, terms: terms, caller: caller)
            async let auditing = audit(toAudit)
            if let (chunk, answers) = audited {
                try await checks.save(answers)
                try write(chunk, answers, to: output, digest: &digest, job: &job)
            }
            audited = try await auditing
            judged = try await upcoming
        }
        // Stopped between chunks: the job stays running and resumes at the next start.
        if Task.isShuttingDownGracefully, job.done < job.total { return }
        job.status = .finished
        job.finishedAt = Date()
        job.resultsDigest = digest.header
        try store.progress(job)
        logger.info("batch job finished", metadata: ["batch": "\(job.id)", "lines": "\(job.done)"])
    }

    /// The audit write of a judged chunk.
    private func audit(_ chunk: Chunk?) async throws -> (chunk: Chunk, answers: CheckService.Committed)? {
        guard let chunk else { return nil }
        return (chunk, try await checks.audit(chunk.prepared))
    }

    /// Appends an audited and stored chunk's result lines, syncs them, and commits the job's progress.
    private func write(
        _ chunk: Chunk, _ answers: CheckService.Committed, to output: FileHandle, digest: inout ContentDigest.Streaming,
        job: inout BatchJobStore.Job
    ) throws {
        var items = chunk.items
        for (position, (result, json)) in zip(chunk.positions, zip(answers.results, answers.json)) {
            items[position].answer = json
            switch result.decision {
            case .clear: job.counts.clear += 1
            case .review: job.counts.review += 1
            case .ineligible: job.counts.ineligible += 1
            }
        }
        var bytes = Data()
        for item in items {
            bytes.append(CanonicalJSON.encode { $0.write(item) })
            bytes.append(UInt8(ascii: "\n"))
        }
        try output.write(contentsOf: bytes)
        try output.synchronize()
        digest.update(bytes)
        job.done += chunk.lines
        job.counts.errors += chunk.errors
        job.inputOffset += chunk.bytes
        job.resultsBytes += bytes.count
        try store.progress(job)
    }

    /// A chunk read and judged, waiting to be committed.
    struct Chunk: Sendable {
        var items: [ResultLine]
        /// Where each prepared answer goes among `items`.
        var positions: [Int]
        var prepared: CheckService.Prepared
        var lines: Int
        var bytes: Int
        var errors: Int
    }

    /// Parses and validates a chunk's lines (each bad one gets its problem) and judges the rest.
    private func prepare(
        _ read: (lines: [ArraySlice<UInt8>], bytes: Int), from firstIndex: Int, terms: CheckQuestion.Terms, caller: Caller
    ) async throws -> Chunk? {
        guard !read.lines.isEmpty else { return nil }
        var questions: [CheckQuestion] = []
        var positions: [Int] = []
        var items: [ResultLine] = []
        var errors = 0
        for (offset, line) in read.lines.enumerated() {
            let index = firstIndex + offset
            let candidate = try? CheckStore.decoder.decode(Components.Schemas.BatchCandidate.self, from: Data(line))
            do throws(Problem) {
                guard let candidate else { throw Problem.malformed("line \(index + 1) is not a JSON object with name and idNumber") }
                questions.append(try CheckQuestion(name: candidate.name, idNumber: candidate.idNumber, terms: terms, pointer: "/\(index)"))
                positions.append(offset)
                items.append(ResultLine(index: index, reference: candidate.reference))
            } catch {
                items.append(ResultLine(index: index, reference: candidate?.reference, error: .init(error)))
                errors += 1
            }
        }
        let prepared = try await checks.prepare(questions, terms: terms, caller: caller, operation: "createBatchJob")
        return Chunk(items: items, positions: positions, prepared: prepared, lines: read.lines.count, bytes: read.bytes, errors: errors)
    }

    /// One line of a job's results.
    struct ResultLine: Sendable {
        var index: Int
        var reference: String?
        /// The answer's JSON as sent (``CheckService/Committed/json``), written as the line's `result`.
        var answer: Data?
        var error: Components.Schemas.Problem?
    }
}
