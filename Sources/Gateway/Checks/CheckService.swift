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

    /// Answers validated questions that share `terms`, in order.
    /// The store write is only awaited before the response leaves (``ResponseBarrier``), so it runs
    /// while the answers are encoded.
    func answer(_ questions: [CheckQuestion], terms: CheckQuestion.Terms, caller: Caller, operation: String) async throws -> [Components.Schemas.CheckResult] {
        interactive.touch()
        let audited = try await audit(try await prepare(questions, terms: terms, caller: caller, operation: operation))
        try await ResponseBarrier.run { try await save(audited) }
        return audited.results
    }

    /// Answers judged and encoded, with their audit entries, not yet audited or stored: a batch job
    /// prepares its next chunk while the previous one is being written.
    struct Prepared: AnswerColumns {
        var results: [Components.Schemas.CheckResult] = []
        var answers: [EncodedAnswer] = []
        var entries: [AuditEntry] = []
        /// For each answer, the first day its evidence changes with time alone (a watch's next re-check).
        var recheckOn: [CalendarDay?] = []
        var clientID: String

        mutating func append(_ other: Prepared) {
            (results, answers, entries, recheckOn) =
                (results + other.results, answers + other.answers, entries + other.entries, recheckOn + other.recheckOn)
        }

        func part(_ range: Range<Int>) -> Prepared {
            select(range)
        }

        /// The answers at `indices`, in their order (a watch's re-checks keep only the changed ones).
        func select(_ indices: some Collection<Int>) -> Prepared {
            Prepared(results: indices.map { results[$0] }, answers: indices.map { answers[$0] }, entries: indices.map { entries[$0] },
                     recheckOn: indices.map { recheckOn[$0] }, clientID: clientID)
        }
    }

    /// The archive read and the policy's judgement.
    ///
    /// One lookup (one snapshot, one archive version) for all candidates; judging and encoding
    /// them, about 20 µs a candidate, is split over the cores when there are thousands (an inline
    /// batch is one request, and would otherwise use one core).
    func prepare(_ questions: [CheckQuestion], terms: CheckQuestion.Terms, caller: Caller, operation: String) async throws -> Prepared {
        guard !questions.isEmpty else { return Prepared(clientID: caller.client.id) }
        let lookup = try await archive.lookup(questions.map(\.candidate), asOf: AsOf(day: terms.asOf))
        let checkedAt = Date()
        let parts = questions.count >= 4000 ? max(1, ProcessInfo.processInfo.activeProcessorCount) : 1
        let size = (questions.count + parts - 1) / parts
        let ranges = (0..<questions.count).parts(of: size)
        guard ranges.count > 1 else {
            return judge(questions[...], lookup.findings[...], version: lookup.version, terms: terms, caller: caller, operation: operation, at: checkedAt)
        }
        let judged = try await withThrowingTaskGroup(of: (Int, Prepared).self) { group in
            for (part, range) in ranges.enumerated() {
                group.addTask {
                    (part, judge(questions[range], lookup.findings[range], version: lookup.version, terms: terms, caller: caller,
                                 operation: operation, at: checkedAt))
                }
            }
            var slices = [Prepared?](repeating: nil, count: ranges.count)
            for try await (part, prepared) in group { slices[part] = prepared }
            return slices.compactMap { $0 }
        }
        return Prepared(
            results: judged.flatMap(\.results), answers: judged.flatMap(\.answers), entries: judged.flatMap(\.entries),
            recheckOn: judged.flatMap(\.recheckOn), clientID: caller.client.id)
    }

    /// The policy's judgement of looked-up candidates, each answer encoded, each audit entry made.
    private func judge(
        _ questions: ArraySlice<CheckQuestion>, _ findings: ArraySlice<Findings>, version: ArchiveClient.ArchiveVersion,
        terms: CheckQuestion.Terms, caller: Caller, operation: String, at checkedAt: Date
    ) -> Prepared {
        var results: [Components.Schemas.CheckResult] = []
        var answers: [EncodedAnswer] = []
        var entries: [AuditEntry] = []
        var recheckOn: [CalendarDay?] = []
        results.reserveCapacity(questions.count)
        answers.reserveCapacity(questions.count)
        entries.reserveCapacity(questions.count)
        for (question, findings) in zip(questions, findings) {
            let decision = terms.policy.evaluate(findings.hits, asOf: terms.asOf)
            let result = Components.Schemas.CheckResult(
                checkId: TimeOrderedID.make("chk_", at: checkedAt), decision: .init(decision.outcome), reasons: decision.reasons.map(Components.Schemas.Reason.init),
                candidate: .init(maskedId: question.candidate.id.masked, name: question.displayName), purpose: terms.purpose,
                _operator: terms.operator, policy: .init(name: decision.policy.name, version: decision.policy.version),
                archive: .init(version), asOf: terms.asOf.description, checkedAt: checkedAt,
                recommendationOnly: decision.outcome != .clear, audit: .pending)
            results.append(result)
            var entry = auditor.entry(operation, caller: caller, detail: "checkId=\(result.checkId)")
            entry.operator = terms.operator
            entry.purpose = "\(terms.purpose.code) \(terms.purpose.recruitmentId)"
            entry.consentReference = terms.purpose.consentReference
            entry.candidateHMAC = auditor.hasher.hmac(ofIDNumber: question.candidate.id.unmaskedValue)
            entry.decision = decision.outcome.rawValue
            entry.policyVersion = "\(decision.policy.name)@\(decision.policy.version)"
            entry.archiveVersion = version.description
            // The answer's digest: its canonical JSON before the receipt is attached (as stored).
            let answer = EncodedAnswer(result)
            entry.responseDigest = ContentDigest.header(for: answer.pending)
            answers.append(answer)
            entries.append(entry)
            recheckOn.append(terms.policy.nextChange(listings: findings.listings, records: findings.records, after: terms.asOf))
        }
        return Prepared(results: results, answers: answers, entries: entries, recheckOn: recheckOn, clientID: caller.client.id)
    }

    /// Answers with their receipts: the values, and their JSON as sent (each answer encoded once,
    /// its receipt put in place), and the rows that store them.
    struct Committed: AnswerColumns {
        var results: [Components.Schemas.CheckResult] = []
        var json: [Data] = []
        var rows: [StoredAnswer] = []

        mutating func append(_ other: Committed) {
            (results, json, rows) = (results + other.results, json + other.json, rows + other.rows)
        }

        func part(_ range: Range<Int>) -> Committed {
            Committed(results: Array(results[range]), json: Array(json[range]), rows: Array(rows[range]))
        }
    }

    /// The audit write: the answers get their receipts. Not answered before ``save(_:)`` is done.
    func audit(_ prepared: Prepared) async throws -> Committed {
        guard !prepared.results.isEmpty else { return Committed() }
        var results = prepared.results
        let receipts = try await auditor.record(prepared.entries)
        var rows: [StoredAnswer] = []
        var json: [Data] = []
        rows.reserveCapacity(results.count)
        json.reserveCapacity(results.count)
        for index in results.indices {
            results[index].audit = .init(receipts[index])
            let receipt = CanonicalJSON.encode(results[index].audit)
            rows.append(StoredAnswer(checkID: results[index].checkId, clientID: prepared.clientID, answer: prepared.answers[index].pending, receipt: receipt))
            json.append(prepared.answers[index].with(receipt: receipt))
        }
        return Committed(results: results, json: json, rows: rows)
    }

    /// The store write of audited answers (what `GET /v1/checks/{id}` serves), and their count in the metrics.
    func save(_ audited: Committed) async throws {
        guard !audited.rows.isEmpty else { return }
        try await store.save(audited.rows)
        metrics.decided(audited.results.map(\.decision))
    }
}

/// Answers held column by column (their results, encodings, entries or rows: one element each), which
/// a batch job takes a share at a time.
protocol AnswerColumns: Sendable {
    var results: [Components.Schemas.CheckResult] { get }
    func part(_ range: Range<Int>) -> Self
}

extension AnswerColumns {
    /// Consecutive parts of at most `size` answers.
    func slices(of size: Int) -> [Self] {
        results.indices.parts(of: size).map(part)
    }
}

extension Range<Int> {
    /// Consecutive ranges of at most `size` covering this one (a batch split over cores, a job's
    /// shares).
    func parts(of size: Int) -> [Range<Int>] {
        stride(from: lowerBound, to: upperBound, by: size).map { $0..<Swift.min($0 + size, upperBound) }
    }
}
