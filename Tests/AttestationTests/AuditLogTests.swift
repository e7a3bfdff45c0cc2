@testable import Attestation
import Foundation
import GRDB
import Testing
import TestSupport

@Suite("Audit log")
struct AuditLogTests {
    static let origin = "creditgate.test/audit"
    static let signer = NoteSigner(name: origin, key: Ed25519SigningKey())

    func temporaryPath() -> String {
        TemporaryFiles.url("audit", extension: "sqlite").path
    }

    func entry(_ n: Int) -> AuditEntry {
        AuditEntry(operation: "check", outcome: "200", clientID: "bureau-\(n % 3)", purpose: "civil-service-2026", candidateHMAC: String(n))
    }

    static func verify(_ receipt: AuditLog.Receipt, entry: AuditEntry) throws {
        let checkpoint = try Checkpoint.open(receipt.checkpoint, verifiers: [signer.verifier], origin: origin)
        #expect(checkpoint.size == receipt.treeSize)
        let leaf = MerkleTree.leafHash(entry.canonicalBytes)
        #expect(Base64.standard(leaf) == receipt.leafHash)
        let proof = receipt.inclusionProof.compactMap { Base64.decodeStandard($0) }
        #expect(MerkleTree.verifyInclusion(index: receipt.logIndex, size: receipt.treeSize, leafHash: leaf, proof: proof, root: checkpoint.rootHash))
    }

    @Test func concurrentAppendsAreGroupedAndEachIsProven() async throws {
        let log = try AuditLog(path: temporaryPath(), origin: Self.origin, signer: Self.signer)
        let entries = (0..<300).map(entry)
        let receipts = try await withThrowingTaskGroup(of: (Int, AuditLog.Receipt).self) { group in
            for (n, entry) in entries.enumerated() { group.addTask { (n, try await log.append(entry)) } }
            var all: [Int: AuditLog.Receipt] = [:]
            for try await (n, receipt) in group { all[n] = receipt }
            return all
        }
        #expect(Set(receipts.values.map(\.logIndex)) == Set(0..<300))
        for (n, receipt) in receipts { try Self.verify(receipt, entry: entries[n]) }
        let batches = await log.recentBatchSizes
        #expect(batches.reduce(0, +) == 300)
        #expect(batches.count < 300, "no two appends shared a write")
        #expect(await log.treeSize == 300)
    }

    @Test func reopenedLogContinuesAndProvesConsistency() async throws {
        let path = temporaryPath()
        var log = try AuditLog(path: path, origin: Self.origin, signer: Self.signer)
        var checkpoints: [Checkpoint] = []
        for n in 0..<37 {
            let receipt = try await log.append(entry(n))
            if n == 4 || n == 20 { checkpoints.append(try Checkpoint.open(receipt.checkpoint, verifiers: [Self.signer.verifier], origin: Self.origin)) }
        }
        log = try AuditLog(path: path, origin: Self.origin, signer: Self.signer)
        #expect(await log.treeSize == 37)
        let last = entry(37)
        let receipt = try await log.append(last)
        #expect(receipt.logIndex == 37)
        try Self.verify(receipt, entry: last)
        let latest = try Checkpoint.open(receipt.checkpoint, verifiers: [Self.signer.verifier], origin: Self.origin)
        for old in checkpoints {
            let proof = try await log.consistencyProof(from: old.size, to: latest.size)
            #expect(MerkleTree.verifyConsistency(oldSize: old.size, newSize: latest.size, oldRoot: old.rootHash, newRoot: latest.rootHash, proof: proof))
        }
        let inclusion = try await log.inclusionProof(index: 3, treeSize: 21)
        let entries = try await log.entries(from: 3, count: 1)
        #expect(MerkleTree.verifyInclusion(index: 3, size: 21, leafHash: MerkleTree.leafHash(entries[0].data), proof: inclusion, root: checkpoints[1].rootHash))
        let report = try AuditVerifier.verify(path: path, origin: Self.origin, verifiers: [Self.signer.verifier])
        #expect(report.isIntact)
        #expect(report.entries == 38)
        #expect(report.checkpoints == 38)
    }

    /// Builds a log of 40 entries, applies a forgery with plain SQL, and returns the verifier's report.
    func forged(_ sql: String) async throws -> AuditVerifier.Report {
        let path = temporaryPath()
        let log = try AuditLog(path: path, origin: Self.origin, signer: Self.signer)
        for n in 0..<40 { _ = try await log.append(entry(n)) }
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in try db.execute(sql: sql) }
        return try AuditVerifier.verify(path: path, origin: Self.origin, verifiers: [Self.signer.verifier])
    }

    @Test func twoWritersOnOneLogKeepItWhole() async throws {
        // A server and `creditgate keys rotate` may append to the same file.
        let path = temporaryPath()
        let server = try AuditLog(path: path, origin: Self.origin, signer: Self.signer)
        let other = try AuditLog(path: path, origin: Self.origin, signer: Self.signer)
        var seen: [(AuditLog.Receipt, AuditEntry)] = []
        for n in 0..<12 {
            let writer = n % 3 == 2 ? other : server
            let entry = entry(n)
            seen.append((try await writer.append(entry), entry))
        }
        #expect(seen.map(\.0.logIndex) == Array(0..<12))
        for (receipt, entry) in seen { try Self.verify(receipt, entry: entry) }
        let report = try AuditVerifier.verify(path: path, origin: Self.origin, verifiers: [Self.signer.verifier])
        #expect(report.isIntact && report.entries == 12)
    }

    @Test func alteredEntryIsNamed() async throws {
        let report = try await forged("UPDATE entries SET data = CAST('{\"operation\":\"forged\"}' AS BLOB) WHERE idx = 17")
        #expect(report.firstBadIndex == 17)
    }

    @Test func rewrittenEntryWithRecomputedLeafHashIsCaught() async throws {
        let forgedData = Array(#"{"operation":"forged"}"#.utf8)
        let leaf = MerkleTree.leafHash(forgedData).map { String(format: "%02x", $0) }.joined()
        let report = try await forged("UPDATE entries SET data = CAST('{\"operation\":\"forged\"}' AS BLOB), leaf_hash = x'\(leaf)' WHERE idx = 17")
        #expect(!report.isIntact)
        #expect(report.firstBadIndex == 16)  // the stored pair hash over leaves 16..<18 no longer matches
    }

    @Test func deletedEntryIsNamed() async throws {
        let report = try await forged("DELETE FROM entries WHERE idx = 25")
        #expect(report.firstBadIndex == 25)
    }

    @Test func candidatesAreKeyedHashesNotPlainHashes() {
        let hasher = CandidateHasher(key: Array("audit-key-for-tests".utf8))
        let a = hasher.hmac(ofIDNumber: "11010519491231002X")
        #expect(a == hasher.hmac(ofIDNumber: "11010519491231002X"))
        #expect(a != CandidateHasher(key: Array("another key".utf8)).hmac(ofIDNumber: "11010519491231002X"))
        #expect(a.count == 64)
    }
}
