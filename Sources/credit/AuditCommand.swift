import ArgumentParser
import Attestation
import CreditClient
import Foundation

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Hold the gateway's audit log to what it showed you before.",
        discussion: "Example: credit audit consistency",
        subcommands: [Consistency.self]
    )

    struct Consistency: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "consistency",
            abstract: "Check that the log's current checkpoint extends a saved one: nothing was rewritten.",
            discussion: """
                The saved checkpoint is --checkpoint (a checkpoint note, or a receipt whose answer \
                carries one), else the largest one this client has seen (checkpoint.txt in the \
                receipts folder). The gateway's RFC 9162 consistency proof between the two sizes is \
                checked here, and the current checkpoint becomes the saved one.

                Examples:
                  credit audit consistency
                  credit audit consistency --checkpoint receipts/chk_01jd3v6m8q4x2s9c7r5t1w0y3z.receipt

                Exit code 0 when the log is consistent, 20 when it is not.
                """
        )

        @OptionGroup var options: ClientOptions
        @Option(help: "A saved checkpoint note, or a receipt.") var checkpoint: String?

        func run() async throws {
            try await reporting {
                let settings = try options.settings()
                let folder = ReceiptFolder(settings.receiptsFolder)
                let savedNote = try checkpoint.map { try Self.note(in: URL(fileURLWithPath: $0)) } ?? folder.savedCheckpoint()
                guard let savedNote else {
                    throw UsageError("no saved checkpoint: pass --checkpoint, or make a check first (its checkpoint is kept)")
                }
                return try await withConnection(settings) { connection in
                    try await connection.refreshKeys()
                    let verifier = ReceiptVerifier(keys: connection.keyRing.keys)
                    let saved: Checkpoint
                    do { saved = try verifier.open(checkpoint: savedNote) } catch let error as AttestationError {
                        throw ClientFailure.unverified("the saved checkpoint: \(error.reason)")
                    }
                    let currentNote = String(decoding: try await connection.call { try await $0.getAuditCheckpoint() }.receipt.body, as: UTF8.self)
                    let current: Checkpoint
                    do { current = try verifier.open(checkpoint: currentNote) } catch let error as AttestationError {
                        throw ClientFailure.unverified("the current checkpoint: \(error.reason)")
                    }
                    guard current.origin == saved.origin else {
                        throw ClientFailure.unverified("the current checkpoint is of log \(current.origin), the saved one of \(saved.origin)")
                    }
                    var proof: [MerkleTree.Hash] = []
                    if saved.size > 0, saved.size < current.size {
                        let answer = try await connection.call {
                            try await $0.getConsistencyProof(query: .init(from: Int64(saved.size), to: Int64(current.size)))
                        }.output.ok.body.json
                        proof = answer.proof.compactMap { Base64.decodeStandard($0) }
                        guard proof.count == answer.proof.count else { throw ClientFailure.unverified("the consistency proof is not base64") }
                    }
                    // Every log extends the empty one: a saved checkpoint of no entries needs no proof.
                    guard saved.size == 0 || MerkleTree.verifyConsistency(oldSize: saved.size, newSize: current.size, oldRoot: saved.rootHash,
                                                                          newRoot: current.rootHash, proof: proof) else {
                        throw ClientFailure.unverified(
                            "the log of \(current.size) entries does NOT extend the saved checkpoint of \(saved.size): it was rewritten")
                    }
                    try folder.remember(checkpoint: current, note: currentNote, opening: verifier.open(checkpoint:))
                    print("consistent: \(saved.origin) grew from \(saved.size) to \(current.size) entries without rewriting any")
                    return .clear
                }
            }
        }

        /// A checkpoint note from a file: the note itself, or the checkpoint a receipt's answer carries.
        static func note(in file: URL) throws -> String {
            let bytes = Array(try Data(contentsOf: file))
            guard bytes.starts(with: Array(Receipt.magic.utf8)) else { return String(decoding: bytes, as: UTF8.self) }
            struct Carrier: Decodable {
                struct Audit: Decodable { var checkpoint: String }
                var audit: Audit?
            }
            guard let note = try? JSONDecoder().decode(Carrier.self, from: Data(try Receipt(bytes: bytes).body)).audit?.checkpoint else {
                throw UsageError("\(file.path) is a receipt without an audit checkpoint")
            }
            return note
        }
    }
}
