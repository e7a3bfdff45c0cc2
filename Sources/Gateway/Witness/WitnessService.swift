import Attestation
import CreditCore
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import SQLiteStorage
import Storage

/// A transparency-log witness (C2SP `tlog-witness`, `tlog-cosignature` v1 with Ed25519), as
/// `creditgate witness serve` runs it: it cosigns a log's checkpoint only when a trusted key
/// signed it and it is consistent with the last checkpoint it cosigned for that log, so a log
/// that shows two histories is caught by the first witness that sees both.
///
/// - `POST /add-checkpoint`: the protocol's one write (200 cosignature lines; 409 `text/x.tlog.size`;
///   403, 404, 400, 422 with a reason);
/// - `GET /<hex SHA-256 of the origin>/checkpoint`: the last checkpoint it cosigned for a log,
///   with the log's signatures and its own.
///
/// Its state is a SQLite file (``SQLiteWitnessStore``) and its key a 32-byte seed (`witness.key`,
/// 0600), both in its folder; the key is made on first start.
package enum WitnessService {
    package struct Configuration: Sendable {
        package var host = "127.0.0.1"
        package var port = 8455
        /// The witness's name: the key name of its cosignatures (a schema-less URL).
        package var name = "witness.creditgate.local"
        package var folder = "witness"
        /// Server TLS; plain HTTP when nil (behind a terminating proxy).
        package var certificate: String?
        package var privateKey: String?
        /// The logs it witnesses: verifier keys (`origin+id+base64`).
        package var logKeys: [String] = []
        /// Or JWK Sets (as a gateway's `GET /v1/keys` serves), each with the origin its keys sign
        /// for: reloaded when the file changes, so a rotated log key is trusted without a restart.
        package var logKeySets: [(origin: String, file: String)] = []
        package var now: @Sendable () -> Date = { Date() }

        package init() {}
    }

    /// The witness's key (made if missing) and the signer of its cosignatures.
    package static func signer(_ configuration: Configuration) throws -> CosignatureSigner {
        let folder = URL(fileURLWithPath: configuration.folder, isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("witness.key")
        if !FileManager.default.fileExists(atPath: file.path) {
            try PrivateFile.write(Data(Ed25519SigningKey().seed), to: file)
        }
        return CosignatureSigner(name: configuration.name, key: try Ed25519SigningKey(seed: Array(try Data(contentsOf: file))))
    }

    package static func make(
        configuration: Configuration, logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        let signer = try signer(configuration)
        let store = try SQLiteWitnessStore(path: URL(fileURLWithPath: configuration.folder).appendingPathComponent("witness.sqlite").path)
        let fixed = try configuration.logKeys.map { try NoteVerifier(verifierKey: $0) }
        let sets = try configuration.logKeySets.map { origin, file in
            (origin, try ReloadingFile(URL(fileURLWithPath: file), logger: logger) { try JSONDecoder().decode(JWKSet.self, from: Data(contentsOf: $0)) })
        }
        let trusted: @Sendable () -> [String: [NoteVerifier]] = {
            var logs = Dictionary(grouping: fixed, by: \.name)
            for (origin, set) in sets { logs[origin, default: []] += set.value.noteVerifiers(name: origin) }
            return logs
        }
        let router = Router()
        router.post("/add-checkpoint") { request, context -> Response in
            let body = try await request.body.collect(upTo: 64 << 10)
            let submitted: AddCheckpoint
            do throws(AttestationError) {
                submitted = try AddCheckpoint(body: Array(buffer: body))
            } catch {
                return text(.badRequest, error.reason)
            }
            let origin = submitted.checkpoint.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? ""
            let logs = trusted()
            let time = UInt64(max(1, configuration.now().timeIntervalSince1970))
            let outcome = try await store.update(origin: origin, submitted: submitted.checkpoint) { last in
                WitnessRule.decide(submitted, logs: logs, last: last, signer: signer, time: time)
            }
            switch outcome {
            case .cosigned(let lines, let now):
                logger.info("cosigned", metadata: ["origin": "\(origin)", "size": "\(now.size)"])
                return text(.ok, lines, type: "text/x.tlog.cosignature")
            case .conflict(let size): return text(.conflict, "\(size)\n", type: "text/x.tlog.size")
            case .unknownLog(let reason): return text(.notFound, reason)
            case .forbidden(let reason): return text(.forbidden, reason)
            case .badRequest(let reason): return text(.badRequest, reason)
            case .inconsistent(let reason):
                logger.warning("refused an inconsistent checkpoint", metadata: ["origin": "\(origin)", "reason": "\(reason)"])
                return text(.unprocessableContent, reason)
            }
        }
        router.get("/{originHash}/checkpoint") { _, context -> Response in
            let hash = context.parameters.get("originHash") ?? ""
            guard let origin = trusted().keys.first(where: { Hex.lowercase(Array(SHA256.hash(data: Array($0.utf8)))) == hash }),
                  let last = try await store.latest(origin: origin) else {
                return text(.notFound, "this witness has cosigned no checkpoint for that log")
            }
            return text(.ok, last.note)
        }
        let address = BindAddress.hostname(configuration.host, port: configuration.port)
        let running: @Sendable (any Channel) async -> Void = { channel in await onRunning(channel.localAddress?.port ?? configuration.port) }
        if let certificate = configuration.certificate, let key = configuration.privateKey {
            let tls = try GatewayApplication.serverTLS(certificate: certificate, privateKey: key, clientCA: nil)
            return Application(router: router, server: try .tls(.http1(), tlsConfiguration: tls),
                               configuration: .init(address: address, serverName: "CreditGate witness"), onServerRunning: running, logger: logger)
        }
        return Application(router: router, server: .http1(), configuration: .init(address: address, serverName: "CreditGate witness"),
                           onServerRunning: running, logger: logger)
    }

    private static func text(_ status: HTTPResponse.Status, _ body: String, type: String = "text/plain; charset=utf-8") -> Response {
        Response(status: status, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(string: body.hasSuffix("\n") ? body : body + "\n")))
    }
}
