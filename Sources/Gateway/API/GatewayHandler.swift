import ArchiveClient
import Attestation
import CreditCore
import Foundation
import GatewayAPI
import OpenAPIRuntime
import Storage

/// The gateway's implementation of the contract (`APIProtocol`, generated from `openapi.yaml`).
///
/// Every operation first checks the caller's role (refusals are audited by ``Auditor``), and every
/// allowed one is an audit entry: a check's entry is its own record, other operations add one.
/// Input the contract cannot constrain is validated here and refused with a ``Problem``.
package struct GatewayHandler: APIProtocol {
    let checks: CheckService
    let auditor: Auditor
    let state: ServiceState
    let archive: any ArchiveStore
    let metrics: GatewayMetrics
    let maxBatchItems: Int
    let contract: Data
    let uploads: Uploads
    let batches: BatchRunner
    let maxJobItems: Int
    let repairs: any RepairStore
    let watches: WatchService
    /// Told of every import and record change made here, so that watches are re-checked at once.
    let screening: WatchScreening
    let webhooks: any WebhookStore
    /// Where webhook endpoints may point.
    let outbound: OutboundPolicy
    let page: PageFiles
    /// The witnesses the log's checkpoints are submitted to (published at `/v1/audit/witnesses`).
    let witnesses: [WitnessEndpoint]
    let statisticsCache = StatisticsCache()

    /// Runs an operation that is not a check: the role is checked, `body` runs, and only then is the
    /// call audited as allowed; a ``Problem`` from `body` is audited as a refusal instead (one entry
    /// per call either way).
    func allow<T>(_ role: Role?, _ operation: String, detail: String? = nil, _ body: (Caller) async throws -> T) async throws -> T {
        let caller = try await auditor.require(role, for: operation, caller: Caller.current)
        let result = try await refusing(operation, caller: caller) { try await body(caller) }
        _ = try await auditor.record([auditor.entry(operation, caller: caller, detail: detail)])
        return result
    }

    /// Runs `body`; a ``Problem`` it throws is audited as a refusal of `operation`.
    func refusing<T>(_ operation: String, caller: Caller, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let problem as Problem {
            throw await auditor.refused(problem, operation: operation, caller: caller, fingerprint: nil)
        }
    }
}

// MARK: - Checks

extension GatewayHandler {
    package func createCheck(_ input: Operations.CreateCheck.Input) async throws -> Operations.CreateCheck.Output {
        .ok(.init(body: .json(try await checkAnswer(input).value())))
    }

    package func createBatchCheck(_ input: Operations.CreateBatchCheck.Input) async throws -> Operations.CreateBatchCheck.Output {
        .ok(.init(body: .json(try await batchCheckAnswer(input).value())))
    }

    /// `createCheck`'s answer with its JSON as sent: the bytes made once for the audit digest and
    /// the store, which ``AnswerRoutes`` sends as they are.
    func checkAnswer(_ input: Operations.CreateCheck.Input) async throws -> SentAnswer<Components.Schemas.CheckResult> {
        let caller = try await auditor.require(.bureau, for: "createCheck", caller: Caller.current)
        guard case .json(let body) = input.body else { throw Problem.unsupportedMediaType(nil) }
        return try await refusing("createCheck", caller: caller) {
            let terms = try checks.terms(purpose: body.purpose, policy: body.policy, asOf: body.asOf, operator: body._operator)
            let question = try CheckQuestion(name: body.candidate.name, idNumber: body.candidate.idNumber, terms: terms, pointer: "/candidate")
            let answered = try await checks.answer([question], terms: terms, caller: caller, operation: "createCheck")
            return SentAnswer(value: { answered.results[0] }, json: answered.answers[0].json)
        }
    }

    /// `createBatchCheck`'s answer with its JSON as sent: each answer's bytes as made once, put in
    /// their items (``CanonicalJSON/encode(batch:summary:)``).
    func batchCheckAnswer(_ input: Operations.CreateBatchCheck.Input) async throws -> SentAnswer<Components.Schemas.BatchCheckResult> {
        let caller = try await auditor.require(.bureau, for: "createBatchCheck", caller: Caller.current)
        guard case .json(let body) = input.body else { throw Problem.unsupportedMediaType(nil) }
        return try await refusing("createBatchCheck", caller: caller) {
            try CandidateRows.bound(body.candidates, limit: maxBatchItems, beyond: "; use a batch job for more")
            let terms = try checks.terms(purpose: body.purpose, policy: body.policy, asOf: body.asOf, operator: body._operator)
            let rows = CandidateRows(body.candidates, terms: terms)
            var lines = rows.rows.map { BatchRunner.ResultLine(index: $0.index, reference: $0.reference, error: $0.error) }
            let answered = try await checks.answer(rows.questions, terms: terms, caller: caller, operation: "createBatchCheck")
            for (position, answer) in zip(rows.positions, answered.answers) { lines[position].answer = answer }
            let summary = rows.summary(answered.results.map(\.decision))
            _ = try await auditor.record([auditor.entry("createBatchCheck", caller: caller, detail: "items=\(lines.count) errors=\(summary.errors)")])
            let value: @Sendable () -> Components.Schemas.BatchCheckResult = { [rows = rows.rows, positions = rows.positions] in
                var items = rows.map { Components.Schemas.BatchItem(index: $0.index, reference: $0.reference, error: $0.error) }
                for (position, result) in zip(positions, answered.results) { items[position].result = result }
                return .init(items: items, summary: summary)
            }
            return SentAnswer(value: value, json: CanonicalJSON.encode(batch: lines, summary: summary))
        }
    }

    package func getCheck(_ input: Operations.GetCheck.Input) async throws -> Operations.GetCheck.Output {
        try await allow(nil, "getCheck", detail: "checkId=\(input.path.checkId)") { caller in
            let stored = try await visibleCheck(input.path.checkId, to: caller)
            return .ok(.init(body: .json(.init(clientId: stored.clientID, result: stored.result, dispositions: stored.dispositions))))
        }
    }

    package func recordDisposition(_ input: Operations.RecordDisposition.Input) async throws -> Operations.RecordDisposition.Output {
        let caller = try await auditor.require(.bureau, for: "recordDisposition", caller: Caller.current)
        guard case .json(let body) = input.body else { throw Problem.unsupportedMediaType(nil) }
        return try await refusing("recordDisposition", caller: caller) {
            let checkID = input.path.checkId
            _ = try await visibleCheck(checkID, to: caller)
            let operatorName = body._operator.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !operatorName.isEmpty, body._operator.unicodeScalars.count <= 128 else {
                throw Problem.invalid(code: "operator.invalid", "operator is empty or longer than 128 characters", pointer: "/operator")
            }
            _ = try Self.note(body.note)
            // The number is chosen, audited and stored under the check's lock: concurrent
            // dispositions get 1, 2, 3… and each its own audit entry.
            let disposition = try await checks.store.addDisposition(checkID: checkID) { [auditor] sequence in
                var entry = auditor.entry("recordDisposition", caller: caller, detail: "checkId=\(checkID) sequence=\(sequence)")
                entry.operator = operatorName
                entry.decision = body.outcome.rawValue
                let receipt = try await auditor.record([entry])[0]
                return Components.Schemas.Disposition(
                    checkId: checkID, sequence: sequence, outcome: .init(rawValue: body.outcome.rawValue) ?? .confirmed, note: body.note,
                    _operator: operatorName, clientId: caller.client.id, recordedAt: Date(), audit: .init(receipt))
            }
            return .created(.init(body: .json(disposition)))
        }
    }

    /// A person's note on a decision (a disposition, a repair's approval or rejection): at most
    /// 2,000 characters.
    static func note(_ note: String?) throws(Problem) -> String? {
        guard let note else { return nil }
        guard note.unicodeScalars.count <= 2000 else { throw .invalid(code: "note.too-long", "note has more than 2000 characters", pointer: "/note") }
        return note
    }

    /// A stored check the caller may see: its own, or any for an auditor. Others' checks are "not
    /// found", so ids cannot be probed.
    private func visibleCheck(_ id: String, to caller: Caller) async throws -> (clientID: String, result: Components.Schemas.CheckResult, dispositions: [Components.Schemas.Disposition]) {
        guard TimeOrderedID.isWellFormed(id, prefix: "chk_"), let stored = try await checks.store.check(id),
              stored.clientID == caller.client.id || caller.client.may(.auditor) else {
            throw Problem.notFound("no check \(id) for client \(caller.client.id)")
        }
        return stored
    }
}
