import AsyncHTTPClient
import Attestation
import Foundation
import Logging
import Metrics
import NIOCore
import NIOSSL
import ServiceLifecycle

/// A witness the gateway submits its checkpoints to: where it listens and its cosignature key.
package struct WitnessEndpoint: Sendable {
    /// The submission prefix: `add-checkpoint` is asked under it.
    package var url: URL
    package var key: WitnessKey

    /// `"<submission prefix URL> <verifier key>"`, as the configuration lists witnesses.
    package init(_ text: String) throws {
        let parts = text.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2, let url = URL(string: String(parts[0])), ["http", "https"].contains(url.scheme ?? "") else {
            throw AttestationError(.keyMalformed, "a witness is `<https URL> <verifier key>`, not \(text)")
        }
        self.url = url
        key = try WitnessKey(verifierKey: String(parts[1]))
    }
}

/// Submits the log's latest checkpoint to each witness (C2SP `tlog-witness`) with a consistency
/// proof from the size the witness last cosigned, and keeps the cosignatures that verify, so
/// that the log publishes a witnessed checkpoint (`GET /v1/audit/checkpoint/cosigned`).
///
/// At most one submission per witness per `interval`: the log signs a checkpoint per write, and a
/// witness needs only the latest. A witness's size is learnt from its `409` answer; a `422` (the
/// witness holds a checkpoint this log cannot be shown consistent with) is logged as an error and
/// counted (`creditgate_witness_refusals_total`): it means the log was forked or rewritten.
/// Several gateways on one database each submit; the protocol's `409` keeps them in step.
package struct CheckpointWitnessing: Service {
    let witnesses: [WitnessEndpoint]
    let audit: AuditLog
    let trust: TLSConfiguration
    let interval: Duration
    let logger: Logger

    package init(witnesses: [WitnessEndpoint], audit: AuditLog, trust: TLSConfiguration, interval: Duration, logger: Logger) {
        self.witnesses = witnesses
        self.audit = audit
        self.trust = trust
        self.interval = interval
        self.logger = logger
    }

    package func run() async throws {
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: trust, timeout: .init(connect: .seconds(5), read: .seconds(10))))
        await cancelWhenGracefulShutdown { await submitting(with: http) }
        try? await http.shutdown()
    }

    private func submitting(with http: HTTPClient) async {
        var sizes = [Int?](repeating: nil, count: witnesses.count)
        while !Task.isCancelled {
            if let latest = try? await audit.store.latestCheckpoint() {
                for index in witnesses.indices where sizes[index] != latest.size {
                    sizes[index] = await submit(latest, to: witnesses[index], believed: sizes[index] ?? 0, http: http)
                }
            }
            try? await Task.sleep(for: interval)
        }
    }

    /// One submission, and one more if the witness's size was not the one believed; returns the
    /// size the witness now holds, or nil when unknown.
    private func submit(_ checkpoint: StoredCheckpoint, to witness: WitnessEndpoint, believed: Int, http: HTTPClient) async -> Int? {
        var old = believed
        for _ in 0..<2 {
            do {
                let proof = old == 0 || old >= checkpoint.size ? [] : try await audit.consistencyProof(from: old, to: checkpoint.size)
                var request = HTTPClientRequest(url: witness.url.appendingPathComponent("add-checkpoint").absoluteString)
                request.method = .POST
                request.body = .bytes(ByteBuffer(string: AddCheckpoint(oldSize: old, proof: proof, checkpoint: checkpoint.note).body))
                let response = try await http.execute(request, timeout: .seconds(10))
                let body = String(buffer: try await response.body.collect(upTo: 64 << 10))
                switch response.status.code {
                case 200:
                    let lines = body.split(separator: "\n").map { $0 + "\n" }.filter { witness.key.cosignedAt(checkpoint.note + $0) != nil }
                    guard !lines.isEmpty else {
                        logger.error("a witness answered without a valid cosignature", metadata: ["witness": "\(witness.key.name)"])
                        return nil
                    }
                    try await audit.store.addCosignatures(lines, size: checkpoint.size)
                    return checkpoint.size
                case 409:
                    guard let size = Int(body.trimmingCharacters(in: .whitespacesAndNewlines)) else { return nil }
                    // Another gateway of the log may have been there first with a newer checkpoint.
                    if size >= checkpoint.size { return size }
                    old = size
                case 422:
                    Counter(label: "creditgate_witness_refusals_total", dimensions: [("witness", witness.key.name)]).increment()
                    logger.error("a witness refused the checkpoint as inconsistent with the one it cosigned: the log may be forked",
                                 metadata: ["witness": "\(witness.key.name)", "size": "\(checkpoint.size)", "reason": "\(body)"])
                    // Not offered again until the log grows (the witness's 409 then says where it stands).
                    return checkpoint.size
                default:
                    logger.warning("a witness refused the checkpoint", metadata: [
                        "witness": "\(witness.key.name)", "status": "\(response.status.code)", "reason": "\(body)"])
                    return nil
                }
            } catch {
                // Stopping: the request was cancelled, not refused.
                if Task.isCancelled { return nil }
                logger.warning("a witness could not be reached", metadata: ["witness": "\(witness.key.name)", "error": "\(error)"])
                return nil
            }
        }
        return nil
    }
}
