import ArchiveClient
import Attestation
import CreditCore
import Foundation
import GatewayAPI
import Storage

/// The way a check travels once its request is validated: one archive read for all candidates,
/// the policy's judgement per candidate, one audit write (durable and covered by a signed
/// checkpoint before anything is answered), one store write.
package struct CheckService: Sendable {
    let archive: any ArchiveStore
    let policies: PolicyCatalog
    let defaultPolicy: String
    let auditor: Auditor
    let store: CheckStore
    let metrics: GatewayMetrics
    /// Marked by every interactive answer; batch jobs pace themselves by it.
    let interactive = InteractiveActivity()

    /// Today in China time: the default as-of day and the latest one may ask about.
    var today: CalendarDay { clock() }
    /// Where today comes from (``GatewayConfiguration/today``).
    let clock: @Sendable () -> CalendarDay

    func terms(purpose: Components.Schemas.Purpose, policy: String?, asOf: String?, operator: String?) throws(Problem) -> CheckQuestion.Terms {
        try CheckQuestion.Terms(purpose: purpose, policy: policy, asOf: asOf, operator: `operator`, policies: policies,
                                defaultPolicy: defaultPolicy, today: today)
    }

    /// Answers validated questions that share `terms`, in order, with their JSON as sent.
    /// The store write is only awaited before the response leaves (``ResponseBarrier``), so it runs
    /// while the response is put together and signed.
    ///
    /// A single check's entry is announced to the audit log while the check is judged, so the write
    /// about to begin waits for it (``Auditor/announcing(_:)``). A batch is not announced: judging
    /// thousands takes long enough that every other write would wait out the whole gather limit.
    func answer(_ questions: [CheckQuestion], terms: CheckQuestion.Terms, caller: Caller, operation: String) async throws -> Committed {
        interactive.touch()
        let audit = { try await self.audit(try await prepare(questions, terms: terms, caller: caller, operation: operation)) }
        let audited = questions.count == 1 ? try await auditor.announcing(audit) : try await audit()
        try await ResponseBarrier.run { try await save(audited) }
        return audited
    }

    /// Answers judged and encoded, with their audit entries, not yet audited or stored: a batch job
    /// prepares its next chunk while the previous one is being written.
    struct Prepared: Sendable {
        var results: [Components.Schemas.CheckResult] = []
        var answers: [EncodedAnswer] = []
        /// Their audit entries, encoded and hashed here rather than in the log's one-at-a-time write.
        var entries: [AuditLog.Leaf] = []
        /// For each answer, the first day its evidence changes with time alone (a watch's next re-check).
        var recheckOn: [CalendarDay?] = []
        var clientID: String
    }

    /// The archive read and the policy's decision for each candidate, before any answer is made of
    /// them: a watch's re-check makes answers only of the decisions that changed.
    struct Assessment: Sendable {
        var questions: [CheckQuestion]
        var decisions: [Decision]
        /// For each candidate, the first day its evidence changes with time alone (a watch's next re-check).
        var recheckOn: [CalendarDay?]
        var version: ArchiveClient.ArchiveVersion
        var checkedAt: Date
    }

    /// One lookup (one snapshot, one archive version) for all candidates, and the policy's decisions.
    func assess(_ questions: [CheckQuestion], terms: CheckQuestion.Terms) async throws -> Assessment {
        let lookup = try await archive.lookup(questions.map(\.candidate), asOf: AsOf(day: terms.asOf))
        return Assessment(
            questions: questions, decisions: lookup.findings.map { terms.policy.evaluate($0.hits, asOf: terms.asOf) },
            recheckOn: lookup.findings.map { terms.policy.nextChange(listings: $0.listings, records: $0.records, after: terms.asOf) },
            version: lookup.version, checkedAt: Date())
    }

    /// The archive read and the policy's judgement, every answer made.
    func prepare(_ questions: [CheckQuestion], terms: CheckQuestion.Terms, caller: Caller, operation: String) async throws -> Prepared {
        guard !questions.isEmpty else { return Prepared(clientID: caller.client.id) }
        return await answers(try await assess(questions, terms: terms), at: Array(questions.indices), terms: terms, caller: caller,
                             operation: operation)
    }

    /// The answers of an assessment's candidates at `indices`, in that order: each encoded, each
    /// audit entry made. That is about 20 µs a candidate, split over the cores when there are
    /// thousands (an inline batch is one request, and would otherwise use one core).
    func answers(_ assessment: Assessment, at indices: [Int], terms: CheckQuestion.Terms, caller: Caller, operation: String) async -> Prepared {
        let parts = indices.count >= 4000 ? max(1, ProcessInfo.processInfo.activeProcessorCount) : 1
        let ranges = indices.indices.parts(of: max(1, (indices.count + parts - 1) / parts))
        guard ranges.count > 1 else {
            return judge(assessment, indices[...], terms: terms, caller: caller, operation: operation)
        }
        let judged = await withTaskGroup(of: (Int, Prepared).self) { group in
            for (part, range) in ranges.enumerated() {
                group.addTask { (part, judge(assessment, indices[range], terms: terms, caller: caller, operation: operation)) }
            }
            var slices = [Prepared?](repeating: nil, count: ranges.count)
            for await (part, prepared) in group { slices[part] = prepared }
            return slices.compactMap { $0 }
        }
        return Prepared(
            results: judged.flatMap(\.results), answers: judged.flatMap(\.answers), entries: judged.flatMap(\.entries),
            recheckOn: judged.flatMap(\.recheckOn), clientID: caller.client.id)
    }

    /// Assessed candidates made answers: each encoded, each audit entry made.
    private func judge(_ assessment: Assessment, _ indices: ArraySlice<Int>, terms: CheckQuestion.Terms, caller: Caller, operation: String) -> Prepared {
        var results: [Components.Schemas.CheckResult] = []
        var answers: [EncodedAnswer] = []
        var entries: [AuditLog.Leaf] = []
        results.reserveCapacity(indices.count)
        answers.reserveCapacity(indices.count)
        entries.reserveCapacity(indices.count)
        let (version, checkedAt) = (assessment.version, assessment.checkedAt)
        // What every candidate's entry shares, made once: the entry is dated when its answer was
        // checked (formatting a date per entry and the archive's version were 2% of a batch job).
        var shared = auditor.entry(operation, caller: caller, at: checkedAt)
        shared.operator = terms.operator
        shared.purpose = "\(terms.purpose.code) \(terms.purpose.recruitmentId)"
        shared.consentReference = terms.purpose.consentReference
        shared.archiveVersion = version.description
        for index in indices {
            let (question, decision) = (assessment.questions[index], assessment.decisions[index])
            let result = Components.Schemas.CheckResult(
                checkId: TimeOrderedID.make("chk_", at: checkedAt), decision: .init(decision.outcome), reasons: decision.reasons.map(Components.Schemas.Reason.init),
                candidate: .init(maskedId: question.candidate.id.masked, name: question.displayName), purpose: terms.purpose,
                _operator: terms.operator, policy: .init(name: decision.policy.name, version: decision.policy.version),
                archive: .init(version), asOf: terms.asOf.description, checkedAt: checkedAt,
                recommendationOnly: decision.outcome != .clear, audit: .pending)
            results.append(result)
            var entry = shared
            entry.detail = "checkId=\(result.checkId)"
            entry.candidateHMAC = auditor.hasher.hmac(ofIDNumber: question.candidate.id.unmaskedValue)
            entry.decision = decision.outcome.rawValue
            entry.policyVersion = "\(decision.policy.name)@\(decision.policy.version)"
            // The answer's digest: its canonical JSON before the receipt is attached (as stored).
            let answer = EncodedAnswer(result)
            entry.responseDigest = ContentDigest.header(for: answer.pending)
            answers.append(answer)
            entries.append(AuditLog.Leaf(entry))
        }
        return Prepared(results: results, answers: answers, entries: entries, recheckOn: indices.map { assessment.recheckOn[$0] },
                        clientID: caller.client.id)
    }

    /// Answers with their receipts: the values, and their JSON as sent (each answer encoded once,
    /// its receipt beside it).
    struct Committed: Sendable {
        var results: [Components.Schemas.CheckResult] = []
        var answers: [AuditedAnswer] = []
        var clientID = ""

        /// The rows that store them (``save(_:)``).
        var rows: [StoredAnswer] {
            answers.indices.map {
                StoredAnswer(checkID: results[$0].checkId, clientID: clientID, answer: answers[$0].encoded.pending, receipt: answers[$0].receipt)
            }
        }
    }

    /// The audit write: the answers get their receipts. Not answered before ``save(_:)`` is done.
    func audit(_ prepared: consuming Prepared) async throws -> Committed {
        receive(try await record(prepared))
    }

    /// Prepared answers whose audit entries the log holds, and the receipts the log gave them, not
    /// yet put in the answers.
    struct Recorded: Sendable {
        var prepared: Prepared
        var receipts: [AuditLog.Receipt]
    }

    /// The audit write alone. A batch job records a chunk's answers a share at a time, one write
    /// after another, and puts the receipts in them (``receive(_:)``) beside, when it commits them.
    func record(_ prepared: consuming Prepared) async throws -> Recorded {
        guard !prepared.results.isEmpty else { return Recorded(prepared: prepared, receipts: []) }
        let receipts = try await auditor.record(prepared.entries)
        prepared.entries = []
        return Recorded(prepared: prepared, receipts: receipts)
    }

    /// The receipts put in the answers they were given for, each with its JSON.
    func receive(_ recorded: consuming Recorded) -> Committed {
        guard !recorded.receipts.isEmpty else { return Committed() }
        // Taken, not copied: each result gets its receipt below, and a copy of the array would
        // retain every result's strings and arrays once more.
        var results = recorded.prepared.results
        recorded.prepared.results = []
        let encoded = recorded.prepared.answers
        var answers: [AuditedAnswer] = []
        answers.reserveCapacity(results.count)
        for index in results.indices {
            results[index].audit = .init(recorded.receipts[index])
            answers.append(AuditedAnswer(encoded: encoded[index], receipt: CanonicalJSON.encode(results[index].audit)))
        }
        return Committed(results: results, answers: answers, clientID: recorded.prepared.clientID)
    }

    /// The store write of audited answers (what `GET /v1/checks/{id}` serves), and their count in the metrics.
    func save(_ audited: Committed) async throws {
        guard !audited.answers.isEmpty else { return }
        try await store.save(audited.rows)
        metrics.decided(audited.results.map(\.decision))
    }
}

extension Range<Int> {
    /// Consecutive ranges of at most `size` covering this one (a batch split over cores, a job's
    /// shares).
    func parts(of size: Int) -> [Range<Int>] {
        stride(from: lowerBound, to: upperBound, by: size).map { $0..<Swift.min($0 + size, upperBound) }
    }
}
