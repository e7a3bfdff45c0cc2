import Attestation
import Foundation

/// What `credit verify --witnesses N` asks the gateway: the checkpoint its witnesses cosigned, and
/// a consistency proof from each receipt's checkpoint to it (both signed answers, verified as
/// every answer is). The witnesses' keys are the user's own, never the gateway's.
package final class WitnessEvidence {
    package let connection: Connection
    /// The cosigned checkpoint note.
    let cosigned: String
    /// Consistency proofs to the witnessed checkpoint by the receipt checkpoint's size: a batch's
    /// answers share a few checkpoints, and each proof is asked for once.
    private var proofs: [Int: [MerkleTree.Hash]] = [:]

    package init(connection: Connection) async throws {
        self.connection = connection
        cosigned = String(decoding: try await connection.call { try await $0.getCosignedCheckpoint() }.receipt.body, as: UTF8.self)
    }

    /// The witnesses step of one receipt whose proofs were checked against `checkpoint`.
    package func check(_ checkpoint: Checkpoint, verifier: ReceiptVerifier, witnesses: [WitnessKey], required: Int) async -> ReceiptVerifier.Outcome {
        do {
            let witnessed = try verifier.open(checkpoint: cosigned)
            let proof = witnessed.size > checkpoint.size ? try await proof(from: checkpoint.size, to: witnessed.size) : []
            let cosigners = try verifier.verifyWitnessed(checkpoint, cosigned: cosigned, proof: proof, witnesses: witnesses, required: required)
            return .init(step: .witnesses, passed: true,
                         detail: "consistent with the checkpoint of \(witnessed.size) entries cosigned by \(cosigners.map(\.name).joined(separator: ", "))")
        } catch let error as AttestationError {
            return .init(step: .witnesses, passed: false, detail: error.reason)
        } catch {
            return .init(step: .witnesses, passed: false, detail: "\(error)")
        }
    }

    private func proof(from size: Int, to witnessed: Int) async throws -> [MerkleTree.Hash] {
        if let known = proofs[size] { return known }
        let answer = try await connection.call { try await $0.getConsistencyProof(query: .init(from: Int64(size), to: Int64(witnessed))) }.output
        let proof = try answer.ok.body.json.proof.map { hash in
            guard let bytes = Base64.decodeStandard(hash) else { throw AttestationError(.proofInvalid, "a proof hash is not base64") }
            return bytes
        }
        proofs[size] = proof
        return proof
    }
}
