import ArchiveClient
import Attestation
import CreditCore
import GatewayAPI

/// The contract's shapes of the domain's answers.
extension Components.Schemas.Reason {
    init(_ reason: CreditCore.Reason) {
        self.init(ruleId: reason.ruleID, outcome: .init(reason.outcome), title: reason.title, basis: reason.basis,
                  evidence: .init(reason.evidence))
    }
}

extension Components.Schemas.Decision {
    init(_ outcome: Outcome) {
        switch outcome {
        case .clear: self = .clear
        case .review: self = .review
        case .ineligible: self = .ineligible
        }
    }
}

extension Components.Schemas.Evidence {
    init(_ evidence: CreditCore.Evidence) {
        self.init(
            source: evidence.source == .defaulter ? .defaulter : .record,
            entryId: evidence.entryID,
            status: Components.Schemas.Evidence.StatusPayload(rawValue: evidence.status.rawValue) ?? .active,
            matchKind: evidence.matchKind.flatMap { Components.Schemas.Evidence.MatchKindPayload(rawValue: $0.rawValue) },
            publishedId: evidence.publishedID, caseNumber: evidence.caseNumber, court: evidence.court,
            situation: evidence.situation, listedOn: evidence.listedOn?.description, deletedOn: evidence.deletedOn?.description,
            recordId: evidence.recordID, category: evidence.category, kind: evidence.kind?.rawValue,
            sanction: evidence.sanction?.rawValue, severity: evidence.severity?.rawValue, issuer: evidence.issuer,
            decidedOn: evidence.decidedOn?.description, effectiveUntil: evidence.effectiveUntil?.description,
            repairedOn: evidence.repairedOn?.description)
    }
}

extension Components.Schemas.ArchiveVersion {
    init(_ version: ArchiveClient.ArchiveVersion) {
        self.init(version: version.description, sequence: version.sequence, contentHash: version.contentHash)
    }
}

extension Components.Schemas.AuditReceipt {
    init(_ receipt: AuditLog.Receipt) {
        self.init(logIndex: Int64(receipt.logIndex), leafHash: receipt.leafHash, treeSize: Int64(receipt.treeSize),
                  checkpoint: receipt.checkpoint, inclusionProof: receipt.inclusionProof)
    }

    /// The receipt an answer carries while its digest is taken, before the log has placed it.
    static let pending = Self(logIndex: 0, leafHash: "", treeSize: 0, checkpoint: "", inclusionProof: [])
}

extension Components.Schemas.Problem {
    init(_ problem: Problem) {
        self.init(_type: "https://creditgate.local/problems/\(problem.code)", title: problem.title, status: problem.status.code,
                  detail: problem.detail, code: problem.code, pointer: problem.pointer)
    }
}
