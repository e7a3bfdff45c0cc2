import ArchiveClient
import Attestation
import CreditCore
import Foundation
import GatewayAPI
import GatewayContract
import Hummingbird
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import OpenAPIHummingbird
import OpenAPIRuntime
import ServiceLifecycle
import SwiftASN1
import X509

/// Assembles the gateway: mutual TLS, the middleware chain, the generated routes.
///
/// ```swift
/// let app = try await GatewayApplication.make(configuration: .init(), logger: logger)
/// try await app.runService()   // SIGTERM drains in-flight requests, then exits
/// ```
///
/// Middleware, outermost first: signing (every response, problems included) → metrics → problems
/// (every error becomes problem+json) → body limit → access (certificate registered, not revoked,
/// within its rate) → the OpenAPI handlers.
package enum GatewayApplication {
    /// `onRunning` gets the port the gateway listens on, `onPublicRunning` the public listener's.
    package static func make(
        configuration: GatewayConfiguration, logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void = { _ in },
        onPublicRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws -> some ApplicationProtocol {
        let policies = try PolicyCatalog.bundled()
        _ = try policies.policy(named: configuration.defaultPolicy)
        let stores = try await Stores.open(configuration, logger: logger)
        logger.info("stores open", metadata: ["where": "\(stores.description)"])
        let state = try await ServiceState.open(
            configuration.stateDirectory, origin: configuration.auditOrigin, audit: stores.audit, directory: stores.keys,
            sm2: configuration.signsWithSM2, gatherLimit: .milliseconds(configuration.auditGatherMilliseconds))
        let archive = stores.archive
        let loading = Date()
        try await archive.prepareLookups()
        logger.info("archive ready for lookups", metadata: ["seconds": "\(String(format: "%.1f", Date().timeIntervalSince(loading)))"])
        let auditor = Auditor(log: state.audit, hasher: state.candidateHasher, logger: logger, stores: stores.unavailability)
        let metrics = GatewayMetrics()
        let checks = CheckService(
            archive: archive, policies: policies, defaultPolicy: configuration.defaultPolicy, auditor: auditor,
            store: CheckStore(stores.answers, jobs: stores.batches),
            metrics: metrics, clock: configuration.today)
        let stateFolder = URL(fileURLWithPath: configuration.stateDirectory)
        let watches = WatchService(store: stores.watches, archive: archive, checks: checks, logger: logger)
        let batches = BatchRunner(
            store: stores.batches, checks: checks, watches: watches, logger: logger,
            lease: .seconds(configuration.jobLeaseSeconds))
        let witnesses = try configuration.witnesses.map(WitnessEndpoint.init)
        let signers = state.signers
        let outbound = try OutboundPolicy(allowing: configuration.webhookAllow)
        let sender = WebhookSender(
            store: stores.webhooks, auditor: auditor, policy: outbound,
            signingKey: { signers.value.responses.signers.first { $0.key.algorithm == .ed25519 }?.key },
            schedule: configuration.webhookRetrySeconds.map { .milliseconds(Int64($0 * 1000)) },
            interval: .milliseconds(configuration.webhookIntervalMilliseconds), lease: .seconds(configuration.webhookLeaseSeconds), logger: logger)
        let screening = WatchScreening(
            watches: watches, auditor: auditor, interval: .milliseconds(configuration.watchIntervalMilliseconds),
            lease: .seconds(configuration.watchLeaseSeconds), eventsQueued: { sender.notify() })
        let handler = GatewayHandler(
            checks: checks, auditor: auditor, state: state, archive: archive, metrics: metrics,
            maxBatchItems: configuration.maxBatchItems, contract: try Contract.document(),
            uploads: try Uploads(folder: stateFolder.appendingPathComponent("uploads")), batches: batches,
            maxJobItems: configuration.maxJobItems, repairs: stores.repairs, watches: watches, screening: screening, webhooks: stores.webhooks,
            outbound: outbound, page: try PageFiles.bundled(), witnesses: witnesses)

        let caCertificates = try Self.certificates(pemFile: configuration.caBundle)
        let registry = try ReloadingFile(URL(fileURLWithPath: configuration.clientRegistry), logger: logger) { try ClientRegistry.load(from: $0) }
        let revocations = try configuration.revocationList.map { path in
            try ReloadingFile(URL(fileURLWithPath: path), logger: logger) { try RevocationList.load(from: $0, issuers: caCertificates) }
        }

        // Compact, sorted JSON with whole-second UTC dates: smaller answers, cheaper to encode, in the
        // same form as the stored ones.
        let transport = OpenAPIRuntime.Configuration(dateTranscoder: AnswerDates(), jsonEncodingOptions: [.sortedKeys, .withoutEscapingSlashes])
        // The routes, read once from a router of their own: the problem middleware, added before
        // them, answers 405 for a declared path asked with another method.
        func register(on routes: any ServerTransport) throws {
            try handler.registerHandlers(on: AnswerRoutes(on: routes, handler: handler, configuration: transport), configuration: transport)
        }
        let declared = Router(context: GatewayRequestContext.self)
        try register(on: declared)

        let router = Router(context: GatewayRequestContext.self)
        let allowed = AllowedMethods(declared.routes.map { ($0.path, $0.method) })
        router.add(middleware: SigningMiddleware(stores: stores.unavailability) { signers.value.responses })
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: ProblemMiddleware(stores: stores.unavailability, allowed: allowed))
        router.add(middleware: RequestBodyMiddleware(limit: configuration.maxBodyBytes, exceptions: [
            "/v1/archive/imports": configuration.maxImportBytes, "/v1/batches": configuration.maxImportBytes,
            "/v1/watches": configuration.maxImportBytes,
        ], hasher: state.candidateHasher))
        let peers = PeerCache()
        router.add(middleware: AccessMiddleware(
            registry: registry, revocations: revocations, audit: auditor,
            limiter: RateLimiter(rate: configuration.ratePerSecond, burst: configuration.rateBurst), peers: peers))
        try register(on: router)

        var services: [any Service] = [LifecycleAudit(auditor: auditor, logger: logger), batches, screening, sender]
        if !witnesses.isEmpty {
            var trust = TLSConfiguration.makeClientConfiguration()
            trust.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(configuration.witnessCA ?? configuration.caBundle))
            services.append(CheckpointWitnessing(
                witnesses: witnesses, audit: state.audit, trust: trust, interval: .milliseconds(configuration.witnessIntervalMilliseconds), logger: logger))
        }
        if let publicPort = configuration.publicPort {
            let publicRouter = Router(context: GatewayRequestContext.self)
            publicRouter.add(middleware: SigningMiddleware(stores: stores.unavailability) { signers.value.responses })
            publicRouter.add(middleware: ProblemMiddleware(stores: stores.unavailability, allowed: allowed))
            publicRouter.add(middleware: PublicAccessMiddleware(
                declared: allowed, limiter: RateLimiter(rate: configuration.publicRatePerSecond, burst: configuration.publicRateBurst)))
            try register(on: publicRouter)
            services.append(Application(
                router: publicRouter,
                server: try .tls(
                    .http1(configuration: .init(idleTimeout: .seconds(Int64(configuration.idleTimeoutSeconds)))),
                    tlsConfiguration: try tlsConfiguration(configuration, clientCertificates: false)),
                configuration: .init(address: .hostname(configuration.publicHost ?? configuration.host, port: publicPort), serverName: "CreditGate"),
                onServerRunning: { channel in await onPublicRunning(channel.localAddress?.port ?? publicPort) },
                logger: logger))
        }

        let policy = configuration.connectionPolicy
        let connections = ConnectionCounts()
        return Application(
            router: router,
            server: try .tls(
                .http1(configuration: .init(
                    additionalChannelHandlers: [ConnectionGuard(policy: policy, counts: connections, peers: peers, metrics: metrics, logger: logger),
                                                ContinueResponder()],
                    idleTimeout: .seconds(Int64(configuration.idleTimeoutSeconds)))),
                tlsConfiguration: try tlsConfiguration(configuration, clientCertificates: true)),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "CreditGate"),
            services: services,
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? configuration.port) },
            logger: logger)
    }

    /// TLS 1.2 at least (1.3 preferred by both sides when offered), AEAD ciphers with forward
    /// secrecy only; with `clientCertificates`, a client certificate required and verified against
    /// the CA bundle (the public listener asks for none).
    ///
    /// For TLS 1.2 the server's choice must not be the client's: swift-nio-ssl does not expose
    /// BoringSSL's server-preference option, so TLS 1.2 offers one suite per certificate key type
    /// (AES-128-GCM, which every TLS 1.2 client with AEAD has), and the choice is the server's
    /// whatever the client lists. TLS 1.3 keeps its three suites; there the client chooses, by design.
    package static func tlsConfiguration(_ configuration: GatewayConfiguration, clientCertificates: Bool = true) throws -> TLSConfiguration {
        try serverTLS(certificate: configuration.certificate, privateKey: configuration.privateKey,
                      clientCA: clientCertificates ? configuration.caBundle : nil)
    }

    /// The same for any server of ours (the witness too): a client certificate chaining to
    /// `clientCA` required when one is given.
    package static func serverTLS(certificate: String, privateKey: String, clientCA: String?) throws -> TLSConfiguration {
        let chain = try NIOSSLCertificate.fromPEMFile(certificate).map { NIOSSLCertificateSource.certificate($0) }
        let key = NIOSSLPrivateKeySource.privateKey(try NIOSSLPrivateKey(file: privateKey, format: .pem))
        var tls = try clientCA.map { ca in
            TLSConfiguration.makeServerConfigurationWithMTLS(
                certificateChain: chain, privateKey: key, trustRoots: .certificates(try NIOSSLCertificate.fromPEMFile(ca)))
        } ?? TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: key)
        tls.minimumTLSVersion = .tlsv12
        // How long a closing connection waits for the peer's close_notify: a drain should not take 5 s.
        tls.shutdownTimeout = .seconds(1)
        tls.cipherSuiteValues = [.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, .TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]
        return tls
    }

    static func certificates(pemFile path: String) throws -> [Certificate] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try PEMDocument.parseMultiple(pemString: text).map { try Certificate(pemDocument: $0) }
    }
}

/// Audits the server's start and its stop (after in-flight requests have drained).
struct LifecycleAudit: Service {
    let auditor: Auditor
    let logger: Logger

    func run() async throws {
        _ = try await auditor.log.append(AuditEntry(operation: "server.start", outcome: "ok"))
        try? await gracefulShutdown()
        _ = try await auditor.log.append(AuditEntry(operation: "server.stop", outcome: "ok"))
        logger.info("stopped")
    }
}
