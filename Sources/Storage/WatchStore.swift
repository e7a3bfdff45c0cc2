import Foundation

/// Watches (监测预警): people a recruiting body keeps screened until a day it names, their latest
/// decisions, the events their changes made, and how far screening has gone.
///
/// **Keys, not scans.** Each active watch is filed under the archive's index keys for its person
/// (the exact key and one probable key per mask shape, `ImportTouch.keys(of:shapes:)`), so an
/// import's touched keys find the watches it may concern with index probes. A watch also carries
/// the first day its answer can change with time alone (`recheckOn`), so the daily sweep reads only
/// the watches due.
///
/// **One screener at a time.** Gateways sharing the store take turns through a lease
/// (``claimScreening(owner:now:until:)``). A screening step's new decisions, its events and the
/// progress it reached commit in one transaction, and only while the committer holds the lease: a
/// gateway dying mid-step leaves the step to the next holder, which redoes it, and no event is
/// written twice.
///
/// **Minimisation.** A watch holds its person's full ID only while it is active: ending it (or its
/// `until` passing) deletes the ID, the name and the keys, and keeps the masked ID and the decisions.
public protocol WatchStore: Sendable {
    /// The mask shapes every active watch has a key under.
    func shapes() async throws -> [UInt32]

    /// Stores new watches, each with its keys (computed under `shapes`), in one transaction.
    /// Watches checked before an import the screener has already passed are made due on
    /// `catchUpDay`, so the next screening step re-checks them. A watch whose id is stored already is
    /// left as it is (a watch upload's chunk answered again). Throws ``WatchShapesChanged`` when
    /// the store's shapes are no longer `shapes`; then nothing is stored.
    func create(_ watches: [WatchRecord], keys: [[Int64]], shapes: [UInt32], catchUpDay: Int) async throws

    func watch(_ id: String) async throws -> WatchRecord?

    /// Watches in id order (creation order) after `after`: one client's (all when `nil`), one
    /// recruitment's when given, at most `limit`.
    func watches(clientID: String?, recruitmentID: String?, after: String?, limit: Int) async throws -> [WatchRecord]

    /// Ends an active watch (`.ended` by its client, `.expired` by its day): its person's ID, name and
    /// keys are deleted. `nil` when there is no such active watch.
    func end(_ id: String, as status: WatchRecord.Status, at time: Date) async throws -> WatchRecord?

    /// Active watches whose `until` is before `day`, ended as `.expired`; returns them.
    func expire(before day: Int, at time: Date) async throws -> [WatchRecord]

    /// Active watches filed under any of `keys` whose last check read an archive older than
    /// import `sequence`.
    func watching(keys: [Int64], checkedBefore sequence: Int64) async throws -> [WatchRecord]

    /// Active watches due on `day` (`recheckOn` on or before it), in the order of the day each fell
    /// due and then id, after `after`. That order is the due index's, so a day with nothing due
    /// costs one index probe, not a scan of every watch.
    func due(on day: Int, after: DuePosition?, limit: Int) async throws -> [WatchRecord]

    /// Active watches in id order after `after` (a mask shape new to the store needs a key for each).
    func active(after: String?, limit: Int) async throws -> [WatchRecord]

    /// Files watches under more keys (the same key twice is kept once).
    func addKeys(_ keys: [WatchKey]) async throws

    /// Takes the screening lease for `owner` until `until` if it is free, expired, or already
    /// `owner`'s; `nil` when another holds it.
    func claimScreening(owner: String, now: Date, until: Date) async throws -> ScreeningProgress?

    /// Commits one screening step: the re-checked watches' decisions, the events of those that
    /// changed (each given its cursor), and the progress reached. Throws ``ScreeningLeaseLost``
    /// when `owner` no longer holds the lease; then nothing is written.
    func commitScreening(_ rechecks: [WatchRecheck], events: [WatchEvent], progress: ScreeningProgress, owner: String, until: Date) async throws

    /// Frees the lease (a gateway stopping cleanly).
    func releaseScreening(owner: String) async throws

    /// Events after cursor `after`, oldest first: one client's (all when `nil`), at most `limit`.
    func events(clientID: String?, after: Int64, limit: Int) async throws -> [WatchEvent]
}

/// One watch as stored.
public struct WatchRecord: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable {
        case active, ended, expired
    }

    public var id: String
    public var clientID: String
    /// The certificate the watch was created with.
    public var fingerprint: String
    public var recruitmentID: String
    /// What the watch checks with (purpose, policy, operator), as JSON: fixed at creation.
    public var termsJSON: Data
    /// The person as given (display name) and their full ID: `nil` once the watch has ended.
    public var name: String?
    public var idNumber: String?
    public var maskedID: String
    /// The caller's own reference for the person, if it gave one.
    public var reference: String?
    /// The webhook endpoint its events are pushed to, if any (they can always be pulled).
    public var endpointID: String?
    /// The last day watched (China time), as a day number.
    public var until: Int
    public var status: Status
    /// The latest decision and the check that made it.
    public var decision: String
    public var checkID: String
    /// The archive version (import sequence) that check read.
    public var checkedSequence: Int64
    /// The first day the answer can change with time alone; `nil` when it cannot.
    public var recheckOn: Int?
    public var createdAt: Date
    public var endedAt: Date?

    public init(
        id: String, clientID: String, fingerprint: String, recruitmentID: String, termsJSON: Data, name: String?, idNumber: String?,
        maskedID: String, reference: String?, endpointID: String? = nil, until: Int, status: Status = .active, decision: String, checkID: String,
        checkedSequence: Int64, recheckOn: Int?, createdAt: Date, endedAt: Date? = nil
    ) {
        self.id = id
        self.clientID = clientID
        self.fingerprint = fingerprint
        self.recruitmentID = recruitmentID
        self.termsJSON = termsJSON
        self.name = name
        self.idNumber = idNumber
        self.maskedID = maskedID
        self.reference = reference
        self.endpointID = endpointID
        self.until = until
        self.status = status
        self.decision = decision
        self.checkID = checkID
        self.checkedSequence = checkedSequence
        self.recheckOn = recheckOn
        self.createdAt = createdAt
        self.endedAt = endedAt
    }
}

/// How far a sweep has read the watches due: the last one's day and id.
public struct DuePosition: Sendable, Hashable {
    public var day: Int
    public var watchID: String
    public init(day: Int, watchID: String) {
        self.day = day
        self.watchID = watchID
    }

    /// Before every watch that can be due (a sweep's first page).
    public static let start = DuePosition(day: Int(Int32.min), watchID: "")

    /// Where the sweep goes on after `watch` (`nil` when it is not due at all).
    public init?(after watch: WatchRecord) {
        guard let day = watch.recheckOn else { return nil }
        self.init(day: day, watchID: watch.id)
    }
}

/// A watch filed under one archive index key.
public struct WatchKey: Sendable, Hashable {
    public var watchID: String
    public var key: Int64
    public init(watchID: String, key: Int64) {
        self.watchID = watchID
        self.key = key
    }
}

/// A watch re-checked: its decision now (changed or not), the check that made it, what that
/// check read, and when time alone can next change it.
public struct WatchRecheck: Sendable, Hashable {
    public var watchID: String
    public var decision: String
    public var checkID: String
    /// Whether `decision` and `checkID` are new: a store need not rewrite them otherwise (nearly
    /// every re-check of a sweep changes only the version checked and the day next due).
    public var changed: Bool
    public var checkedSequence: Int64
    public var recheckOn: Int?

    public init(watchID: String, decision: String, checkID: String, changed: Bool, checkedSequence: Int64, recheckOn: Int?) {
        self.watchID = watchID
        self.decision = decision
        self.checkID = checkID
        self.changed = changed
        self.checkedSequence = checkedSequence
        self.recheckOn = recheckOn
    }
}

/// Something that happened to a watch, for its client to pull or to be pushed to it.
public struct WatchEvent: Sendable, Hashable {
    /// The cursor: given by the store when the event is committed, increasing (0 before).
    public var cursor: Int64
    public var id: String
    public var watchID: String
    public var clientID: String
    /// The endpoint it is pushed to (the watch's), if any: a delivery is queued with the event.
    public var endpointID: String?
    public var type: String
    /// The event as delivered (JSON).
    public var payload: Data
    public var createdAt: Date

    public init(
        cursor: Int64 = 0, id: String, watchID: String, clientID: String, endpointID: String? = nil, type: String, payload: Data, createdAt: Date
    ) {
        self.cursor = cursor
        self.id = id
        self.watchID = watchID
        self.clientID = clientID
        self.endpointID = endpointID
        self.type = type
        self.payload = payload
        self.createdAt = createdAt
    }
}

/// How far screening has gone: every import up to `sequence` screened, every active watch keyed
/// under `shapes`, except while a new shape's keys are being added: then `rekeyAfter` is the last
/// watch id done (`""` before the first), so a screener taking over goes on from there.
public struct ScreeningProgress: Sendable, Hashable {
    public var sequence: Int64
    public var shapes: [UInt32]
    public var rekeyAfter: String?

    public init(sequence: Int64, shapes: [UInt32], rekeyAfter: String? = nil) {
        self.sequence = sequence
        self.shapes = shapes
        self.rekeyAfter = rekeyAfter
    }
}

/// The store's mask shapes changed while watches were being created: their keys must be computed again.
public struct WatchShapesChanged: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "the watch store's mask shapes changed; compute the watches' keys again" }
}

/// The screening lease passed to another gateway: this one must stop screening.
public struct ScreeningLeaseLost: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "the screening lease is held by another gateway" }
}
