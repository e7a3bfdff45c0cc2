import Attestation
import CreditCore
import Foundation
import GatewayAPI
import Logging
import ServiceLifecycle
import Storage

/// Runs batch jobs in the background, oldest first, a chunk of candidates at a time.
///
/// A chunk is one archive read and one audit write (``CheckService``); its result lines, which are
/// where a job's answers are stored, and the job's progress are then committed together
/// (``BatchJobStore/commit(_:chunk:results:checks:owner:until:)``). Chunks go through these steps as
/// a pipeline, each step a task of its own handing chunks on through a ``Handoff``: while one chunk
/// is judged, the one before it is audited, the one before that put in its lines and the one before
/// that committed.
///
/// The runner works on a job only while it holds the job's lease, renewed by every commit. On
/// graceful shutdown it stops between chunks and frees the lease; a gateway that dies just stops
/// renewing. Either way another gateway sharing the store (or this one, restarted) resumes the job
/// after its last committed chunk. A chunk cut short by a crash is answered again (its first
/// answers remain in the audit log, as every answer given does); the results hold each line once.
package final class BatchRunner: Service, Sendable {
    let store: any BatchJobStore
    let checks: CheckService
    /// Makes the watches of a watch upload (``BatchJobTerms/watch``).
    let watches: WatchService
    let logger: Logger
    /// This gateway's name on the leases it holds.
    let owner: String
    /// How long a lease lasts without a commit: how soon a dead gateway's job is taken over.
    let lease: Duration
    /// A job whose gateway died is free once its lease expires; nothing announces that, so look
    /// again at a third of a lease.
    private let wakeups: Wakeups

    init(store: any BatchJobStore, checks: CheckService, watches: WatchService, logger: Logger, owner: String = BatchRunner.leaseOwner(),
         lease: Duration = .seconds(30)) {
        self.store = store
        self.checks = checks
        self.watches = watches
        self.logger = logger
        self.owner = owner
        self.lease = lease
        wakeups = Wakeups(tick: lease / 3)
    }

    /// A name on leases that no other holder has (another gateway, or another service or gateway in
    /// this process): host, process id and a random part.
    static func leaseOwner() -> String {
        "\(ProcessInfo.processInfo.hostName)/\(ProcessInfo.processInfo.processIdentifier)/\(UInt32.random(in: 0...UInt32.max))"
    }

    /// A job was queued.
    func notify() { wakeups.notify() }

    /// A job's share while people are checking: it reads, judges, audits and stores this many lines
    /// at a time, and lets other work run between (``share(_:)``). Interactive checks share the
    /// archive, the audit log's group commit, the answer store and the cores with it; behind a whole
    /// chunk's write (2,000 lines) a single check waited 80–120 ms
    /// (Benchmarks/gateway/job-beside-checks.sh). With no one checking, a chunk is one share: eight
    /// audit writes, each a hop to the log's writer and back, made the audit the chunk's slowest step.
    static let shareLines = 250

    private var leaseEnd: Date { Date() + lease.timeInterval }

    package func run() async throws {
        await wakeups.run { await runClaimableJobs() }
    }

    /// Claims and runs jobs until none is free. A store that cannot be reached (a database
    /// restarting) is tried again at the next wake-up rather than stopping the service.
    private func runClaimableJobs() async {
        while !Task.isShuttingDownGracefully {
            let claimed: BatchJobRecord?
            do {
                claimed = try await store.claim(owner: owner, now: Date(), until: leaseEnd)
            } catch {
                logger.error("batch jobs could not be read", metadata: ["error": "\(type(of: error))"])
                return
            }
            guard let job = claimed else { return }
            do {
                try await keepingLease(of: job.id) { try await self.process(job) }
            } catch let lost as BatchLeaseLost {
                logger.warning("batch job taken over by another gateway", metadata: ["batch": "\(lost.jobID)"])
            } catch let refused as Problem {
                // The job's own terms no longer hold (its policy is gone): it can never finish.
                logger.error("batch job failed", metadata: ["batch": "\(job.id)", "problem": "\(refused.code)"])
                var failed = (try? await store.job(job.id)) ?? job
                failed.status = .failed
                failed.failure = "the job cannot be answered: \(refused.code)"
                failed.finishedAt = Date()
                try? await store.finish(failed, owner: owner)
            } catch {
                // A store or the audit log out of reach (a database restarting): the job is left for
                // this gateway or another to resume after its last committed chunk.
                logger.error("batch job interrupted", metadata: ["batch": "\(job.id)", "error": "\(type(of: error))"])
                try? await store.release(job.id, owner: owner)
                return
            }
        }
    }

    /// Runs `work` while renewing the job's lease every third of it: a chunk paced beside people's
    /// checks may take longer than a lease. Once the lease is lost the work is cancelled and
    /// ``BatchLeaseLost`` thrown.
    private func keepingLease(of id: String, _ work: @escaping @Sendable () async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await work() }
            group.addTask { [store, owner, lease] in
                while true {
                    try await Task.sleep(for: lease / 3)
                    try await store.renew(id, owner: owner, until: self.leaseEnd)
                }
            }
            try await group.next()
            group.cancelAll()
        }
    }

    private func process(_ claimed: BatchJobRecord) async throws {
        var job = claimed
        guard let stored = try? job.terms else {
            throw Problem(.internalServerError, code: "batch.terms", title: "The job's stored terms cannot be read")
        }
        let terms = try checks.terms(purpose: stored.purpose, policy: stored.policy, asOf: stored.asOf, operator: stored.operator)
        var watching: (until: CalendarDay, endpointID: String?)?
        if let watch = stored.watch {
            guard let until = try? CalendarDay(parsing: watch.until) else {
                throw Problem(.internalServerError, code: "batch.terms", title: "The job's stored terms cannot be read")
            }
            watching = (until, watch.endpointId)
        }
        let caller = Caller.recorded(clientID: job.clientID, fingerprint: job.fingerprint)
        // The results' digest grows with each chunk committed; a resumed job's earlier chunks are read once.
        var digest = ContentDigest.Streaming()
        for chunk in 0..<job.nextChunk {
            if let lines = try await store.results(job.id, chunk: chunk) { digest.update(lines) }
        }
        let chunks = (job.total + BatchJobRecord.chunkLines - 1) / BatchJobRecord.chunkLines

        // Four steps run at once, each over the chunks in order, handing each chunk on to the next:
        // reading and judging, the audit write, the answers' receipts and lines, and the commit.
        // The audit write and the commit each wait on their own sync, so one after the other the
        // job used one core of two; and steps that waited for the slowest at every chunk left a
        // core idle for the difference. A step runs ahead of the next by one chunk at most.
        let judged = Handoff<Chunk>(capacity: 1)
        let audited = Handoff<(chunk: Chunk, answers: [CheckService.Recorded])>(capacity: 1)
        let settled = Handoff<Settled>(capacity: 1)
        let (first, jobID) = (job.nextChunk, job.id)
        async let reading: Void = {
            defer { judged.finish() }
            // The next chunk's lines are read while this one is judged: the read waits on the
            // file's one connection behind the commit in progress, and its sync (12 ms a chunk).
            var lines = first < chunks ? try await store.input(jobID, chunk: first) : []
            for number in first..<chunks {
                async let following = number + 1 < chunks ? store.input(jobID, chunk: number + 1) : []
                guard let chunk = try await prepare(lines, chunk: number, terms: terms, caller: caller), await judged.send(chunk) else { return }
                lines = try await following
            }
        }()
        async let auditing: Void = {
            defer {
                judged.close()
                audited.finish()
            }
            // Stopping: nothing new is audited; what is audited is still committed, and the job
            // resumes after its last committed chunk.
            while !Task.isShuttingDownGracefully, let chunk = await judged.next() {
                guard await audited.send(try await audit(chunk)) else { return }
            }
        }()
        async let settling: Void = {
            defer {
                audited.close()
                settled.finish()
            }
            while var (chunk, recorded) = await audited.next() {
                // The receipts are put in the answers here, not in the audit step, whose writes
                // follow one another. Each share is moved out, so that its results are changed in
                // place, not copied.
                var answers: [CheckService.Committed] = []
                while !recorded.isEmpty { answers.append(checks.receive(recorded.removeFirst())) }
                if let watching {
                    try await watch(&chunk, answers, job: jobID, terms: terms, until: watching.until, endpointID: watching.endpointID, caller: caller)
                }
                guard await settled.send(settle(chunk, answers)) else { return }
            }
        }()
        do {
            defer { settled.close() }
            while let chunk = await settled.next() { try await commit(chunk, digest: &digest, job: &job) }
        }
        try await reading
        try await auditing
        try await settling
        if Task.isShuttingDownGracefully, job.nextChunk < chunks {
            try await store.release(job.id, owner: owner)
            return
        }
        job.status = .finished
        job.finishedAt = Date()
        job.resultsDigest = digest.header
        try await store.finish(job, owner: owner)
        logger.info("batch job finished", metadata: ["batch": "\(job.id)", "lines": "\(job.done)"])
    }

    /// The audit write of a judged chunk, a share at a time. Each share's answers are handed over,
    /// not copied: gathering a chunk's answers and cutting them into shares again copied every
    /// result (its strings and arrays retained, then released), 4–5% of a job's CPU under perf.
    private func audit(_ chunk: consuming Chunk) async throws -> (chunk: Chunk, answers: [CheckService.Recorded]) {
        var shares = chunk.shares
        chunk.shares = []
        var recorded: [CheckService.Recorded] = []
        for index in shares.indices {
            try await share {
                var taken = CheckService.Prepared(clientID: shares[index].clientID)
                swap(&taken, &shares[index])
                recorded.append(try await checks.record(consume taken))
            }
        }
        return (chunk, recorded)
    }

    /// One share of a job's work, then room for others: a turn of the cooperative pool, and while
    /// people are checking (within the last second), as long again as the share took, so that a
    /// job takes at most half of what it shares with them.
    private func share(_ work: () async throws -> Void) async throws {
        let started = ContinuousClock.now
        try await work()
        if checks.interactive.seen(within: .seconds(1)) {
            try await Task.sleep(for: ContinuousClock.now - started)
        } else {
            await Task.yield()
        }
    }

    /// Watches each candidate of a watch upload's chunk once answered (its line then names the watch).
    /// A watch's id comes from the job's and the line's, so a chunk answered again after a crash
    /// finds its watches made and makes none twice.
    private func watch(_ chunk: inout Chunk, _ answers: [CheckService.Committed], job: String, terms: CheckQuestion.Terms,
                       until: CalendarDay, endpointID: String?, caller: Caller) async throws {
        let ids = chunk.positions.map { TimeOrderedID.derived("wch_", from: job, index: chunk.items[$0].index) }
        let made = try watches.records(
            for: answers.flatMap(\.results), questions: chunk.questions, recheckOn: chunk.recheckOn,
            references: chunk.positions.map { chunk.items[$0].reference }, terms: terms, until: until, endpointID: endpointID, caller: caller, ids: ids)
        try await watches.file(made, people: chunk.questions.map(\.candidate))
        for (position, id) in zip(chunk.positions, ids) { chunk.items[position].watchID = id }
    }

    /// An audited chunk's result lines, encoded, with what its commit adds to the job's progress.
    struct Settled: Sendable {
        var number: Int
        var lines: Data
        /// How many lines the chunk had, answered or refused.
        var count: Int
        var checked: [BatchCheck]
        /// The answered lines' decisions, in order (the job's counts and the metrics are made of them).
        var decisions: [Components.Schemas.Decision]
        /// How many lines were refused (a problem instead of an answer).
        var errors: Int
    }

    /// An audited chunk's answers put in its result lines. The chunk and its answers end here, so
    /// freeing them is this step's work, not the commit's.
    private func settle(_ chunk: consuming Chunk, _ answers: consuming [CheckService.Committed]) -> Settled {
        var items = chunk.items
        var checked: [BatchCheck] = []
        var decisions: [Components.Schemas.Decision] = []
        checked.reserveCapacity(chunk.positions.count)
        decisions.reserveCapacity(chunk.positions.count)
        var positions = chunk.positions.makeIterator()
        // By index: a result is read in place, where a closure over the results got each one copied
        // (every field retained and released again).
        for part in answers {
            for index in part.results.indices {
                guard let position = positions.next() else { break }
                items[position].answer = part.answers[index]
                checked.append(BatchCheck(checkID: part.results[index].checkId, line: position))
                decisions.append(part.results[index].decision)
            }
        }
        return Settled(number: chunk.number, lines: CanonicalJSON.encode(lines: items), count: items.count, checked: checked,
                       decisions: decisions, errors: chunk.errors)
    }

    /// Commits a chunk's result lines, and with them its answers, with the job's progress.
    private func commit(_ settled: Settled, digest: inout ContentDigest.Streaming, job: inout BatchJobRecord) async throws {
        var progressed = job
        progressed.done += settled.count
        progressed.counts.errors += settled.errors
        for decision in settled.decisions {
            switch decision {
            case .clear: progressed.counts.clear += 1
            case .review: progressed.counts.review += 1
            case .ineligible: progressed.counts.ineligible += 1
            }
        }
        progressed.nextChunk = settled.number + 1
        progressed.resultsBytes += settled.lines.count
        try await store.commit(progressed, chunk: settled.number, results: settled.lines, checks: settled.checked, owner: owner, until: leaseEnd)
        checks.metrics.decided(settled.decisions)
        digest.update(settled.lines)
        job = progressed
    }

    /// A chunk read and judged, waiting to be committed.
    struct Chunk: Sendable {
        var number: Int
        var items: [ResultLine]
        /// Where each prepared answer goes among `items`.
        var positions: [Int]
        /// The valid lines' questions, one per prepared answer.
        var questions: [CheckQuestion]
        /// The prepared answers, a share each (``shareLines`` while people are checking), in order; handed to the audit.
        var shares: [CheckService.Prepared]
        /// For each prepared answer, the first day its evidence changes with time alone (a watch's next re-check).
        var recheckOn: [CalendarDay?]
        var errors: Int
    }

    /// Validates a chunk's lines (each bad one gets its problem) and judges the rest.
    private func prepare(_ lines: [Data], chunk number: Int, terms: CheckQuestion.Terms, caller: Caller) async throws -> Chunk? {
        guard !lines.isEmpty else { return nil }
        let firstIndex = number * BatchJobRecord.chunkLines
        var questions: [CheckQuestion] = []
        var positions: [Int] = []
        var items: [ResultLine] = []
        var errors = 0
        for (offset, line) in lines.enumerated() {
            let index = firstIndex + offset
            let candidate = CandidateLine.decode(line)
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
        var shares: [CheckService.Prepared] = []
        let shareLines = checks.interactive.seen(within: .seconds(1)) ? Self.shareLines : max(questions.count, 1)
        for range in questions.indices.parts(of: shareLines) {
            try await share { shares.append(try await checks.prepare(Array(questions[range]), terms: terms, caller: caller, operation: "createBatchJob")) }
        }
        return Chunk(number: number, items: items, positions: positions, questions: questions, shares: shares,
                     recheckOn: shares.flatMap(\.recheckOn), errors: errors)
    }

    /// One line of a job's results.
    struct ResultLine: Sendable {
        var index: Int
        var reference: String?
        /// The answer as sent, written as the line's `result`.
        var answer: AuditedAnswer?
        var error: Components.Schemas.Problem?
        /// The watch made for the line (a watch upload).
        var watchID: String?
    }
}
