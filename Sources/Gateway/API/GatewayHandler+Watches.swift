import CreditCore
import Foundation
import GatewayAPI
import OpenAPIRuntime
import Storage

extension GatewayHandler {
    package func createWatches(_ input: Operations.CreateWatches.Input) async throws -> Operations.CreateWatches.Output {
        let caller = try await auditor.require(.bureau, for: "createWatches", caller: Caller.current)
        switch input.body {
        case .json(let body):
            return try await refusing("createWatches", caller: caller) { try await createWatches(body, caller: caller) }
        case .applicationXNdjson(let upload):
            return try await refusing("createWatches", caller: caller) {
                let query = input.query
                func required(_ value: String?, _ name: String) throws(Problem) -> String {
                    guard let value else { throw Problem.invalid(code: "watch.upload", "an upload names \(name) in the query", pointer: "/\(name)") }
                    return value
                }
                let purpose = Components.Schemas.Purpose(
                    code: try required(query.purposeCode, "purposeCode"), recruitmentId: try required(query.recruitmentId, "recruitmentId"),
                    consentReference: try required(query.consentReference, "consentReference"))
                let terms = try checks.terms(purpose: purpose, policy: query.policy, asOf: nil, operator: query._operator)
                let until = try Self.until(try required(query.until, "until"), today: terms.today)
                try await requireEndpoint(query.endpointId, of: caller)
                let stored = BatchJobTerms(purpose: purpose, policy: terms.policy.name, asOf: terms.asOf.description, operator: terms.operator,
                                           watch: .init(until: until.description, endpointId: query.endpointId))
                let (job, repeated) = try await queueJob(upload, terms: stored, idempotencyKey: input.headers.idempotencyKey, caller: caller,
                                                         operation: "createWatches")
                return repeated ? .ok(.init(body: .json(job.view))) : .accepted(.init(body: .json(job.view)))
            }
        }
    }

    /// Watches of an inline request, each from a check made now.
    private func createWatches(_ body: Components.Schemas.WatchRequest, caller: Caller) async throws -> Operations.CreateWatches.Output {
        try CandidateRows.bound(body.candidates, limit: maxBatchItems, beyond: "; upload NDJSON for more")
        let terms = try checks.terms(purpose: body.purpose, policy: body.policy, asOf: nil, operator: body._operator)
        let until = try Self.until(body.until, today: terms.today)
        let rows = CandidateRows(body.candidates, terms: terms)
        var items = rows.rows.map { Components.Schemas.WatchItem(index: $0.index, reference: $0.reference, error: $0.error) }
        try await requireEndpoint(body.endpointId, of: caller)
        let made = try await watches.create(rows.questions, references: rows.references, terms: terms, until: until, endpointID: body.endpointId,
                                            caller: caller)
        for (position, (watch, result)) in zip(rows.positions, made) {
            items[position].watch = try watch.view
            items[position].result = result
        }
        let summary = rows.summary(made.map(\.result.decision))
        var entry = auditor.entry("createWatches", caller: caller, detail: "watches=\(made.count) errors=\(summary.errors) until=\(until)")
        entry.purpose = "\(terms.purpose.code) \(terms.purpose.recruitmentId)"
        entry.consentReference = terms.purpose.consentReference
        entry.operator = terms.operator
        _ = try await auditor.record([entry])
        return .created(.init(body: .json(.init(items: items, summary: summary))))
    }

    /// An endpoint a watch may push to: one of the caller's, active.
    private func requireEndpoint(_ id: String?, of caller: Caller) async throws {
        guard let id else { return }
        guard TimeOrderedID.isWellFormed(id, prefix: "whe_"), let found = try await webhooks.endpoint(id), found.clientID == caller.client.id,
              found.status == .active else {
            throw Problem.invalid(code: "webhook.endpoint", "endpointId is not one of this client's active webhook endpoints", pointer: "/endpointId")
        }
    }

    /// A watch's last day: from today to ``WatchService/longestYears`` ahead.
    static func until(_ text: String, today: CalendarDay) throws(Problem) -> CalendarDay {
        guard let day = try? CalendarDay(parsing: text) else {
            throw .invalid(code: "watch.until", "until is a date, YYYY-MM-DD", pointer: "/until")
        }
        let latest = WatchService.latestUntil(today: today)
        guard day >= today, day <= latest else {
            throw .invalid(code: "watch.until", "until must be from today (\(today)) to \(latest): a watch runs at most two years", pointer: "/until")
        }
        return day
    }

    package func listWatches(_ input: Operations.ListWatches.Input) async throws -> Operations.ListWatches.Output {
        let query = input.query
        return try await allow(nil, "listWatches", detail: query.recruitmentId.map { "recruitmentId=\($0)" }) { caller in
            let limit = query.limit ?? 100
            guard (1...1000).contains(limit) else { throw Problem.invalid(code: "range.invalid", "limit is between 1 and 1000", pointer: "/limit") }
            if let recruitment = query.recruitmentId, !(1...128).contains(recruitment.unicodeScalars.count) {
                throw Problem.invalid(code: "purpose.too-long", "recruitmentId has 1 to 128 characters", pointer: "/recruitmentId")
            }
            // The contract's pattern: the last watch id of a page (any such string orders).
            if let after = query.after, !(after.hasPrefix("wch_") && after.utf8.count == 30
                                          && after.utf8.dropFirst(4).allSatisfy { (0x30...0x39).contains($0) || (0x61...0x7A).contains($0) }) {
                throw Problem.invalid(code: "range.invalid", "after is a watch id", pointer: "/after")
            }
            let found = try await watches.store.watches(
                clientID: caller.client.may(.auditor) ? nil : caller.client.id, recruitmentID: query.recruitmentId, after: query.after,
                limit: limit + 1)
            let page = found.prefix(limit)
            return .ok(.init(body: .json(.init(watches: try page.map { try $0.view }, next: found.count > limit ? page.last?.id : nil))))
        }
    }

    package func getWatch(_ input: Operations.GetWatch.Input) async throws -> Operations.GetWatch.Output {
        try await allow(nil, "getWatch", detail: "watchId=\(input.path.watchId)") { caller in
            .ok(.init(body: .json(try await visibleWatch(input.path.watchId, to: caller).view)))
        }
    }

    package func deleteWatch(_ input: Operations.DeleteWatch.Input) async throws -> Operations.DeleteWatch.Output {
        let id = input.path.watchId
        return try await allow(.bureau, "deleteWatch", detail: "watchId=\(id)") { caller in
            let watch = try await visibleWatch(id, to: caller, owned: true)
            guard let ended = try await watches.store.end(id, as: .ended, at: Date()) else {
                throw Problem(.conflict, code: "watch.ended", title: "The watch has ended", detail: "watch \(id) is \(watch.status.rawValue)")
            }
            return .ok(.init(body: .json(try ended.view)))
        }
    }

    package func listEvents(_ input: Operations.ListEvents.Input) async throws -> Operations.ListEvents.Output {
        try await allow(nil, "listEvents") { caller in
            let (after, limit, wait) = (input.query.after ?? 0, input.query.limit ?? 100, input.query.wait ?? 0)
            guard after >= 0, (1...1000).contains(limit), (0...60).contains(wait) else {
                throw Problem.invalid(code: "range.invalid", "after is at least 0, limit between 1 and 1000, wait between 0 and 60",
                                      pointer: after < 0 ? "/after" : (1...1000).contains(limit) ? "/wait" : "/limit")
            }
            let client = caller.client.may(.auditor) ? nil : caller.client.id
            let deadline = ContinuousClock.now + .seconds(wait)
            var events = try await watches.store.events(clientID: client, after: after, limit: limit)
            // Long-poll: events may be committed by any gateway sharing the store, so the store is
            // asked again every quarter second until one arrives or the wait is over.
            while events.isEmpty, ContinuousClock.now < deadline, !Task.isCancelled {
                try await Task.sleep(for: .milliseconds(250))
                events = try await watches.store.events(clientID: client, after: after, limit: limit)
            }
            return .ok(.init(body: .json(.init(events: try events.map(WatchEventBody.view), cursor: events.last?.cursor ?? after))))
        }
    }

    /// A watch the caller may see: its own, or any for an auditor (`owned`: its own only); others
    /// are "not found", so ids cannot be probed.
    private func visibleWatch(_ id: String, to caller: Caller, owned: Bool = false) async throws -> WatchRecord {
        guard TimeOrderedID.isWellFormed(id, prefix: "wch_"), let watch = try await watches.store.watch(id),
              watch.clientID == caller.client.id || (!owned && caller.client.may(.auditor)) else {
            throw Problem.notFound("no watch \(id) for client \(caller.client.id)")
        }
        return watch
    }
}
