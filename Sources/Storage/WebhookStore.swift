import Foundation

/// Webhook endpoints and the outbox of their deliveries, kept beside the watches and their events
/// (the same database): a delivery is queued in the transaction that commits its event
/// (``WatchStore/commitScreening(_:events:progress:owner:until:)``), so an event is never lost
/// between being made and being sent.
///
/// **One deliverer at a time.** A gateway claims due deliveries under a lease
/// (``claimDeliveries(owner:now:until:limit:)``); another gateway skips them (PostgreSQL's `FOR UPDATE
/// SKIP LOCKED`) until the lease expires. A gateway dying mid-delivery leaves the lease to expire and
/// the delivery is sent again with the same `webhook-id`: at least once, a receiver deduplicates.
///
/// **In order per watch.** A delivery is due only when no earlier delivery of the same watch to the
/// same endpoint is still pending.
public protocol WebhookStore: Sendable {
    func addEndpoint(_ endpoint: WebhookEndpoint) async throws
    func endpoint(_ id: String) async throws -> WebhookEndpoint?
    func endpoints(clientID: String) async throws -> [WebhookEndpoint]

    /// A new secret; the one it replaces stays honoured (signed with too) until `previousUntil`.
    func rotateSecret(_ id: String, to secret: String, previousUntil: Date) async throws -> WebhookEndpoint?

    /// Disables an endpoint (its client, or a `410 Gone`): its pending deliveries stop; their events stay pullable.
    func disable(_ id: String, at time: Date, reason: String) async throws -> WebhookEndpoint?

    /// Leases up to `limit` due deliveries (pending, `nextAt` reached, lease free or expired, first of
    /// their watch at their endpoint) to `owner` until `until`.
    func claimDeliveries(owner: String, now: Date, until: Date, limit: Int) async throws -> [WebhookDelivery]

    /// Records attempts' outcomes in one transaction, each only if `owner` still holds its delivery's lease.
    func recordAttempts(_ attempts: [(delivery: WebhookDelivery, outcome: WebhookDelivery.Outcome)], owner: String) async throws

    /// Deliveries of one event, for people and tests.
    func deliveries(eventID: String) async throws -> [WebhookDelivery]
}

public struct WebhookEndpoint: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable { case active, disabled }

    public var id: String
    public var clientID: String
    /// An `https` URL.
    public var url: String
    /// The CA certificates (PEM) the endpoint's server certificate must chain to.
    public var caBundle: String
    public var secret: String
    public var previousSecret: String?
    public var previousUntil: Date?
    public var status: Status
    public var createdAt: Date
    public var disabledAt: Date?
    public var disabledReason: String?

    public init(
        id: String, clientID: String, url: String, caBundle: String, secret: String, previousSecret: String? = nil, previousUntil: Date? = nil,
        status: Status = .active, createdAt: Date, disabledAt: Date? = nil, disabledReason: String? = nil
    ) {
        self.id = id
        self.clientID = clientID
        self.url = url
        self.caBundle = caBundle
        self.secret = secret
        self.previousSecret = previousSecret
        self.previousUntil = previousUntil
        self.status = status
        self.createdAt = createdAt
        self.disabledAt = disabledAt
        self.disabledReason = disabledReason
    }
}

/// One event to one endpoint.
public struct WebhookDelivery: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable { case pending, delivered, failed, disabled }

    /// What an attempt came to.
    public enum Outcome: Sendable, Hashable {
        /// A 2xx answer.
        case delivered(status: Int, at: Date)
        /// Another answer or none: tried again at `at`.
        case retry(status: Int?, at: Date, error: String?)
        /// The last attempt of the schedule failed.
        case failed(status: Int?, error: String?)
    }

    public var eventCursor: Int64
    public var eventID: String
    public var endpointID: String
    public var watchID: String
    public var payload: Data
    /// Attempts made so far.
    public var attempts: Int
    public var status: Status
    public var nextAt: Date
    public var lastStatus: Int?
    public var lastError: String?

    public init(
        eventCursor: Int64, eventID: String, endpointID: String, watchID: String, payload: Data, attempts: Int, status: Status, nextAt: Date,
        lastStatus: Int? = nil, lastError: String? = nil
    ) {
        self.eventCursor = eventCursor
        self.eventID = eventID
        self.endpointID = endpointID
        self.watchID = watchID
        self.payload = payload
        self.attempts = attempts
        self.status = status
        self.nextAt = nextAt
        self.lastStatus = lastStatus
        self.lastError = lastError
    }
}

extension WebhookDelivery.Outcome {
    /// The delivery's row after this outcome: status, next attempt, last status and error.
    public func columns(_ delivery: WebhookDelivery) -> (WebhookDelivery.Status, Date, Int?, String?) {
        switch self {
        case .delivered(let status, let at): (.delivered, at, status, nil)
        case .retry(let status, let at, let error): (.pending, at, status, error)
        case .failed(let status, let error): (.failed, delivery.nextAt, status, error)
        }
    }
}
