import Attestation
import Foundation

/// Checks a receipt offline, with the published keys only: the body against its `Content-Digest`,
/// the RFC 9421 signatures over status, type, digest and the request line (every one present:
/// Ed25519, and SM2 on a dual-signed answer), and every audit proof in the body (each answer's
/// entry is in the log under a checkpoint the service signed). An assessor can require algorithms
/// (`credit verify --require sm2`): then each signature and each checkpoint must carry them.
///
/// Every step is reported, passed or not, so a person sees which part of the evidence fails.
///
/// ```swift
/// let report = try ReceiptVerifier(keys: keySet).verify(file: receiptFile)
/// report.passed   // false when anything was altered
/// ```
package struct ReceiptVerifier: Sendable {
    package let keys: JWKSet
    /// Algorithms the answer's signatures and its checkpoints must each include.
    package let required: Set<SignatureAlgorithm>
    /// The `tag` every CreditGate signature carries.
    package static let tag = "creditgate"

    package init(keys: JWKSet, requiring required: Set<SignatureAlgorithm> = []) {
        self.keys = keys
        self.required = required
    }

    package enum Step: String, Sendable, CaseIterable {
        case digest, signature, proofs, witnesses
    }

    package struct Outcome: Sendable {
        package var step: Step
        package var passed: Bool
        /// What was checked, or why it failed.
        package var detail: String

        package init(step: Step, passed: Bool, detail: String) {
            self.step = step
            self.passed = passed
            self.detail = detail
        }
    }

    package struct Report: Sendable {
        package var outcomes: [Outcome]
        /// The largest checkpoint the proofs were checked against.
        package var checkpoint: Checkpoint?
        package var checkpointNote: String?
        package var passed: Bool { outcomes.allSatisfy(\.passed) }
        package func outcome(_ step: Step) -> Outcome? { outcomes.first { $0.step == step } }
    }

    /// Verifies a receipt held in memory.
    package func verify(_ receipt: Receipt) -> Report {
        var pass = Pass(verifier: self, head: receipt)
        let read = pass.proofOnly
        pass.consume(receipt.body[...], line: read)
        return pass.finish(line: read)
    }

    /// Verifies a receipt file, reading its body in blocks (never holding it whole).
    package func verify(file: URL) throws -> Report {
        let reader = try ReceiptReader(file)
        var pass = Pass(verifier: self, head: reader.head)
        let read = pass.proofOnly
        do {
            while let block = try reader.next() { pass.consume(block, line: read) }
        } catch {
            throw ReceiptError("cannot read \(file.path): \(error.localizedDescription)")
        }
        return pass.finish(line: read)
    }

    /// One pass over a body as its bytes come: its digest, and each answer's proof.
    ///
    /// Each NDJSON line goes to a `line` reader that returns the line's audit receipt: by default
    /// it decodes only that; a batch run's reader also turns the line into its results row, so
    /// that each line is decoded once.
    struct Pass {
        let verifier: ReceiptVerifier
        let head: Receipt
        let isLines: Bool
        var digest = ContentDigest.Streaming()
        var size = 0
        var lines = LineSplitter()
        /// A JSON (not NDJSON) body, kept whole: it is one answer, or an inline batch.
        var json: [UInt8] = []
        var proofs: ProofChecker
        let decoder = JSONDecoder()
        var proofFailure: String?

        init(verifier: ReceiptVerifier, head: Receipt) {
            self.verifier = verifier
            self.head = head
            isLines = AuditProofs.isLines(head.header("content-type"))
            proofs = ProofChecker(verifier: verifier)
        }

        /// Decodes a line's audit receipt and nothing else.
        var proofOnly: (ArraySlice<UInt8>) throws -> AuditProofs.Audit? {
            { [decoder] line in try AuditProofs.line(line, decoder: decoder) }
        }

        mutating func consume(_ block: ArraySlice<UInt8>, line read: (ArraySlice<UInt8>) throws -> AuditProofs.Audit?) {
            digest.update(block)
            size += block.count
            guard isLines else {
                json += block
                return
            }
            guard proofFailure == nil else { return }
            var checker = proofs
            do {
                try lines.feed(block) { line in
                    if !line.isEmpty, let audit = try read(line) { try checker.check(audit) }
                }
                proofs = checker
            } catch {
                proofFailure = Self.describe(error)
            }
        }

        mutating func finish(line read: (ArraySlice<UInt8>) throws -> AuditProofs.Audit?) -> Report {
            var report = Report(outcomes: [])
            do {
                try ContentDigest.verify(header: head.header("content-digest") ?? "", streamed: digest)
                report.outcomes.append(.init(step: .digest, passed: true, detail: "\(size) bytes"))
            } catch {
                report.outcomes.append(.init(step: .digest, passed: false, detail: error.reason))
            }
            do {
                let verified = try verifier.verifySignature(head)
                let detail = verified.map { "\($0.algorithm.rawValue) keyid \($0.parameters.keyID ?? "")" }.joined(separator: "; ")
                report.outcomes.append(.init(step: .signature, passed: true, detail: detail))
            } catch {
                report.outcomes.append(.init(step: .signature, passed: false, detail: error.reason))
            }
            if proofFailure == nil {
                do {
                    if isLines {
                        var checker = proofs
                        try lines.finish { line in
                            if !line.isEmpty, let audit = try read(line) { try checker.check(audit) }
                        }
                        proofs = checker
                    } else {
                        for audit in try AuditProofs.body(json, contentType: head.header("content-type")) { try proofs.check(audit) }
                    }
                } catch {
                    proofFailure = Self.describe(error)
                }
            }
            if let proofFailure {
                report.outcomes.append(.init(step: .proofs, passed: false, detail: proofFailure))
            } else if proofs.count > 0 {
                report.checkpoint = proofs.newest?.checkpoint
                report.checkpointNote = proofs.newest?.note
                report.outcomes.append(.init(step: .proofs, passed: true, detail: "\(proofs.count) inclusion proof(s)"))
            }
            return report
        }

        static func describe(_ error: any Error) -> String {
            (error as? AttestationError)?.reason ?? "the body cannot be read: \(error)"
        }
    }

    /// The RFC 9421 signatures of the response, bound to the request line: every one it carries
    /// must verify, and they must include the required algorithms.
    package func verifySignature(_ receipt: Receipt) throws(AttestationError) -> [VerifiedSignature] {
        guard let url = URLComponents(string: receipt.url), let host = url.host else {
            throw AttestationError(.fieldMalformed, "the receipt's request URL is malformed")
        }
        let target = url.percentEncodedPath + (url.percentEncodedQuery.map { "?" + $0 } ?? "")
        let authority = url.port.map { "\(host):\($0)" } ?? host
        let message = MessageComponents(
            response: .init(status: receipt.status, headers: receipt.headers),
            request: .init(method: receipt.method, target: target, authority: authority, scheme: url.scheme ?? "https"))
        let verified = try MessageVerifier(keySet: keys).verifyAll(
            message, signatureInput: receipt.header("signature-input") ?? "", signature: receipt.header("signature") ?? "",
            required: MessageSigner.responseComponents, tag: Self.tag)
        try requireAlgorithms(of: verified.map(\.algorithm), "the answer")
        return verified
    }

    private func requireAlgorithms(of present: [SignatureAlgorithm], _ what: String) throws(AttestationError) {
        for algorithm in required.sorted(by: { $0.rawValue < $1.rawValue }) where !present.contains(algorithm) {
            throw AttestationError(.signatureMissing, "\(what) has no \(algorithm.rawValue) signature, which is required")
        }
    }

    /// Checks that a receipt's checkpoint is covered by what witnesses cosigned: the cosigned
    /// checkpoint (the log's note with the witnesses' lines) is signed by the log, cosigned by at
    /// least `required` of `witnesses`, no smaller than the receipt's, and consistent with it
    /// (`proof`, RFC 9162 §2.1.4). A log that showed this receipt a history the witnesses never
    /// saw fails here. Returns the witnesses that cosigned.
    package func verifyWitnessed(
        _ checkpoint: Checkpoint, cosigned note: String, proof: [MerkleTree.Hash], witnesses: [WitnessKey], required: Int
    ) throws(AttestationError) -> [WitnessKey] {
        let witnessed = try open(checkpoint: note)
        let cosigners = WitnessKey.cosigners(of: note, among: witnesses)
        guard cosigners.count >= required else {
            throw AttestationError(.noteUnverified, "\(cosigners.count) of the \(required) required witnesses cosigned the log's witnessed checkpoint")
        }
        guard witnessed.size >= checkpoint.size else {
            throw AttestationError(.proofInvalid, "no witness has cosigned a checkpoint covering this receipt yet (witnessed \(witnessed.size) entries, the receipt's checkpoint \(checkpoint.size))")
        }
        guard MerkleTree.verifyConsistency(oldSize: checkpoint.size, newSize: witnessed.size, oldRoot: checkpoint.rootHash,
                                           newRoot: witnessed.rootHash, proof: proof) else {
            throw AttestationError(.proofInvalid, "the receipt's checkpoint (\(checkpoint.size) entries) is not consistent with the one witnesses cosigned (\(witnessed.size)): the log was forked or rewritten")
        }
        return cosigners
    }

    /// Opens a signed checkpoint note with the published keys (under the origin the note names).
    package func open(checkpoint note: String) throws(AttestationError) -> Checkpoint {
        guard let origin = note.split(separator: "\n", maxSplits: 1).first.map(String.init) else {
            throw AttestationError(.checkpointMalformed, "an empty checkpoint")
        }
        let (checkpoint, signers) = try Checkpoint.openSigned(note, verifiers: keys.noteVerifiers(name: origin), origin: origin)
        try requireAlgorithms(of: signers.map(\.publicKey.algorithm), "the checkpoint")
        return checkpoint
    }
}

/// Checks inclusion proofs one by one against their checkpoints; each distinct checkpoint note is
/// opened (its signature checked) once, since a batch's answers share a few.
struct ProofChecker {
    let verifier: ReceiptVerifier
    private var opened: [String: Checkpoint] = [:]
    private(set) var count = 0
    private(set) var newest: (checkpoint: Checkpoint, note: String)?

    init(verifier: ReceiptVerifier) { self.verifier = verifier }

    mutating func check(_ audit: AuditProofs.Audit) throws(AttestationError) {
        count += 1
        let what = "answer \(count)"
        let checkpoint: Checkpoint
        if let known = opened[audit.checkpoint] {
            checkpoint = known
        } else {
            do { checkpoint = try verifier.open(checkpoint: audit.checkpoint) } catch {
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
}
