import Attestation
import Foundation
import Testing

/// The reference implementation's probes (transparency-dev/merkle `testdata/`, in `Vectors/merkle`):
/// proofs that must verify and malformed ones (wrong sizes, truncated or padded proofs, hashes of
/// the wrong length, proofs from the empty tree) that its verifier refuses and ours must too.
@Suite("Merkle proofs: the reference verifier's probes")
struct MerkleReferenceVectorTests {
    struct InclusionProbe: Decodable {
        var leafIdx: UInt64
        var treeSize: UInt64
        var root: String?
        var leafHash: String?
        var proof: [String]?
        var desc: String
        var wantErr: Bool
    }

    struct ConsistencyProbe: Decodable {
        var size1: UInt64
        var size2: UInt64
        var root1: String?
        var root2: String?
        var proof: [String]?
        var desc: String
        var wantErr: Bool
    }

    static let folder = Bundle.module.resourceURL!.appendingPathComponent("Vectors/merkle")

    /// The probe files of one kind, as paths under `Vectors/merkle`.
    static func probes(_ kind: String) -> [String] {
        let root = folder.appendingPathComponent(kind)
        let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        return files.filter { $0.pathExtension == "json" }.map { kind + "/" + $0.path.dropFirst(root.path.count + 1) }.sorted()
    }

    static func load<Probe: Decodable>(_ path: String, as _: Probe.Type) throws -> Probe {
        try JSONDecoder().decode(Probe.self, from: Data(contentsOf: folder.appendingPathComponent(path)))
    }

    /// A base64 field as bytes; absent (JSON null) is no bytes, as Go's nil slice.
    static func bytes(_ base64: String?) throws -> [UInt8] {
        guard let base64 else { return [] }
        return Array(try #require(Data(base64Encoded: base64), "not base64: \(base64)"))
    }

    @Test func theProbeSetIsComplete() {
        #expect(Self.probes("inclusion").count == 98)
        #expect(Self.probes("consistency").count == 98)
    }

    @Test(arguments: probes("inclusion"))
    func inclusion(_ path: String) throws {
        let probe = try Self.load(path, as: InclusionProbe.self)
        // Sizes and indexes beyond Int.max (the probes use 2^64 - 1) cannot even be asked.
        guard let index = Int(exactly: probe.leafIdx), let size = Int(exactly: probe.treeSize) else { return #expect(probe.wantErr) }
        let verified = MerkleTree.verifyInclusion(
            index: index, size: size, leafHash: try Self.bytes(probe.leafHash),
            proof: try (probe.proof ?? []).map { try Self.bytes($0) }, root: try Self.bytes(probe.root))
        #expect(verified == !probe.wantErr, "\(probe.desc)")
    }

    @Test(arguments: probes("consistency"))
    func consistency(_ path: String) throws {
        let probe = try Self.load(path, as: ConsistencyProbe.self)
        guard let oldSize = Int(exactly: probe.size1), let newSize = Int(exactly: probe.size2) else { return #expect(probe.wantErr) }
        let verified = MerkleTree.verifyConsistency(
            oldSize: oldSize, newSize: newSize, oldRoot: try Self.bytes(probe.root1), newRoot: try Self.bytes(probe.root2),
            proof: try (probe.proof ?? []).map { try Self.bytes($0) })
        #expect(verified == !probe.wantErr, "\(probe.desc)")
    }
}
