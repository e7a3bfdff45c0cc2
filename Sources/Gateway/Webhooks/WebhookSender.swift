import AsyncHTTPClient
import Attestation
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import ServiceLifecycle
import Storage
import Synchronization

/// Pushes queued watch events to their endpoints (Standard Webhooks v1), from the durable outbox.
///
/// Each delivery is leased before it is sent, so gateways sharing the store never send one at the
/// same time; a gateway that dies mid-delivery leaves the lease to expire and the event goes out
/// again with the same `webhook-id` (at least once). A watch's events go out in order (the store
/// hands out only the first pending one of each watch). Every attempt is an audit entry.
///
/// Answers: 2xx delivered; `410 Gone` disables the endpoint (its events stay pullable); `429` and
/// `503` are tried again after their `Retry-After`; anything else, or no answer, after the next
/// delay of the schedule (Standard Webhooks: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, each ±10%),
/// and after the last the delivery has failed. Redirects are not followed and every round's
/// endpoints pass the ``OutboundPolicy`` first.
package final class WebhookSender: Service, Sendable {
    let store: any WebhookStore
    let auditor: Auditor
    let policy: OutboundPolicy
    /// The key of the `v1a` signature: the gateway's current Ed25519 signing key.
    let signingKey: @Sendable () -> (any SigningKey)?
    let schedule: [Duration]
    let lease: Duration
    let logger: Logger
    let owner: String
    private let wakeups: Wakeups
    private let clients = Mutex<[String: HTTPClient]>([:])

    /// The Standard Webhooks retry schedule: the delays before the 2nd to 8th attempts.
    static let standardSchedule: [Duration] = [.seconds(5), .seconds(300), .seconds(1800), .seconds(7200), .seconds(18_000), .seconds(36_000), .seconds(36_000)]
    /// Deliveries leased and sent at once by one round.
    static let batch = 256
    /// Rounds under way at once: while one waits for its answers, another records, audits or claims.
    static let rounds = 4

    init(store: any WebhookStore, auditor: Auditor, policy: OutboundPolicy, signingKey: @escaping @Sendable () -> (any SigningKey)?,
         schedule: [Duration] = WebhookSender.standardSchedule, interval: Duration, lease: Duration = .seconds(60), logger: Logger,
         owner: String = BatchRunner.leaseOwner()) {
        self.store = store
        self.auditor = auditor
        self.policy = policy
        self.signingKey = signingKey
        self.schedule = schedule
        self.lease = lease
        self.logger = logger
        self.owner = owner
        wakeups = Wakeups(tick: interval)
    }

    /// Events were queued here: send now rather than at the next tick.
    func notify() { wakeups.notify() }

    package func run() async throws {
        await wakeups.run { await sendDue() }
        for client in clients.withLock({ Array($0.values) }) { try? await client.shutdown() }
    }

    /// Claims and sends due deliveries until none is left, in ``rounds`` rounds at once (the lease and
    /// the store's first-pending-per-watch rule keep them from sending one delivery twice, or a
    /// watch's events out of order).
    private func sendDue() async {
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<Self.rounds { group.addTask { await self.sendRounds() } }
        }
    }

    private func sendRounds() async {
        while !Task.isShuttingDownGracefully {
            do {
                let now = Date()
                let due = try await store.claimDeliveries(owner: owner, now: now, until: now + lease.timeInterval, limit: Self.batch)
                guard !due.isEmpty else { return }
                // Each endpoint is read and its address checked once a round, not once a delivery.
                var targets: [String: Target] = [:]
                for id in Set(due.map(\.endpointID)) { targets[id] = await target(id) }
                let attempts = await withTaskGroup(of: Attempt.self) { group in
                    for delivery in due { group.addTask { [targets] in await self.attempt(delivery, to: targets[delivery.endpointID] ?? .disabled) } }
                    return await group.reduce(into: []) { $0.append($1) }
                }
                try await store.recordAttempts(attempts.map { ($0.delivery, $0.outcome) }, owner: owner)
                for endpoint in Set(attempts.filter(\.gone).map(\.delivery.endpointID)) {
                    _ = try await store.disable(endpoint, at: Date(), reason: "the endpoint answered 410 Gone")
                }
                _ = try await auditor.record(attempts.map(\.entry))
            } catch {
                logger.error("webhook delivery failed", metadata: ["error": "\(error)"])
                return
            }
        }
    }

    struct Attempt: Sendable {
        var delivery: WebhookDelivery
        var outcome: WebhookDelivery.Outcome
        var gone = false
        var entry: AuditEntry
    }

    /// Where a round's deliveries to one endpoint go.
    enum Target: Sendable {
        case disabled
        case refused(WebhookEndpoint, reason: String)
        case allowed(WebhookEndpoint)
    }

    private func target(_ endpointID: String) async -> Target {
        guard let endpoint = try? await store.endpoint(endpointID), endpoint.status == .active, let url = URL(string: endpoint.url) else {
            return .disabled
        }
        return await policy.refusal(of: url).map { .refused(endpoint, reason: $0) } ?? .allowed(endpoint)
    }

    /// One attempt of one delivery.
    private func attempt(_ delivery: WebhookDelivery, to target: Target) async -> Attempt {
        let number = delivery.attempts + 1
        func attempt(_ outcome: WebhookDelivery.Outcome, _ summary: String, client: String?, gone: Bool = false) -> Attempt {
            Attempt(delivery: delivery, outcome: outcome, gone: gone, entry: AuditEntry(
                operation: "webhook.attempt", outcome: summary, clientID: client,
                detail: "endpointId=\(delivery.endpointID) eventId=\(delivery.eventID) watchId=\(delivery.watchID) attempt=\(number)"))
        }
        let endpoint: WebhookEndpoint
        switch target {
        case .disabled:
            return attempt(.failed(status: nil, error: "the endpoint is disabled"), "failed: endpoint disabled", client: nil)
        case .refused(let refused, let reason):
            return attempt(retry(after: number, status: nil, error: reason), "refused: \(reason)", client: refused.clientID)
        case .allowed(let allowed):
            endpoint = allowed
        }
        do {
            let now = Date()
            let message = StandardWebhook(id: delivery.eventID, timestamp: Int64(now.timeIntervalSince1970), body: Array(delivery.payload))
            var secrets = [endpoint.secret]
            if let previous = endpoint.previousSecret, let until = endpoint.previousUntil, until > now { secrets.append(previous) }
            var request = HTTPClientRequest(url: endpoint.url)
            request.method = .POST
            request.headers.add(name: "content-type", value: "application/json")
            request.headers.add(name: "user-agent", value: "CreditGate-Webhooks/1")
            request.headers.add(name: "webhook-id", value: message.id)
            request.headers.add(name: "webhook-timestamp", value: "\(message.timestamp)")
            request.headers.add(name: "webhook-signature", value: try message.signature(secrets: secrets.compactMap(WebhookSecret.init(text:)), key: signingKey()))
            request.body = .bytes(ByteBuffer(data: delivery.payload))
            let response = try await client(for: endpoint).execute(request, timeout: .seconds(10))
            _ = try? await response.body.collect(upTo: 64 << 10)
            let status = Int(response.status.code)
            switch status {
            case 200..<300:
                return attempt(.delivered(status: status, at: Date()), "delivered \(status)", client: endpoint.clientID)
            case 410:
                return attempt(.failed(status: status, error: "gone"), "gone 410: endpoint disabled", client: endpoint.clientID, gone: true)
            case 429, 503:
                let wait = response.headers.first(name: "retry-after").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
                let outcome = wait.map { WebhookDelivery.Outcome.retry(status: status, at: Date() + Double(min(max($0, 1), 36_000)), error: nil) }
                    ?? retry(after: number, status: status, error: nil)
                return attempt(outcome, "retry \(status)", client: endpoint.clientID)
            default:
                return attempt(retry(after: number, status: status, error: nil), "retry \(status)", client: endpoint.clientID)
            }
        } catch {
            return attempt(retry(after: number, status: nil, error: "\(error)"), "retry: no answer", client: endpoint.clientID)
        }
    }

    /// The next attempt after attempt `number` failed, on the schedule with ±10% jitter; failed after the last.
    private func retry(after number: Int, status: Int?, error: String?) -> WebhookDelivery.Outcome {
        guard number <= schedule.count else { return .failed(status: status, error: error) }
        let delay = schedule[number - 1].timeInterval * Double.random(in: 0.9...1.1)
        return .retry(status: status, at: Date() + delay, error: error)
    }

    /// One HTTP client per endpoint and CA bundle: its own trust roots, no redirects.
    private func client(for endpoint: WebhookEndpoint) throws -> HTTPClient {
        let key = endpoint.id + "\u{0}" + endpoint.caBundle
        if let client = clients.withLock({ $0[key] }) { return client }
        var tls = TLSConfiguration.makeClientConfiguration()
        if !endpoint.caBundle.isEmpty {
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(endpoint.caBundle.utf8)))
        }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: .disallow)
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(10))
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let (kept, spare) = clients.withLock { clients -> (HTTPClient, HTTPClient?) in
            if let existing = clients[key] { return (existing, client) }
            clients[key] = client
            return (client, nil)
        }
        if let spare { Task { try? await spare.shutdown() } }
        return kept
    }
}
