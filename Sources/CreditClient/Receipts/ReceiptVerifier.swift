import Attestation
import Foundation

/// Checks a receipt offline, with the published keys only: the body against its `Content-Digest`,
/// the RFC 9421 signature over status, type, digest and the request line, and every audit proof in
/// the body (each answer's entry is in the log under a checkpoint the service signed).
///
/// Every step is reported, passed or not, so a person sees which part of the evidence fails.
///
/// ```swift
/// let report = ReceiptVerifier(keys: keySet).verify(try Receipt(contentsOf: file))
/// report.passed   // false when anything was altered
/// ```
package struct ReceiptVerifier: Sendable {
    package let keys: JWKSet
    /// The `tag` every CreditGate signature carries.
    package static let tag = "creditgate"

    package init(keys: JWKSet) { self.keys = keys }

    package enum Step: String, Sendable, CaseIterable {
        case digest, signature, proofs
    }

    package struct Outcome: Sendable {
        package var step: Step
        package var passed: Bool
        /// What was checked, or why it failed.
        package var detail: String
    }

    package struct Report: Sendable {
        package var outcomes: [Outcome]
        /// The key that made the signature, when it verified.
        package var keyID: String?
        /// The largest checkpoint the proofs were checked against.
        package var checkpoint: Checkpoint?
        package var checkpointNote: String?
        package var passed: Bool { outcomes.allSatisfy(\.passed) }
        package func outcome(_ step: Step) -> Outcome? { outcomes.first { $0.step == step } }
    }

    package func verify(_ receipt: Receipt) -> Report {
        var report = Report(outcomes: [])
        do {
            try ContentDigest.verify(header: receipt.header("content-digest") ?? "", body: receipt.body)
            report.outcomes.append(.init(step: .digest, passed: true, detail: "\(receipt.body.count) bytes"))
        } catch {
            report.outcomes.append(.init(step: .digest, passed: false, detail: error.reason))
        }
        do {
            let verified = try verifySignature(receipt)
            report.keyID = verified.parameters.keyID
            report.outcomes.append(.init(step: .signature, passed: true, detail: "keyid \(verified.parameters.keyID ?? "")"))
        } catch {
            report.outcomes.append(.init(step: .signature, passed: false, detail: error.reason))
        }
        do {
            let proofs = try AuditProofs(body: receipt.body, contentType: receipt.header("content-type"))
            if !proofs.receipts.isEmpty {
                let newest = try verify(proofs)
                report.checkpoint = newest?.checkpoint
                report.checkpointNote = newest?.note
                report.outcomes.append(.init(step: .proofs, passed: true, detail: "\(proofs.receipts.count) inclusion proof(s)"))
            }
        } catch let error as AttestationError {
            report.outcomes.append(.init(step: .proofs, passed: false, detail: error.reason))
        } catch {
            report.outcomes.append(.init(step: .proofs, passed: false, detail: "the body cannot be read: \(error)"))
        }
        return report
    }

    /// The RFC 9421 signature of the response, bound to the request line.
    package func verifySignature(_ receipt: Receipt) throws(AttestationError) -> VerifiedSignature {
        guard let url = URLComponents(string: receipt.url), let host = url.host else {
            throw AttestationError(.fieldMalformed, "the receipt's request URL is malformed")
        }
        let target = url.percentEncodedPath + (url.percentEncodedQuery.map { "?" + $0 } ?? "")
        let authority = url.port.map { "\(host):\($0)" } ?? host
        let message = MessageComponents(
            response: .init(status: receipt.status, headers: receipt.headers),
            request: .init(method: receipt.method, target: target, authority: authority, scheme: url.scheme ?? "https"))
        return try MessageVerifier(keySet: keys).verify(
            message, signatureInput: receipt.header("signature-input") ?? "", signature: receipt.header("signature") ?? "",
            required: MessageSigner.responseComponents, tag: Self.tag)
    }

    /// Opens a signed checkpoint note with the published keys (under the origin the note names).
    package func open(checkpoint note: String) throws(AttestationError) -> Checkpoint {
        guard let origin = note.split(separator: "\n", maxSplits: 1).first.map(String.init) else {
            throw AttestationError(.checkpointMalformed, "an empty checkpoint")
        }
        var verifiers: [NoteVerifier] = []
        for jwk in keys.keys {
            if let key = try? jwk.verificationKey() as? Ed25519VerificationKey {
                verifiers.append(NoteVerifier(name: origin, publicKey: key))
            }
        }
        return try Checkpoint.open(note, verifiers: verifiers, origin: origin)
    }

    /// Checks each proof against its checkpoint (each distinct note is opened once: a batch's
    /// answers share a few); returns the largest checkpoint.
    private func verify(_ proofs: AuditProofs) throws(AttestationError) -> (checkpoint: Checkpoint, note: String)? {
        var opened: [String: Checkpoint] = [:]
        var newest: (checkpoint: Checkpoint, note: String)?
        for (position, audit) in proofs.receipts.enumerated() {
            let what = proofs.receipts.count == 1 ? "the answer" : "answer \(position + 1)"
            let checkpoint: Checkpoint
            if let known = opened[audit.checkpoint] {
                checkpoint = known
            } else {
                do { checkpoint = try open(checkpoint: audit.checkpoint) } catch {
                    throw AttestationError(error.code, "\(what): its checkpoint: \(error.reason)")
                }
                opened[audit.checkpoint] = checkpoint
            }
            guard checkpoint.size == Int(audit.treeSize) else {
                throw AttestationError(.proofInvalid, "\(what): the proof is for a tree of \(audit.treeSize), its checkpoint for \(checkpoint.size)")
            }
            let path = audit.inclusionProof.compactMap { Base64.decodeStandard($0) }
            guard let leaf = Base64.decodeStandard(audit.leafHash), leaf.count == 32, path.count == audit.inclusionProof.count,
                  MerkleTree.verifyInclusion(index: Int(audit.logIndex), size: Int(audit.treeSize), leafHash: leaf, proof: path, root: checkpoint.rootHash)
            else {
                throw AttestationError(.proofInvalid, "\(what): entry \(audit.logIndex) is not proven to be in the checkpoint of size \(checkpoint.size)")
            }
            if newest.map({ $0.checkpoint.size < checkpoint.size }) ?? true { newest = (checkpoint, audit.checkpoint) }
        }
        return newest
    }
}
