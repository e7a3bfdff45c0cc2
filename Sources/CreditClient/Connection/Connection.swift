import AsyncHTTPClient
import Attestation
import Foundation
import GatewayAPI
import NIOCore
import NIOSSL
import OpenAPIAsyncHTTPClient
import OpenAPIRuntime

/// The generated client over mutual TLS, with the checks every answer gets before it is used:
/// the status (a problem becomes a ``ClientFailure``), then the digest, signature and audit proofs
/// against the published keys (fetched into the ``KeyRing`` when a new key appears).
///
/// ```swift
/// let connection = try Connection(settings: settings)
/// let (output, receipt) = try await connection.call { try await $0.getArchiveStatus() }
/// let status = try output.ok.body.json
/// ```
package final class Connection {
    package let client: Client
    package let server: URL
    /// Where receipts, the key set and the largest checkpoint seen are kept.
    package let folder: ReceiptFolder
    package private(set) var keyRing: KeyRing
    private let http: HTTPClient

    package init(settings: Settings) throws {
        let server = try settings.require(\.server, flag: "server")
        guard let url = URL(string: server), url.scheme == "https", url.host != nil else {
            throw UsageError("the server must be an https:// URL, not \(server)")
        }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        do {
            if let ca = settings.ca { tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(ca)) }
            let certificate = try settings.require(\.certificate, flag: "cert")
            let key = try settings.require(\.key, flag: "key")
            tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
        } catch let error as UsageError {
            throw error
        } catch {
            throw UsageError("the client certificate, its key or the CA cannot be read: \(error)")
        }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.timeout.connect = .seconds(10)
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.server = url
        client = Client(serverURL: url, transport: AsyncHTTPClientTransport(configuration: .init(client: http, timeout: .minutes(30))),
                        middlewares: [CaptureMiddleware()])
        folder = ReceiptFolder(settings.receiptsFolder)
        keyRing = try KeyRing(file: folder.keysFile)
    }

    package func shutdown() async {
        try? await http.shutdown()
    }

    /// Runs one operation and returns its output with the verified receipt of its response.
    /// `streamsBody`: the body is left to the caller (see ``ExchangeCapture``), who verifies the
    /// receipt as it streams (``verifier(for:)``, ``accept(_:verifier:)``); only the status is checked here.
    /// and the signature over the headers are checked here.
    package func call<Output>(
        streamsBody: Bool = false, _ operation: (Client) async throws -> Output
    ) async throws -> (output: Output, receipt: Receipt) {
        let capture = ExchangeCapture(streamsBody: streamsBody)
        let output: Output
        do {
            output = try await ExchangeCapture.$current.withValue(capture) { try await operation(client) }
        } catch {
            // A response that came but could not be decoded is judged by its status below.
            guard let receipt = capture.receipt else { throw ClientFailure.network(Self.describe(error)) }
            try ClientFailure.check(receipt)
            throw ClientFailure.server(status: receipt.status, detail: "the answer could not be read: \(Self.describe(error))")
        }
        guard let receipt = capture.receipt else { throw ClientFailure.server(status: 0, detail: "no response was recorded") }
        try ClientFailure.check(receipt)
        if !streamsBody { try await verify(receipt) }
        return (output, receipt)
    }

    /// Verifies a receipt with the known keys, fetching the published set first when its key is new,
    /// and remembers the largest checkpoint its proofs were checked against.
    func verify(_ receipt: Receipt) async throws {
        let verifier = try await verifier(for: receipt)
        try accept(verifier.verify(receipt), verifier: verifier)
    }

    /// A verifier with the keys a response's signatures need: the published set is fetched first
    /// when any `keyid` is new (an SM2 key appears beside a known Ed25519 one when the gateway turns
    /// `signing.sm2` on).
    func verifier(for head: Receipt) async throws -> ReceiptVerifier {
        if Self.keyIDs(of: head).contains(where: { !keyRing.knows($0) }) { try await refreshKeys() }
        return ReceiptVerifier(keys: keyRing.keys)
    }

    /// Throws unless every step passed; remembers the largest checkpoint the proofs were checked against.
    func accept(_ report: ReceiptVerifier.Report, verifier: ReceiptVerifier) throws {
        if let failed = report.outcomes.first(where: { !$0.passed }) {
            throw ClientFailure.unverified("\(failed.step.rawValue): \(failed.detail)")
        }
        if let checkpoint = report.checkpoint, let note = report.checkpointNote {
            try folder.remember(checkpoint: checkpoint, note: note, opening: verifier.open(checkpoint:))
        }
    }

    /// Fetches `GET /v1/keys` and adds what is new to the key ring (retired keys stay).
    @discardableResult
    package func refreshKeys() async throws -> JWKSet {
        let capture = ExchangeCapture()
        do {
            _ = try await ExchangeCapture.$current.withValue(capture) { try await client.getKeys() }
        } catch {
            throw ClientFailure.network(Self.describe(error))
        }
        guard let receipt = capture.receipt else { throw ClientFailure.server(status: 0, detail: "no response was recorded") }
        try ClientFailure.check(receipt)
        let published: JWKSet
        do {
            published = try JSONDecoder().decode(JWKSet.self, from: Data(receipt.body))
        } catch {
            throw ClientFailure.server(status: receipt.status, detail: "the key set is not a JWK Set")
        }
        try keyRing.add(published)
        // The key set is itself signed, by one of the keys it publishes.
        do { _ = try ReceiptVerifier(keys: published).verifySignature(receipt) } catch {
            throw ClientFailure.unverified("the key set's signature: \(error.reason)")
        }
        return published
    }

    /// Every signature's `keyid` (each label's), in order.
    static func keyIDs(of receipt: Receipt) -> [String] {
        var rest = receipt.header("signature-input")?[...] ?? ""
        var keyIDs: [String] = []
        while let start = rest.range(of: "keyid=\""), let end = rest[start.upperBound...].firstIndex(of: "\"") {
            keyIDs.append(String(rest[start.upperBound..<end]))
            rest = rest[end...]
        }
        return keyIDs
    }

    /// The innermost error's text: the runtime wraps transport errors (TLS, refused connections).
    static func describe(_ error: any Error) -> String {
        if let clientError = error as? ClientError { return describe(clientError.underlyingError) }
        return String(describing: error)
    }
}
