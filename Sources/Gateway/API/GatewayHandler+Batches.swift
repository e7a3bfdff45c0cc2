import Attestation
import Foundation
import GatewayAPI
import OpenAPIRuntime
import Storage

extension GatewayHandler {
    package func createBatchJob(_ input: Operations.CreateBatchJob.Input) async throws -> Operations.CreateBatchJob.Output {
        let caller = try await auditor.require(.bureau, for: "createBatchJob", caller: Caller.current)
        guard case .applicationXNdjson(let body) = input.body else { throw Problem.unsupportedMediaType(nil) }
        return try await refusing("createBatchJob", caller: caller) {
            let query = input.query
            let purpose = Components.Schemas.Purpose(code: query.purposeCode, recruitmentId: query.recruitmentId, consentReference: query.consentReference)
            let terms = try checks.terms(purpose: purpose, policy: query.policy, asOf: query.asOf, operator: query._operator)
            let stored = BatchJobTerms(purpose: purpose, policy: terms.policy.name, asOf: terms.asOf.description, operator: terms.operator)
            let (job, repeated) = try await queueJob(body, terms: stored, idempotencyKey: input.headers.idempotencyKey, caller: caller, operation: "createBatchJob")
            return repeated ? .ok(.init(body: .json(job.view))) : .accepted(.init(body: .json(job.view)))
        }
    }

    /// Queues an NDJSON upload of candidates as a batch job (`POST /v1/batches`, or a watch upload):
    /// spooled to disk only until the store holds it, counted, stored with its terms, audited. The
    /// same `Idempotency-Key` and body again answer the job made the first time (`repeated`).
    func queueJob(_ body: HTTPBody, terms: BatchJobTerms, idempotencyKey: String?, caller: Caller, operation: String) async throws
        -> (job: BatchJobRecord, repeated: Bool) {
        let id = TimeOrderedID.make("bat_")
        // PIPL: full IDs are not kept where they are not needed.
        let file = uploads.folder.appendingPathComponent("\(id).ndjson")
        defer { try? FileManager.default.removeItem(at: file) }
        let lines = try await uploads.receive(body, to: file)
        guard lines <= maxJobItems else {
            throw Problem(.contentTooLarge, code: "batch.too-large", title: "Too many candidates",
                          detail: "at most \(maxJobItems) candidates per batch job; \(lines) were sent")
        }
        guard lines > 0 else {
            throw Problem.invalid(code: "batch.empty", "the body has no candidate lines", pointer: "")
        }
        let idempotency = try idempotencyKey.map { key in
            guard (1...128).contains(key.count) else {
                throw Problem.invalid(code: "idempotency.key", "an Idempotency-Key has 1 to 128 characters", pointer: "")
            }
            return BatchJobRecord.Idempotency(key: key, requestDigest: RequestDigest.current?.header ?? "")
        }
        let job = BatchJobRecord(
            id: id, clientID: caller.client.id, fingerprint: caller.peer.fingerprint, termsJSON: try CheckStore.encoder.encode(terms),
            total: lines, createdAt: Date(), idempotency: idempotency)
        if let earlier = try await batches.store.create(job, input: file) {
            // The same request again (its sender was interrupted before it learned the id): the job
            // made the first time answers it; the new upload is not needed.
            guard earlier.idempotency == idempotency else {
                throw Problem.invalid(code: "idempotency.mismatch",
                                      "Idempotency-Key \(idempotency?.key ?? "") was used for another request", pointer: "")
            }
            _ = try await auditor.record([auditor.entry(operation, caller: caller, detail: "batchId=\(earlier.id) repeated")])
            return (earlier, true)
        }
        var entry = auditor.entry(operation, caller: caller, detail: "batchId=\(id) lines=\(lines)" + (terms.watch.map { " until=\($0.until)" } ?? ""))
        entry.purpose = "\(terms.purpose.code) \(terms.purpose.recruitmentId)"
        entry.consentReference = terms.purpose.consentReference
        entry.operator = terms.operator
        _ = try await auditor.record([entry])
        batches.notify()
        return (job, false)
    }

    package func getBatchJob(_ input: Operations.GetBatchJob.Input) async throws -> Operations.GetBatchJob.Output {
        try await allow(nil, "getBatchJob", detail: "batchId=\(input.path.batchId)") { caller in
            .ok(.init(body: .json(try await visibleJob(input.path.batchId, to: caller).view)))
        }
    }

    package func getBatchJobResults(_ input: Operations.GetBatchJobResults.Input) async throws -> Operations.GetBatchJobResults.Output {
        try await allow(nil, "getBatchJobResults", detail: "batchId=\(input.path.batchId)") { caller in
            let job = try await visibleJob(input.path.batchId, to: caller)
            guard job.status == .finished, let digest = job.resultsDigest else {
                throw Problem(.conflict, code: "batch.not-finished", title: "The batch job has not finished",
                              detail: "\(job.done) of \(job.total) lines done; status \(job.status.rawValue)")
            }
            let body = HTTPBody(BatchResultsBody(store: batches.store, job: job), length: .known(Int64(job.resultsBytes)), iterationBehavior: .single)
            return .ok(.init(headers: .init(contentDigest: digest), body: .applicationXNdjson(body)))
        }
    }

    /// A job the caller may see: its own, or any for an auditor; others are "not found".
    private func visibleJob(_ id: String, to caller: Caller) async throws -> BatchJobRecord {
        guard TimeOrderedID.isWellFormed(id, prefix: "bat_"), let job = try await batches.store.job(id),
              job.clientID == caller.client.id || caller.client.may(.auditor) else {
            throw Problem.notFound("no batch job \(id) for client \(caller.client.id)")
        }
        return job
    }
}
