import ArchiveClient
import SQLiteStorage
import PostgresStorage
import Testing
import AsyncHTTPClient
import Attestation
import CreditCore
import Foundation
import Gateway
import GatewayAPI
import HTTPTypes
import Logging
import NIOCore
import NIOSSL
import OpenAPIAsyncHTTPClient
import OpenAPIRuntime
import ServiceLifecycle
import TestSupport

/// A real gateway on an ephemeral port, with real certificates, a real archive and real TLS.
///
/// The synthetic archive (2,000 listings, 300 records) is made once per test process and copied for
/// each gateway, so that tests do not share state.
final class TestGateway: Sendable {
    let folder: URL
    let pki: DevelopmentPKI
    let port: Int
    /// The public listener's port, when the configuration asks for one (`publicPort = 0`).
    let publicPort: Int?
    let configuration: GatewayConfiguration
    private let group: ServiceGroup
    private let running: Task<Void, any Error>

    static let listings = 2_000

    /// Starts a gateway; `adjust` changes the configuration first (limits, rates, CRL).
    convenience init(on backend: Backend = .sqlite, _ adjust: (inout GatewayConfiguration, DevelopmentPKI) throws -> Void = { _, _ in }) async throws {
        try await self.init(prepared: try await Self.prepare(on: backend, adjust))
    }

    /// Starts a gateway on a prepared folder (again, for restart tests).
    init(prepared: (URL, DevelopmentPKI, GatewayConfiguration)) async throws {
        (folder, pki, configuration) = prepared
        var logger = Logger(label: "test-gateway")
        logger.logLevel = .warning
        let (portStream, portContinuation) = AsyncStream<Int>.makeStream()
        let (publicStream, publicContinuation) = AsyncStream<Int>.makeStream()
        let app = try await GatewayApplication.make(
            configuration: configuration, logger: logger, onRunning: { portContinuation.yield($0) },
            onPublicRunning: { publicContinuation.yield($0) })
        group = ServiceGroup(services: [app], logger: logger)
        running = Task { [group] in try await group.run() }
        var iterator = portStream.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CancellationError() }
        self.port = port
        if configuration.publicPort != nil {
            var publicPorts = publicStream.makeAsyncIterator()
            guard let publicPort = await publicPorts.next() else { throw CancellationError() }
            self.publicPort = publicPort
        } else {
            publicPort = nil
        }
    }

    /// A folder with certificates, a copy of the shared archive and a configuration using them.
    /// On PostgreSQL, the stores are a fresh schema of the run's server with the same archive
    /// imported (see ``TestDatabase``).
    static func prepare(
        on backend: Backend = .sqlite, database: String? = nil, _ adjust: (inout GatewayConfiguration, DevelopmentPKI) throws -> Void = { _, _ in }
    ) async throws -> (URL, DevelopmentPKI, GatewayConfiguration) {
        let folder = TemporaryFiles.url("creditgate-gateway")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let pki = try DevelopmentPKI.create(in: folder.appendingPathComponent("certs"))
        let archivePath = folder.appendingPathComponent("archive.sqlite").path
        let shared = try await Self.sharedArchive.value
        var databaseURL: String?
        switch backend {
        case .sqlite:
            try FileManager.default.copyItem(atPath: shared.appendingPathComponent("archive.sqlite").path, toPath: archivePath)
        case .postgres:
            let url = try #require(database ?? TestDatabase.freshSchemaURL(), "run the tests as Scripts/with-postgres swift test")
            let engine = try await PostgresEngine.open(url: url, maximumConnections: 2)
            let archive = try PostgresArchive(engine)
            _ = try await archive.importDefaulters(from: shared.appendingPathComponent("defaulters.ndjson"), options: .init())
            _ = try await archive.importRecords(from: shared.appendingPathComponent("records.ndjson"), options: .init())
            await engine.close()
            databaseURL = url
        }
        var configuration = GatewayConfiguration()
        configuration.port = 0
        configuration.certificate = pki.server.certificate.path
        configuration.privateKey = pki.server.key.path
        configuration.caBundle = pki.ca.certificate.path
        configuration.clientRegistry = pki.registry.path
        configuration.stateDirectory = folder.appendingPathComponent("state").path
        configuration.archivePath = archivePath
        configuration.databaseURL = databaseURL
        try adjust(&configuration, pki)
        return (folder, pki, configuration)
    }

    /// Another gateway beside a prepared one: the same certificates, clients and database, a state
    /// folder of its own holding its own signing key and, as every gateway of a deployment must, the
    /// same audit HMAC key (README, "Several gateways").
    static func sibling(of prepared: (URL, DevelopmentPKI, GatewayConfiguration)) throws -> (URL, DevelopmentPKI, GatewayConfiguration) {
        let (folder, pki, first) = prepared
        var configuration = first
        let state = TemporaryFiles.url("creditgate-gateway-state")
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: URL(fileURLWithPath: first.stateDirectory).appendingPathComponent("audit-hmac.key"),
                                         to: state.appendingPathComponent("audit-hmac.key"))
        configuration.stateDirectory = state.path
        return (folder, pki, configuration)
    }

    /// SIGTERM's path: stop accepting, drain, stop.
    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await running.value
    }

    var url: URL { URL(string: "https://localhost:\(port)")! }
    /// The public listener (the gateway must have been started with `publicPort = 0`).
    var publicURL: URL { URL(string: "https://localhost:\(publicPort ?? 0)")! }

    /// An HTTP client presenting `role`'s certificate (or none, or another's files).
    func httpClient(role: String?, certificate: URL? = nil, key: URL? = nil, trusting ca: URL? = nil) throws -> HTTPClient {
        try Self.httpClient(pki: pki, role: role, certificate: certificate, key: key, trusting: ca)
    }

    static func httpClient(pki: DevelopmentPKI, role: String?, certificate: URL? = nil, key: URL? = nil, trusting ca: URL? = nil) throws -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile((ca ?? pki.ca.certificate).path))
        if let role, let client = pki.clients[role] {
            tls.certificateChain = try NIOSSLCertificate.fromPEMFile((certificate ?? client.certificate).path).map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: (key ?? client.key).path, format: .pem))
        } else if let certificate, let key {
            tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certificate.path).map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: key.path, format: .pem))
        }
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
    }

    /// An HTTP client presenting `role`'s certificate for the length of `body`, shut down however `body` ends.
    static func withHTTPClient<Result>(pki: DevelopmentPKI, role: String?, _ body: (HTTPClient) async throws -> Result) async throws -> Result {
        let http = try httpClient(pki: pki, role: role)
        do {
            let result = try await body(http)
            try await http.shutdown()
            return result
        } catch {
            try? await http.shutdown()
            throw error
        }
    }

    /// The generated client over mutual TLS as `role`.
    func withClient<T>(_ role: String, _ body: (Client) async throws -> T) async throws -> T {
        let http = try httpClient(role: role)
        do {
            // A generous deadline: these tests judge answers, not speed, and share two cores on CI
            // with every other suite (a browser among them).
            let transport = AsyncHTTPClientTransport(configuration: .init(client: http, timeout: .minutes(5)))
            let result = try await body(Client(serverURL: url, transport: transport))
            try await http.shutdown()
            return result
        } catch {
            try? await http.shutdown()
            throw error
        }
    }

    /// A raw request (for bodies the generated client would never send, and for headers).
    func raw(_ role: String?, _ method: String, _ path: String, body: String? = nil, contentType: String? = "application/json",
             client: HTTPClient? = nil, timeout: TimeAmount = .seconds(30)) async throws -> RawResponse {
        try await raw(role, method, path, bytes: body.map { Array($0.utf8) }, contentType: contentType, client: client, timeout: timeout)
    }

    func raw(_ role: String?, _ method: String, _ path: String, bytes body: [UInt8]?, contentType: String?,
             client: HTTPClient? = nil, timeout: TimeAmount = .seconds(30)) async throws -> RawResponse {
        let http = try client ?? httpClient(role: role)
        do {
            let response = try await Self.send(method, url, path, bytes: body, contentType: contentType, with: http, timeout: timeout)
            if client == nil { try await http.shutdown() }
            return response
        } catch {
            if client == nil { try? await http.shutdown() }
            throw error
        }
    }

    static func send(
        _ method: String, _ base: URL, _ path: String, body: String?, contentType: String?, with http: HTTPClient, timeout: TimeAmount = .seconds(30)
    ) async throws -> RawResponse {
        try await send(method, base, path, bytes: body.map { Array($0.utf8) }, contentType: contentType, with: http, timeout: timeout)
    }

    static func send(
        _ method: String, _ base: URL, _ path: String, bytes body: [UInt8]?, contentType: String?, with http: HTTPClient,
        timeout: TimeAmount = .seconds(30)
    ) async throws -> RawResponse {
        var request = HTTPClientRequest(url: base.absoluteString + path)
        request.method = .init(rawValue: method)
        if let contentType { request.headers.add(name: "content-type", value: contentType) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await http.execute(request, timeout: timeout)
        let bytes = try await response.body.collect(upTo: 512 << 20)
        return RawResponse(method: method, path: path, status: Int(response.status.code),
                           headers: response.headers.map { ($0.name.lowercased(), $0.value) }, body: Array(buffer: bytes))
    }

    struct RawResponse {
        var method: String
        var path: String
        var status: Int
        var headers: [(String, String)]
        var body: [UInt8]

        func header(_ name: String) -> String? { headers.first { $0.0 == name }?.1 }
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:] }
        var text: String { String(decoding: body, as: UTF8.self) }

        /// The response as the Python verifiers read it (Tests/Interop): status, the signed
        /// headers, the body in base64 and the request it answers on `gateway`.
        func artefact(of gateway: TestGateway) -> [String: Any] {
            [
                "status": status,
                "headers": headers.filter { ["content-type", "content-digest", "signature-input", "signature"].contains($0.0) }.map { [$0.0, $0.1] },
                "body": Base64.standard(body),
                "request": ["method": method, "url": gateway.url.absoluteString + path, "path": path, "headers": [[String]]()],
            ]
        }

        /// Verifies Content-Digest and the RFC 9421 signature with the published keys (the first:
        /// ``verifySignatures(keys:)`` checks every one).
        func verifySignature(keys: JWKSet) throws -> VerifiedSignature { try verifySignatures(keys: keys)[0] }

        /// Verifies Content-Digest and every RFC 9421 signature (Ed25519, and SM2 when on).
        func verifySignatures(keys: JWKSet) throws -> [VerifiedSignature] {
            try ContentDigest.verify(header: header("content-digest") ?? "", body: body)
            let message = MessageComponents(
                response: .init(status: status, headers: headers.filter { ["content-type", "content-digest"].contains($0.0) }.map { (name: $0.0, value: $0.1) }),
                request: .init(method: method, target: path, authority: "localhost"))
            return try MessageVerifier(keySet: keys).verifyAll(
                message, signatureInput: header("signature-input") ?? "", signature: header("signature") ?? "",
                required: MessageSigner.responseComponents, tag: "creditgate")
        }
    }

    /// The `requestDigest` an audit entry holds for a request body: keyed with this gateway's audit key.
    func requestDigest(of body: [UInt8]) throws -> String {
        let key = URL(fileURLWithPath: configuration.stateDirectory).appendingPathComponent("audit-hmac.key")
        var digest = CandidateHasher(key: Array(try Data(contentsOf: key))).bodyDigest()
        body.withUnsafeBytes { digest.update($0) }
        return digest.value
    }

    /// The published keys, fetched over the API.
    func keys() async throws -> JWKSet {
        let response = try await raw("auditor", "GET", "/v1/keys", contentType: nil)
        return try JSONDecoder().decode(JWKSet.self, from: Data(response.body))
    }

    // MARK: The shared archive

    /// Where a gateway keeps its stores.
    enum Backend: String, Sendable, CaseIterable, CustomTestStringConvertible {
        case sqlite, postgres

        /// Every backend this run reaches (PostgreSQL when the run was given a server).
        static var allCases: [Backend] { TestDatabase.url == nil ? [.sqlite] : [.sqlite, .postgres] }

        var testDescription: String { rawValue }
    }

    /// The synthetic feeds and the SQLite archive made from them, in one folder.
    private static let sharedArchive = Task<URL, any Error> {
        let folder = TemporaryFiles.url("creditgate-gateway-archive")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var generator = try SyntheticArchive(seed: 2026)
        let defaulters = folder.appendingPathComponent("defaulters.ndjson"), records = folder.appendingPathComponent("records.ndjson")
        _ = try generator.writeDefaulters(count: listings, to: defaulters)
        _ = try generator.writeRecords(count: 300, to: records)
        let path = folder.appendingPathComponent("archive.sqlite").path
        // Closed at the end of this scope: the last connection folds the WAL in, leaving one file to copy.
        do {
            let archive = try SQLiteArchive(path: path)
            _ = try await archive.importDefaulters(from: defaulters, options: .init())
            _ = try await archive.importRecords(from: records, options: .init())
        }
        return folder
    }

    /// People from the synthetic archive: listed with a full ID (active), listed only masked (active).
    static func listedPeople() throws -> (exact: SyntheticArchive.Person, masked: SyntheticArchive.Person) {
        var generator = try SyntheticArchive(seed: 2026)
        var exact: SyntheticArchive.Person?
        var masked: SyntheticArchive.Person?
        for _ in 0..<listings where exact == nil || masked == nil {
            let listing = generator.listing()
            guard listing.finalOperation == .add else { continue }
            if listing.masked { masked = masked ?? listing.person } else { exact = exact ?? listing.person }
        }
        return (exact!, masked!)
    }

    static let purpose = Components.Schemas.Purpose(code: "civil-service-exam", recruitmentId: "GK2026-0001", consentReference: "CONSENT-1")
}
