import Attestation
import Foundation
@testable import Gateway
import GatewayAPI
import Hummingbird
import HummingbirdTLS
import Logging
import PostgresStorage
import SQLiteStorage
import ServiceLifecycle
import Storage
import Synchronization
import Testing
import TestSupport

/// Watch events pushed over real HTTPS to receivers in this process (Standard Webhooks v1): signed
/// twice, retried on the schedule, a `410` disabling its endpoint, and never sent where the
/// configuration does not allow.
@Suite("Webhooks", .serialized)
struct WebhookTests {
    /// An HTTPS receiver with the development server certificate; `answer` says what each request gets.
    final class Receiver: Sendable {
        struct Received: Sendable {
            var headers: [String: String]
            var body: [UInt8]
        }

        /// The requests received, in order.
        final class Log: Sendable {
            let entries = Mutex<[Received]>([])
        }

        let log = Log()
        let port: Int
        private let group: ServiceGroup
        private let running: Task<Void, any Error>

        init(pki: DevelopmentPKI, answer: @escaping @Sendable (Int) -> HTTPResponse.Status) async throws {
            let log = self.log
            let router = Router()
            router.post("/hook") { request, _ -> Response in
                let body = try await request.body.collect(upTo: 1 << 20)
                var headers: [String: String] = [:]
                for field in request.headers { headers[field.name.canonicalName] = field.value }
                let count = log.entries.withLock { list in
                    list.append(Received(headers: headers, body: Array(buffer: body)))
                    return list.count
                }
                return Response(status: answer(count))
            }
            var logger = Logger(label: "test-receiver")
            logger.logLevel = .error
            let (ports, continuation) = AsyncStream<Int>.makeStream()
            let app = Application(
                router: router,
                server: try .tls(.http1(), tlsConfiguration: try GatewayApplication.serverTLS(
                    certificate: pki.server.certificate.path, privateKey: pki.server.key.path, clientCA: nil)),
                configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) }, logger: logger)
            group = ServiceGroup(services: [app], logger: logger)
            running = Task { [group] in try await group.run() }
            var iterator = ports.makeAsyncIterator()
            port = await iterator.next() ?? 0
        }

        var url: String { "https://localhost:\(port)/hook" }

        /// Waits (up to 30 s) until `count` requests have come.
        func requests(_ count: Int) async throws -> [Received] {
            for _ in 0..<300 {
                let now = log.entries.withLock { $0 }
                if now.count >= count { return now }
                try await Task.sleep(for: .milliseconds(100))
            }
            return log.entries.withLock { $0 }
        }

        func stop() async throws {
            await group.triggerGracefulShutdown()
            try await running.value
        }
    }

    static func gateway(on backend: TestGateway.Backend = .sqlite) async throws -> TestGateway {
        try await TestGateway(on: backend) { configuration, _ in
            configuration.watchIntervalMilliseconds = 100
            configuration.webhookIntervalMilliseconds = 100
            configuration.webhookAllow = ["localhost"]
            configuration.webhookRetrySeconds = [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]
        }
    }

    /// The outbox's record of an event's deliveries, read from the gateway's store.
    static func deliveries(of eventID: String, at gateway: TestGateway) async throws -> [WebhookDelivery] {
        guard let url = gateway.configuration.databaseURL else {
            return try await SQLiteWatchStore(path: gateway.configuration.stateDirectory + "/watches.sqlite").deliveries(eventID: eventID)
        }
        let engine = try await PostgresEngine.open(url: url, maximumConnections: 1)
        let found = try await PostgresWatchStore(engine).deliveries(eventID: eventID)
        await engine.close()
        return found
    }

    func register(_ gateway: TestGateway, _ receiver: Receiver) async throws -> Components.Schemas.WebhookEndpoint {
        let bundle = try String(contentsOf: gateway.pki.ca.certificate, encoding: .utf8)
        return try await gateway.withClient("bureau") { client in
            try await client.createWebhookEndpoint(body: .json(.init(url: receiver.url, caBundle: bundle))).created.body.json
        }
    }

    /// Watches `people`, pushing to `endpoint`, then lists each of them: one event each.
    func watchAndList(_ gateway: TestGateway, _ people: [(name: String, id: String)], endpoint: String, firstCase: Int) async throws {
        _ = try await gateway.withClient("bureau") { client in
            try await client.createWatches(body: .json(.init(
                purpose: TestGateway.purpose, until: "2027-06-30", endpointId: endpoint,
                candidates: people.map { .init(name: $0.name, idNumber: $0.id) }))).created.body.json
        }
        let feed = people.enumerated().map { WatchTests.listing($1, caseNumber: firstCase + $0) }.joined(separator: "\n") + "\n"
        let imported = try await gateway.raw("archivist", "POST", "/v1/archive/imports", body: feed, contentType: "application/x-ndjson")
        #expect(imported.status == 200, "\(imported.text)")
    }

    @Test(arguments: TestGateway.Backend.allCases)
    func aReceiverFailingThreeTimesGetsTheEventSignedTwiceWithOneID(on backend: TestGateway.Backend) async throws {
        let gateway = try await Self.gateway(on: backend)
        let receiver = try await Receiver(pki: gateway.pki) { $0 <= 3 ? .internalServerError : .noContent }
        let endpoint = try await register(gateway, receiver)
        let secret = try #require(endpoint.secret.flatMap(WebhookSecret.init(text:)))
        #expect(endpoint.status == .active)
        let listed = try await gateway.withClient("bureau") { try await $0.listWebhookEndpoints().ok.body.json }
        #expect(listed.endpoints.map(\.endpointId) == [endpoint.endpointId] && listed.endpoints[0].secret == nil)

        try await watchAndList(gateway, [WatchTests.person(40)], endpoint: endpoint.endpointId, firstCase: 500)
        let requests = try await receiver.requests(4)
        #expect(requests.count == 4)
        let ids = Set(requests.compactMap { $0.headers["webhook-id"] })
        let event = try await gateway.withClient("bureau") { try await $0.listEvents(query: .init()).ok.body.json }.events
        #expect(ids == [event.first?.data.eventId] && event.count == 1)
        let keys = try await gateway.keys()
        let key = try #require(keys.keys.first { $0.kty == "OKP" }).verificationKey()
        for request in requests {
            let message = StandardWebhook(id: request.headers["webhook-id"] ?? "", timestamp: Int64(request.headers["webhook-timestamp"] ?? "") ?? 0,
                                          body: request.body)
            let signature = request.headers["webhook-signature"] ?? ""
            #expect(message.hasSignature(in: signature, secret: secret) && message.hasSignature(in: signature, key: key), "\(signature)")
            #expect(!message.hasSignature(in: signature, secret: .generate()))
            let payload = try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any]
            #expect(payload?["type"] as? String == "watch.decision-changed")
        }
        // Every attempt is audited; the delivery is recorded as delivered on the fourth.
        let deliveries = try await Self.deliveries(of: event[0].data.eventId, at: gateway)
        #expect(deliveries.map(\.status) == [.delivered] && deliveries.map(\.attempts) == [4] && deliveries[0].lastStatus == 204)

        // Verified independently: the Standard Webhooks library with the secret, the JWKS key for v1a.
        if PythonTools.enabled("standardwebhooks", "cryptography") {
            let folder = TemporaryFiles.url("creditgate-webhooks")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let artefact: [String: Any] = [
                "secret": endpoint.secret ?? "", "jwks": try JSONSerialization.jsonObject(with: JSONEncoder().encode(keys)),
                "requests": requests.map { ["headers": $0.headers, "body": Base64.standard($0.body)] },
            ]
            let file = folder.appendingPathComponent("webhooks.json")
            try JSONSerialization.data(withJSONObject: artefact).write(to: file)
            let (status, output) = PythonTools.run(["Tests/Interop/verify_webhooks.py", file.path])
            #expect(status == 0, "\(output)")
        }
        try await receiver.stop()
        try await gateway.stop()
    }

    @Test func aGoneReceiverIsDisabledAndItsEventsStayPullable() async throws {
        let gateway = try await Self.gateway()
        let receiver = try await Receiver(pki: gateway.pki) { _ in .gone }
        let endpoint = try await register(gateway, receiver)
        try await watchAndList(gateway, [WatchTests.person(41), WatchTests.person(42)], endpoint: endpoint.endpointId, firstCase: 600)
        _ = try await receiver.requests(1)
        var status = Components.Schemas.WebhookEndpoint.StatusPayload.active
        for _ in 0..<100 where status == .active {
            try await Task.sleep(for: .milliseconds(100))
            status = try await gateway.withClient("bureau") { try await $0.getWebhookEndpoint(path: .init(endpointId: endpoint.endpointId)).ok.body.json }.status
        }
        #expect(status == .disabled)
        // Nothing more is sent once it is disabled (two requests at most: both events may have been
        // on their way together), and both events can still be pulled.
        let sent = receiver.log.entries.withLock { $0.count }
        try await Task.sleep(for: .milliseconds(500))
        #expect(sent <= 2 && receiver.log.entries.withLock { $0.count } == sent)
        let events = try await gateway.withClient("bureau") { try await $0.listEvents(query: .init()).ok.body.json }.events
        #expect(events.count == 2)
        try await receiver.stop()
        try await gateway.stop()
    }

    @Test func endpointsMustBeHTTPSAndAllowed() async throws {
        // webhooks.allow empty: nothing internal. The watch's `until` is the gateway's today, which
        // the real clock makes a day later from 16:00 UTC (China time).
        let calendar = WatchTests.Calendar(WatchTests.today)
        let gateway = try await TestGateway { configuration, _ in configuration.today = { calendar.today } }
        for (url, code) in [("https://127.0.0.1:9/hook", "webhook.url"), ("https://localhost:9/hook", "webhook.url"),
                            ("https://10.1.2.3/hook", "webhook.url")] {
            let response = try await gateway.raw("bureau", "POST", "/v1/webhook-endpoints", body: #"{"url": "\#(url)"}"#)
            #expect(response.status == 422 && response.json["code"] as? String == code && response.json["pointer"] as? String == "/url", "\(url)")
        }
        let bad = try await gateway.raw("bureau", "POST", "/v1/watches", body: """
            {"purpose": {"code": "civil-service-exam", "recruitmentId": "GK2026-0001", "consentReference": "C-1"}, "until": "\(WatchTests.today)",
             "endpointId": "whe_00000000000000000000000000", "candidates": [{"name": "张三", "idNumber": "11010519491231002X"}]}
            """)
        #expect(bad.status == 422 && bad.json["code"] as? String == "webhook.endpoint")
        try await gateway.stop()
    }

    @Test func policyKnowsInternalAddressesAndWhatIsAllowed() async throws {
        for inward in ["127.0.0.1", "10.0.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "::1", "fe80::1", "fd00::1", "::ffff:127.0.0.1"] {
            #expect(OutboundPolicy.isInternal(try #require(OutboundPolicy.address(inward))), "\(inward)")
        }
        for external in ["8.8.8.8", "2001:4860:4860::8888", "1.1.1.1"] {
            #expect(!OutboundPolicy.isInternal(try #require(OutboundPolicy.address(external))), "\(external)")
        }
        let policy = try OutboundPolicy(allowing: ["10.20.0.0/16", "hooks.example"])
        #expect(await policy.refusal(of: URL(string: "https://10.20.1.1/hook")!) == nil)
        #expect(await policy.refusal(of: URL(string: "https://hooks.example/hook")!) == nil)
        #expect(await policy.refusal(of: URL(string: "https://10.21.0.1/hook")!) != nil)
        #expect(await policy.refusal(of: URL(string: "http://10.20.1.1/hook")!) != nil)
        #expect(await policy.refusal(of: URL(string: "https://user:pw@10.20.1.1/hook")!) != nil)
        #expect(throws: OutboundPolicy.Invalid.self) { try OutboundPolicy(allowing: ["10.0.0.0/33"]) }
        #expect(throws: OutboundPolicy.Invalid.self) { try OutboundPolicy(allowing: ["bad host/x"]) }
    }
}

extension WebhookTests {
    /// `creditgate serve` killed (SIGKILL) by the receiver the moment the first delivery arrives:
    /// the attempt is never recorded; once its lease expires, the restarted gateway sends the event
    /// again with the same `webhook-id`.
    @Test func aGatewayKilledMidDeliveryDeliversAfterRestartWithTheSameID() async throws {
        let (_, pki, configuration) = try await TestGateway.prepare()
        let serving = Mutex<Process?>(nil)
        let receiver = try await Receiver(pki: pki) { count in
            if count == 1, let process = serving.withLock({ $0 }) { kill(process.processIdentifier, SIGKILL) }
            return .noContent
        }
        let extra: [String: Any] = [
            "watch": ["interval-ms": 100], "webhooks": ["allow": ["localhost"], "interval-ms": 100, "lease-seconds": 2, "retry-seconds": [0.1, 0.1]],
        ]
        var (process, port) = try await ServeProcess.start(configuration, extra: extra)
        serving.withLock { $0 = process }
        let base = URL(string: "https://localhost:\(port)")!
        let endpoint = try await TestGateway.withHTTPClient(pki: pki, role: "bureau") { http in
            let bundle = try String(contentsOf: pki.ca.certificate, encoding: .utf8)
            let body = String(decoding: try JSONEncoder().encode(["url": receiver.url, "caBundle": bundle]), as: UTF8.self)
            let made = try await TestGateway.send("POST", base, "/v1/webhook-endpoints", body: body, contentType: "application/json", with: http)
            let person = WatchTests.person(50)
            let watch = try await TestGateway.send("POST", base, "/v1/watches", body: """
                {"purpose": {"code": "civil-service-exam", "recruitmentId": "GK2026-0001", "consentReference": "C-1"}, "until": "2027-06-30",
                 "endpointId": "\(made.json["endpointId"] as? String ?? "")", "candidates": [{"name": "\(person.name)", "idNumber": "\(person.id)"}]}
                """, contentType: "application/json", with: http)
            #expect(watch.status == 201, "\(watch.text)")
            return made.json["endpointId"] as? String
        }
        #expect(endpoint != nil)
        try await TestGateway.withHTTPClient(pki: pki, role: "archivist") { http in
            let listed = try await TestGateway.send("POST", base, "/v1/archive/imports", body: WatchTests.listing(WatchTests.person(50), caseNumber: 700) + "\n",
                                                    contentType: "application/x-ndjson", with: http)
            #expect(listed.status == 200)
        }
        _ = try await receiver.requests(1)
        #expect(await process.exited().signalled)

        (process, port) = try await ServeProcess.start(configuration, extra: extra)
        let requests = try await receiver.requests(2)
        #expect(requests.count == 2)
        #expect(requests[0].headers["webhook-id"] != nil && requests[0].headers["webhook-id"] == requests[1].headers["webhook-id"])
        #expect(requests[0].body == requests[1].body)
        kill(process.processIdentifier, SIGTERM)
        _ = await process.exited()
        try await receiver.stop()
    }

    /// Two gateways on one PostgreSQL, forty events: each delivered once.
    @Test(.enabled(if: TestDatabase.url != nil, "run the tests as Scripts/with-postgres swift test"))
    func twoGatewaysDeliverEachEventOnce() async throws {
        let prepared = try await TestGateway.prepare(on: .postgres) { configuration, _ in
            configuration.watchIntervalMilliseconds = 100
            configuration.webhookIntervalMilliseconds = 50
            configuration.webhookAllow = ["localhost"]
        }
        let first = try await TestGateway(prepared: prepared)
        let second = try await TestGateway(prepared: try TestGateway.sibling(of: prepared))
        let receiver = try await Receiver(pki: first.pki) { _ in .ok }
        let endpoint = try await register(first, receiver)
        let people = (60..<100).map(WatchTests.person)
        try await watchAndList(second, people, endpoint: endpoint.endpointId, firstCase: 800)
        let requests = try await receiver.requests(40)
        try await Task.sleep(for: .milliseconds(500))
        let ids = receiver.log.entries.withLock { $0.compactMap { $0.headers["webhook-id"] } }
        #expect(requests.count >= 40 && ids.count == 40 && Set(ids).count == 40, "\(ids.count) requests, \(Set(ids).count) events")
        try await receiver.stop()
        try await second.stop()
        try await first.stop()
    }
}
