import ArchiveClient
import Attestation
import CreditCore
import Foundation
import GatewayAPI
import OpenAPIRuntime

extension GatewayHandler {
    package func getKeys(_ input: Operations.GetKeys.Input) async throws -> Operations.GetKeys.Output {
        // Only keys of the kinds the contract describes are published (the gateway makes no other);
        // a client could not verify with any other.
        let keys = try await publicRead("getKeys") { try await state.publishedKeys().keys }.compactMap { jwk in
            Components.Schemas.Jwk.KtyPayload(rawValue: jwk.kty).flatMap { kty in
                Components.Schemas.Jwk.CrvPayload(rawValue: jwk.crv).map { crv in
                    Components.Schemas.Jwk(kty: kty, crv: crv, x: jwk.x, y: jwk.y, kid: jwk.kid, alg: jwk.alg, use: jwk.use)
                }
            }
        }
        return .ok(.init(body: .json(.init(keys: keys))))
    }

    package func getAuditCheckpoint(_ input: Operations.GetAuditCheckpoint.Input) async throws -> Operations.GetAuditCheckpoint.Output {
        // Never empty: the service audits its start (and its first key) before it serves.
        let note = try await publicRead("getAuditCheckpoint") { try await state.audit.latestCheckpoint() ?? "" }
        return .ok(.init(body: .plainText(HTTPBody(note))))
    }

    package func getInclusionProof(_ input: Operations.GetInclusionProof.Input) async throws -> Operations.GetInclusionProof.Output {
        try await publicRead("getInclusionProof") {
            let (index, size) = (Int(input.query.index), Int(input.query.treeSize))
            guard index >= 0, size >= 1, index < size else {
                throw Problem.invalid(code: "proof.range", "index must be below treeSize", pointer: "/index")
            }
            guard size <= (try await state.audit.treeSize()) else { throw Problem.notFound("the log has fewer than \(size) entries") }
            let proof = try await state.audit.inclusionProof(index: index, treeSize: size).map { Base64.standard($0) }
            let checkpoint = try await state.audit.checkpoint(size: size)
            return .ok(.init(body: .json(.init(index: Int64(index), treeSize: Int64(size), proof: proof, checkpoint: checkpoint))))
        }
    }

    package func getConsistencyProof(_ input: Operations.GetConsistencyProof.Input) async throws -> Operations.GetConsistencyProof.Output {
        try await publicRead("getConsistencyProof") {
            let (from, to) = (Int(input.query.from), Int(input.query.to))
            guard from >= 1, from <= to else { throw Problem.invalid(code: "proof.range", "from must be between 1 and to", pointer: "/from") }
            guard to <= (try await state.audit.treeSize()) else { throw Problem.notFound("the log has fewer than \(to) entries") }
            let proof = try await state.audit.consistencyProof(from: from, to: to).map { Base64.standard($0) }
            return .ok(.init(body: .json(.init(from: Int64(from), to: Int64(to), proof: proof))))
        }
    }

    package func getAuditEntries(_ input: Operations.GetAuditEntries.Input) async throws -> Operations.GetAuditEntries.Output {
        try await allow(.auditor, "getAuditEntries") { _ in
            let count = input.query.count ?? 100
            guard input.query.start >= 0, (1...1000).contains(count) else {
                throw Problem.invalid(code: "range.invalid", "start is at least 0 and count between 1 and 1000", pointer: "/count")
            }
            let entries = try await state.audit.entries(from: Int(input.query.start), count: count).map {
                Components.Schemas.AuditEntries.EntriesPayloadPayload(
                    index: Int64($0.index), leafHash: Base64.standard(MerkleTree.leafHash($0.data)), entry: String(decoding: $0.data, as: UTF8.self))
            }
            return .ok(.init(body: .json(.init(start: input.query.start, entries: entries))))
        }
    }
}
