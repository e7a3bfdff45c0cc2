import Attestation
import Foundation

/// What `credit verify --witnesses N` asks the gateway: the checkpoint its witnesses cosigned, and
/// a consistency proof from each receipt's checkpoint to it (both signed answers, verified as
/// every answer is). The witnesses' keys are the user's own, never the gateway's.
package struct WitnessEvidence {
    package let connection: Connection
    /// The cosigned checkpoint note.
    let cosigned: String

    package init(connection: Connection) async throws {
        self.connection = connection
        cosigned = String(decoding: try await connection.call { try await $0.getCosignedCheckpoint() }.receipt.body, as: UTF8.self)
    }

    /// The witnesses step of one receipt whose proofs were checked against `checkpoint`.
    package func check(_ checkpoint: Checkpoint, verifier: ReceiptVerifier, witnesses: [WitnessKey], required: Int) async -> ReceiptVerifier.Outcome {
        do {
            let witnessed = try verifier.open(checkpoint: cosigned)
            var proof: [MerkleTree.Hash] = []
            if witnessed.size > checkpoint.size {
                let answer = try await connection.call {
                    try await $0.getConsistencyProof(query: .init(from: Int64(checkpoint.size), to: Int64(witnessed.size)))
                }.output
                proof = try answer.ok.body.json.proof.map { hash in
                    guard let bytes = Base64.decodeStandard(hash) else { throw AttestationError(.proofInvalid, "a proof hash is not base64") }
                    return bytes
                }
            }
            let cosigners = try verifier.verifyWitnessed(checkpoint, cosigned: cosigned, proof: proof, witnesses: witnesses, required: required)
            return .init(step: .witnesses, passed: true,
                         detail: "consistent with the checkpoint of \(witnessed.size) entries cosigned by \(cosigners.map(\.name).joined(separator: ", "))")
        } catch let error as AttestationError {
            return .init(step: .witnesses, passed: false, detail: error.reason)
        } catch {
            return .init(step: .witnesses, passed: false, detail: "\(error)")
        }
    }
}
