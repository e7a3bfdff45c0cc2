import Attestation
import Foundation
import Logging

/// How the gateway writes its audit trail: one entry per operation, allowed or refused.
///
/// The audit log is the record of who did what; if it cannot be written, nothing is answered
/// (`append` throws and the request fails with 500), so no operation goes unrecorded.
package struct Auditor: Sendable {
    package let log: AuditLog
    package let hasher: CandidateHasher
    let logger: Logger
    let stores: StoreUnavailability

    package init(log: AuditLog, hasher: CandidateHasher, logger: Logger, stores: StoreUnavailability = .never) {
        self.log = log
        self.hasher = hasher
        self.logger = logger
        self.stores = stores
    }

    /// Records a refusal and hands the problem back to be thrown. A refusal because the stores are
    /// out of reach is not tried: the log is one of them, and the attempt would only hold the
    /// answer for another connection timeout.
    package func refused(_ problem: Problem, operation: String, caller: Caller?, fingerprint: String?) async -> Problem {
        guard problem.code != Problem.storeUnavailable.code else {
            logger.warning("refused while the stores are out of reach", metadata: ["operation": "\(operation)"])
            return problem
        }
        let entry = AuditEntry(
            operation: operation, outcome: "refused \(problem.status.code) \(problem.code)", clientID: caller?.client.id,
            certificateFingerprint: fingerprint ?? caller?.peer.fingerprint, requestDigest: RequestDigest.current?.header)
        do {
            _ = try await record([entry])
        } catch {
            logger.critical("audit append failed", metadata: ["operation": "\(operation)", "error": "\(type(of: error))"])
            return stores.isUnavailable(error) ? .storeUnavailable : .internalError
        }
        return problem
    }

    /// An entry for an allowed operation by `caller`, with the digest of the request's body when
    /// one was read (made inside a request's task).
    package func entry(_ operation: String, outcome: String = "ok", caller: Caller, detail: String? = nil, at time: Date = Date()) -> AuditEntry {
        AuditEntry(time: time, operation: operation, outcome: outcome, clientID: caller.client.id, certificateFingerprint: caller.peer.fingerprint,
                   requestDigest: RequestDigest.current?.header, detail: detail)
    }

    /// Appends entries and waits until they are durable and covered by a signed checkpoint.
    package func record(_ entries: [AuditEntry]) async throws -> [AuditLog.Receipt] {
        try await record(entries.map(AuditLog.Leaf.init))
    }

    /// Appends entries made ready beforehand and waits until they are durable and covered by a signed checkpoint.
    package func record(_ leaves: [AuditLog.Leaf]) async throws -> [AuditLog.Receipt] {
        try await log.append(leaves, announced: AuditAnnouncement.current?.take() ?? false)
    }

    /// Runs `body`, telling the log meanwhile that an entry is on its way: the write about to begin
    /// waits for it (``AuditLog/announce()``), so one commit carries the entries of the checks in
    /// progress, not only of those that happened to be waiting. The first record made within
    /// `body` ends the announcement; if none is, it is withdrawn.
    package func announcing<Result>(_ body: () async throws -> Result) async throws -> Result {
        let announcement = AuditAnnouncement()
        log.announce()
        do {
            let result = try await AuditAnnouncement.$current.withValue(announcement, operation: body)
            if announcement.take() { await log.withdraw() }
            return result
        } catch {
            if announcement.take() { await log.withdraw() }
            throw error
        }
    }

    /// Checks that the caller holds `role`; refuses and audits otherwise.
    /// `role` nil: any registered client.
    package func require(_ role: Role?, for operation: String, caller: Caller?) async throws -> Caller {
        try await require(anyOf: role.map { [$0] } ?? [], for: operation, caller: caller)
    }

    /// Checks that the caller holds one of `roles` (any registered client when empty).
    package func require(anyOf roles: [Role], for operation: String, caller: Caller?) async throws -> Caller {
        guard let caller else { throw await refused(Problem(.forbidden, code: "certificate.missing", title: "A client certificate is required"),
                                                    operation: operation, caller: nil, fingerprint: nil) }
        if !roles.isEmpty, !roles.contains(where: caller.client.may) {
            throw await refused(.forbidden(operation: operation, clientID: caller.client.id), operation: operation, caller: caller, fingerprint: nil)
        }
        return caller
    }
}
