import Attestation
import Foundation
import Testing

/// The audit log's behaviour, the same on every backend.
@Suite("Audit log store")
struct AuditLogStoreTests {
    static let origin = "creditgate.test/audit"
    static let signer = NoteSigner(name: origin, key: Ed25519SigningKey())

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

    func log(_ fixture: AuditLogFixture) async throws -> AuditLog {
        AuditLog(store: try await fixture.open(), origin: Self.origin, signer: Self.signer)
    }

    @Test(arguments: StorageBackend.allCases)
    func concurrentAppendsAreGroupedAndEachIsProven(_ backend: StorageBackend) async throws {
        let log = try await log(try await .make(backend))
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
        #expect(try await log.treeSize() == 300)
    }

    @Test(arguments: StorageBackend.allCases)
    func reopenedLogContinuesAndProvesConsistency(_ backend: StorageBackend) async throws {
        let fixture = try await AuditLogFixture.make(backend)
        var log = try await log(fixture)
        var checkpoints: [Checkpoint] = []
        for n in 0..<37 {
            let receipt = try await log.append(entry(n))
            if n == 4 || n == 20 { checkpoints.append(try Checkpoint.open(receipt.checkpoint, verifiers: [Self.signer.verifier], origin: Self.origin)) }
        }
        log = try await self.log(fixture)
        #expect(try await log.treeSize() == 37)
        let last = entry(37)
        let receipt = try await log.append(last)
        #expect(receipt.logIndex == 37)
        try Self.verify(receipt, entry: last)
        let latest = try Checkpoint.open(receipt.checkpoint, verifiers: [Self.signer.verifier], origin: Self.origin)
        #expect(try await log.latestCheckpoint() == receipt.checkpoint)
        for old in checkpoints {
            let proof = try await log.consistencyProof(from: old.size, to: latest.size)
            #expect(MerkleTree.verifyConsistency(oldSize: old.size, newSize: latest.size, oldRoot: old.rootHash, newRoot: latest.rootHash, proof: proof))
            #expect(try await log.checkpoint(size: old.size).map { try Checkpoint.open($0, verifiers: [Self.signer.verifier], origin: Self.origin) } == old)
        }
        let inclusion = try await log.inclusionProof(index: 3, treeSize: 21)
        let entries = try await log.entries(from: 3, count: 1)
        #expect(MerkleTree.verifyInclusion(index: 3, size: 21, leafHash: MerkleTree.leafHash(entries[0].data), proof: inclusion, root: checkpoints[1].rootHash))
        await #expect(throws: AttestationError.self) { try await log.inclusionProof(index: 3, treeSize: 39) }
        let report = try await AuditVerifier.verify(store: log.store, origin: Self.origin, verifiers: [Self.signer.verifier])
        #expect(report.isIntact)
        #expect(report.entries == 38)
        #expect(report.checkpoints == 38)
    }

    @Test(arguments: StorageBackend.allCases)
    func twoWritersOnOneLogKeepItWhole(_ backend: StorageBackend) async throws {
        // Two gateways on one database, or a server and `creditgate keys rotate` on one file.
        let fixture = try await AuditLogFixture.make(backend)
        let server = try await log(fixture)
        let other = try await log(fixture)
        var seen: [(AuditLog.Receipt, AuditEntry)] = []
        for n in 0..<12 {
            let writer = n % 3 == 2 ? other : server
            let entry = entry(n)
            seen.append((try await writer.append(entry), entry))
        }
        #expect(seen.map(\.0.logIndex) == Array(0..<12))
        for (receipt, entry) in seen { try Self.verify(receipt, entry: entry) }
        let report = try await AuditVerifier.verify(store: server.store, origin: Self.origin, verifiers: [Self.signer.verifier])
        #expect(report.isIntact && report.entries == 12)
    }

    @Test(arguments: StorageBackend.allCases)
    func concurrentWritersNeverFork(_ backend: StorageBackend) async throws {
        // Three writers appending at once: every checkpoint any of them signed is consistent with
        // the last one.
        let fixture = try await AuditLogFixture.make(backend)
        var writers: [AuditLog] = []
        for _ in 0..<3 { writers.append(try await log(fixture)) }
        let receipts = try await withThrowingTaskGroup(of: AuditLog.Receipt.self) { group in
            for n in 0..<150 { group.addTask { [writers] in try await writers[n % 3].append(entry(n)) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(receipts.map(\.logIndex)) == Set(0..<150))
        let checkpoints = try receipts.map { try Checkpoint.open($0.checkpoint, verifiers: [Self.signer.verifier], origin: Self.origin) }
        let latest = try #require(checkpoints.max { $0.size < $1.size })
        #expect(latest.size == 150)
        for old in checkpoints where old.size < latest.size {
            let proof = try await writers[0].consistencyProof(from: old.size, to: latest.size)
            #expect(MerkleTree.verifyConsistency(oldSize: old.size, newSize: latest.size, oldRoot: old.rootHash, newRoot: latest.rootHash, proof: proof))
        }
        let report = try await AuditVerifier.verify(store: writers[1].store, origin: Self.origin, verifiers: [Self.signer.verifier])
        #expect(report.isIntact && report.entries == 150)
    }

    /// Builds a log of 40 entries, forges it, and returns the verifier's report.
    func forged(_ backend: StorageBackend, _ forgery: AuditForgery) async throws -> AuditVerifier.Report {
        let fixture = try await AuditLogFixture.make(backend)
        let log = try await log(fixture)
        for n in 0..<40 { _ = try await log.append(entry(n)) }
        try await fixture.forge(forgery)
        return try await AuditVerifier.verify(store: log.store, origin: Self.origin, verifiers: [Self.signer.verifier])
    }

    @Test(arguments: StorageBackend.allCases)
    func keepsEachCosignatureOnceAndPublishesTheLargestCosignedCheckpoint(_ backend: StorageBackend) async throws {
        let fixture = try await AuditLogFixture.make(backend)
        let log = try await log(fixture)
        #expect(try await log.store.latestCosigned() == nil)
        let witnesses = (1...2).map { CosignatureSigner(name: "witness.test/w\($0)", key: Ed25519SigningKey()) }
        var receipts: [AuditLog.Receipt] = []
        for n in 0..<5 { receipts.append(try await log.append(entry(n))) }
        func cosign(_ receipt: AuditLog.Receipt, by witness: CosignatureSigner) async throws {
            let text = try SignedNote.lines(of: receipt.checkpoint).text
            let line = try witness.cosign(text, time: 1_796_000_000)
            // Reported twice (two gateways): kept once.
            try await log.store.addCosignatures([line, line], size: receipt.treeSize)
        }
        try await cosign(receipts[1], by: witnesses[0])
        try await cosign(receipts[3], by: witnesses[0])
        try await cosign(receipts[3], by: witnesses[1])
        try await cosign(receipts[2], by: witnesses[1])
        let published = try #require(try await log.store.latestCosigned())
        #expect(published.size == receipts[3].treeSize)
        #expect(published.note.hasPrefix(receipts[3].checkpoint))
        #expect(WitnessKey.cosigners(of: published.note, among: witnesses.map(\.witnessKey)).count == 2)
        #expect(published.note.components(separatedBy: "\n— witness.test/").count == 3)
        _ = try Checkpoint.open(published.note, verifiers: [Self.signer.verifier], origin: Self.origin)
        // Still there after the store is opened again.
        #expect(try await self.log(fixture).store.latestCosigned() == published)
    }

    static let forgedEntry = Array(#"{"operation":"forged"}"#.utf8)

    @Test(arguments: StorageBackend.allCases)
    func alteredEntryIsNamed(_ backend: StorageBackend) async throws {
        let report = try await forged(backend, .replaceData(index: 17, with: Self.forgedEntry))
        #expect(report.firstBadIndex == 17)
    }

    @Test(arguments: StorageBackend.allCases)
    func rewrittenEntryWithRecomputedLeafHashIsCaught(_ backend: StorageBackend) async throws {
        let report = try await forged(backend, .replaceDataAndLeafHash(index: 17, with: Self.forgedEntry))
        #expect(!report.isIntact)
        #expect(report.firstBadIndex == 16)  // the stored pair hash over leaves 16..<18 no longer matches
    }

    @Test(arguments: StorageBackend.allCases)
    func deletedEntryIsNamed(_ backend: StorageBackend) async throws {
        let report = try await forged(backend, .delete(index: 25))
        #expect(report.firstBadIndex == 25)
    }

    @Test(arguments: StorageBackend.allCases)
    func deletedLastEntryLeavesItsCheckpointOrphaned(_ backend: StorageBackend) async throws {
        let report = try await forged(backend, .delete(index: 39))
        #expect(report.firstBadIndex == 39)
    }
}
