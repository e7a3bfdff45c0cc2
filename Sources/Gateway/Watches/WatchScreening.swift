import ArchiveClient
import CreditCore
import Attestation
import Foundation
import Logging
import ServiceLifecycle
import Storage

/// Keeps every watch current: after each archive import, re-checks only the watches the import
/// touched; each day, the watches whose evidence changes with time alone; and ends the watches
/// whose day has passed.
///
/// Gateways sharing the store take turns (the store's screening lease): whoever holds it screens
/// each import once, in order, committing each step with its progress, so a gateway that dies
/// mid-step leaves it to the next holder and an event is never queued twice. Imports may come
/// from anywhere (another gateway, `creditgate archive import`, a single record's change): the
/// archive's version is what is watched, every `interval` and whenever this gateway imports.
package final class WatchScreening: Service, Sendable {
    let watches: WatchService
    let auditor: Auditor
    let owner: String
    let lease: Duration
    /// Called after a step queued events (the webhook sender sends them at once).
    let eventsQueued: @Sendable () -> Void
    private let wakeups: Wakeups

    /// Watches re-checked per step: one lookup, one audit write, one store commit.
    static let stepWatches = 5000

    init(watches: WatchService, auditor: Auditor, owner: String = BatchRunner.leaseOwner(), interval: Duration, lease: Duration,
         eventsQueued: @escaping @Sendable () -> Void = {}) {
        self.watches = watches
        self.auditor = auditor
        self.owner = owner
        self.lease = lease
        self.eventsQueued = eventsQueued
        wakeups = Wakeups(tick: interval)
    }

    private var store: any WatchStore { watches.store }
    private var logger: Logger { watches.logger }
    private var leaseEnd: Date { Date() + lease.timeInterval }

    /// The archive changed here (an import, a record's change): screen now rather than at the next tick.
    func notify() { wakeups.notify() }

    package func run() async throws {
        await wakeups.run {
            do {
                try await screen()
            } catch is ScreeningLeaseLost {
                logger.warning("the screening lease passed to another gateway mid-step")
            } catch {
                // A database restarting: tried again at the next tick; what was not committed is redone.
                logger.error("watch screening failed", metadata: ["error": "\(error)"])
            }
        }
        try? await store.releaseScreening(owner: owner)
    }

    /// One turn: if the lease is this gateway's, end the watches past their day, screen every import
    /// not yet screened, add keys under new mask shapes, and re-check the watches due today.
    package func screen() async throws {
        guard var progress = try await store.claimScreening(owner: owner, now: Date(), until: leaseEnd) else { return }
        let today = watches.checks.today
        let expired = try await store.expire(before: today.dayNumber, at: Date())
        if !expired.isEmpty {
            _ = try await auditor.record([AuditEntry(operation: "watch.expire", outcome: "ok", detail: "watches=\(expired.count)")])
        }
        let version = try await watches.archive.version()
        if progress.sequence < version.sequence, try await store.active(after: nil, limit: 1).isEmpty {
            // Nobody is watched: no import so far can concern anyone.
            progress = ScreeningProgress(sequence: version.sequence, shapes: try await watches.archive.maskShapes())
            try await store.commitScreening([], events: [], progress: progress, owner: owner, until: leaseEnd)
        }
        try await rekey(&progress)
        while progress.sequence < version.sequence {
            let started = ContinuousClock.now
            let touch = try await watches.archive.touched(bySequence: progress.sequence + 1)
            if !Set(touch.shapes).isSubset(of: progress.shapes) {
                progress.shapes = Array(Set(progress.shapes).union(touch.shapes)).sorted()
                progress.rekeyAfter = ""
                try await store.commitScreening([], events: [], progress: progress, owner: owner, until: leaseEnd)
                try await rekey(&progress)
            }
            try await screen(touch, progress: &progress, started: started)
        }
        try await sweep(today: today.dayNumber, progress: progress)
    }

    /// Re-checks the watches an import touched, a step at a time; the last step records the import
    /// as screened. Then looks once more: a watch created while the step ran, from an archive read
    /// before the import, is found by that second look (or, created after the commit, was made due).
    private func screen(_ touch: ImportTouch, progress: inout ScreeningProgress, started: ContinuousClock.Instant) async throws {
        var (rechecked, changed) = (0, 0)
        var done = false
        while true {
            let found = try await store.watching(keys: touch.keys, checkedBefore: touch.sequence)
            if found.isEmpty, done { break }
            var steps = (found.isEmpty ? [[]] : found.indices.parts(of: Self.stepWatches).map { Array(found[$0]) })[...]
            var reached = progress
            reached.sequence = touch.sequence
            try await stepByStep {
                guard let step = steps.popFirst() else { return nil }
                let (rechecks, events) = try await watches.recheck(step, cause: .import)
                (rechecked, changed) = (rechecked + rechecks.count, changed + events.count)
                // The import is screened when its last step commits.
                return (rechecks, events, steps.isEmpty ? reached : progress)
            }
            progress = reached
            done = true
        }
        _ = try await auditor.record([AuditEntry(
            operation: "watch.screen", outcome: "ok",
            detail: "import=\(touch.sequence) keys=\(touch.keys.count) rechecked=\(rechecked) changed=\(changed)")])
        logger.info("import screened", metadata: [
            "import": "\(touch.sequence)", "rechecked": "\(rechecked)", "changed": "\(changed)",
            "seconds": "\((ContinuousClock.now - started).timeInterval)",
        ])
    }

    /// Files every active watch under the shapes it lacks, a page at a time, from where the last
    /// holder stopped (``ScreeningProgress/rekeyAfter``). Watches created after the shapes were
    /// committed computed their keys under them already.
    private func rekey(_ progress: inout ScreeningProgress) async throws {
        while let after = progress.rekeyAfter {
            let page = try await store.active(after: after, limit: Self.stepWatches)
            let keys = page.flatMap { watch -> [WatchKey] in
                guard let name = watch.name, let number = watch.idNumber, let id = try? ResidentID(number, today: watches.checks.today) else { return [] }
                return ImportTouch.keys(of: Candidate(name: NormalisedName(name), id: id), shapes: progress.shapes)
                    .map { WatchKey(watchID: watch.id, key: $0) }
            }
            try await store.addKeys(keys)
            progress.rekeyAfter = page.count < Self.stepWatches ? nil : page.last?.id
            try await store.commitScreening([], events: [], progress: progress, owner: owner, until: leaseEnd)
        }
    }

    /// Re-checks the watches due today (their evidence changed with time alone), a step at a time.
    private func sweep(today: Int, progress: ScreeningProgress) async throws {
        let started = ContinuousClock.now
        var after: DuePosition?
        var (rechecked, changed) = (0, 0)
        try await stepByStep {
            let due = try await store.due(on: today, after: after, limit: Self.stepWatches)
            guard let last = due.last else { return nil }
            let (rechecks, events) = try await watches.recheck(due, cause: .time)
            (rechecked, changed) = (rechecked + rechecks.count, changed + events.count)
            after = DuePosition(after: last)
            return (rechecks, events, progress)
        }
        guard rechecked > 0 else { return }
        _ = try await auditor.record([AuditEntry(operation: "watch.sweep", outcome: "ok", detail: "rechecked=\(rechecked) changed=\(changed)")])
        logger.info("due watches swept", metadata: [
            "rechecked": "\(rechecked)", "changed": "\(changed)", "seconds": "\((ContinuousClock.now - started).timeInterval)",
        ])
    }

    /// One step's re-checks and events, and the progress its commit records.
    private typealias Step = (rechecks: [WatchRecheck], events: [WatchEvent], progress: ScreeningProgress)

    /// Makes steps with `next` until it has none, committing each in order: a step's commit runs
    /// beside the making of the next (its reads and lookups), so neither the store nor the lookups
    /// wait for the other. Steps never overlap in what they touch (each reads past the one before),
    /// and a commit starts only once the one before it has committed.
    private func stepByStep(_ next: () async throws -> Step?) async throws {
        try await withThrowingTaskGroup(of: Void.self) { commits in
            while let step = try await next() {
                try await commits.next()
                commits.addTask { [self] in
                    try await store.commitScreening(step.rechecks, events: step.events, progress: step.progress, owner: owner, until: leaseEnd)
                    if !step.events.isEmpty { eventsQueued() }
                }
            }
            try await commits.waitForAll()
        }
    }
}
