import ArchiveClient
import Attestation
import CreditCore
import Foundation
import GatewayAPI
import Logging
import Storage

/// Watches: made from real checks, filed under the archive's index keys for their people, and
/// re-checked as of today when an import touches them or their evidence changes with time alone.
///
/// A re-check whose decision is unchanged only moves the watch on (what it read, when it is next
/// due); a changed one is a new check — audited, stored, served signed by `GET /v1/checks/{id}` —
/// and a `watch.decision-changed` event, committed with the watch's new decision in one
/// transaction (``WatchStore/commitScreening(_:events:progress:owner:until:)``).
package struct WatchService: Sendable {
    let store: any WatchStore
    let archive: any ArchiveStore
    let checks: CheckService
    let logger: Logger

    /// The longest a watch may run: two years (PIPL: kept no longer than the purpose needs).
    static let longestYears = 2

    /// The last day a watch may be asked to run to, from `today`.
    static func latestUntil(today: CalendarDay) -> CalendarDay { today.adding(years: longestYears) }

    /// Checks the candidates now (audited and stored as `createWatches` answers) and watches each.
    func create(_ questions: [CheckQuestion], references: [String?], terms: CheckQuestion.Terms, until: CalendarDay, endpointID: String?,
                caller: Caller) async throws -> [(watch: WatchRecord, result: Components.Schemas.CheckResult)] {
        let prepared = try await checks.prepare(questions, terms: terms, caller: caller, operation: "createWatches")
        let committed = try await checks.audit(prepared)
        try await checks.save(committed)
        let watches = try records(for: committed.results, questions: questions, recheckOn: prepared.recheckOn, references: references, terms: terms,
                              until: until, endpointID: endpointID, caller: caller)
        try await file(watches, people: questions.map(\.candidate))
        return Array(zip(watches, committed.results))
    }

    /// The watches of answers already given (audited and stored), one per answer: `ids` when given
    /// (a watch upload's, derived from its job), else new ones.
    func records(
        for results: [Components.Schemas.CheckResult], questions: [CheckQuestion], recheckOn: [CalendarDay?], references: [String?],
        terms: CheckQuestion.Terms, until: CalendarDay, endpointID: String?, caller: Caller, ids: [String]? = nil
    ) throws -> [WatchRecord] {
        let termsJSON = try CheckStore.encoder.encode(WatchTerms(purpose: terms.purpose, policy: terms.policy.name, operator: terms.operator))
        let now = Date()
        return results.indices.map { index in
            let (question, result) = (questions[index], results[index])
            return WatchRecord(
                id: ids?[index] ?? TimeOrderedID.make("wch_", at: now), clientID: caller.client.id, fingerprint: caller.peer.fingerprint,
                recruitmentID: terms.purpose.recruitmentId, termsJSON: termsJSON, name: question.displayName,
                idNumber: question.candidate.id.unmaskedValue, maskedID: question.candidate.id.masked, reference: references[index],
                endpointID: endpointID, until: until.dayNumber, decision: result.decision.rawValue, checkID: result.checkId,
                checkedSequence: result.archive.sequence, recheckOn: recheckOn[index]?.dayNumber, createdAt: now)
        }
    }

    /// Stores watches under their people's keys, computed for the store's mask shapes (again if a
    /// screener adds a shape meanwhile). A watch whose id is stored already is kept as it is.
    func file(_ watches: [WatchRecord], people: [Candidate]) async throws {
        while true {
            let shapes = try await store.shapes()
            do {
                return try await store.create(watches, keys: people.map { ImportTouch.keys(of: $0, shapes: shapes) }, shapes: shapes,
                                              catchUpDay: checks.today.dayNumber)
            } catch is WatchShapesChanged {
                continue
            }
        }
    }

    /// Why a watch was re-checked (the event's `cause`).
    enum Cause: String {
        case `import`, time
    }

    /// Re-checks active watches as of today. Returns every watch's new state and the events of
    /// those whose decision changed; the changed answers are already audited and stored, the rest
    /// are neither (they would say again what the watch's last check said).
    func recheck(_ watches: [WatchRecord], cause: Cause) async throws -> (rechecks: [WatchRecheck], events: [WatchEvent]) {
        var rechecks: [WatchRecheck] = []
        var events: [WatchEvent] = []
        // Watches made by one request share their client, certificate and terms: one lookup each.
        struct Group: Hashable {
            var clientID: String
            var fingerprint: String
            var terms: Data
        }
        let groups = Dictionary(grouping: watches) { Group(clientID: $0.clientID, fingerprint: $0.fingerprint, terms: $0.termsJSON) }
        for group in groups.values {
            let first = group[0]
            let stored = try first.terms
            let terms: CheckQuestion.Terms
            do {
                terms = try checks.terms(purpose: stored.purpose, policy: stored.policy, asOf: nil, operator: stored.operator)
            } catch {
                logger.error("a watch's terms no longer hold", metadata: ["watchId": "\(first.id)", "code": "\(error.code)"])
                continue
            }
            var kept: [WatchRecord] = []
            var questions: [CheckQuestion] = []
            for watch in group {
                guard let question = try? CheckQuestion(name: watch.name, idNumber: watch.idNumber, terms: terms, pointer: "") else { continue }
                kept.append(watch)
                questions.append(question)
            }
            // The re-check is made for the watch's client, under the certificate that made the watch.
            let caller = Caller.recorded(clientID: first.clientID, fingerprint: first.fingerprint)
            // Only a changed decision is made an answer (encoded, audited, stored).
            let assessment = try await checks.assess(questions, terms: terms)
            let changed = kept.indices.filter { assessment.decisions[$0].outcome.rawValue != kept[$0].decision }
            let committed = try await checks.audit(await checks.answers(assessment, at: changed, terms: terms, caller: caller, operation: "watch.recheck"))
            try await checks.save(committed)
            let answers = Dictionary(uniqueKeysWithValues: zip(changed, committed.results))
            let now = Date()
            for (index, watch) in kept.enumerated() {
                let answer = answers[index]
                rechecks.append(WatchRecheck(
                    watchID: watch.id, decision: answer?.decision.rawValue ?? watch.decision, checkID: answer?.checkId ?? watch.checkID, changed: answer != nil,
                    checkedSequence: assessment.version.sequence, recheckOn: assessment.recheckOn[index]?.dayNumber))
                guard let answer else { continue }
                let id = TimeOrderedID.make("evt_", at: now)
                let body = WatchEventBody(type: WatchEventBody.decisionChanged, timestamp: now, data: .init(
                    eventId: id, watchId: watch.id, recruitmentId: watch.recruitmentID, reference: watch.reference,
                    previousDecision: .init(rawValue: watch.decision) ?? .review, decision: answer.decision, checkId: answer.checkId,
                    cause: cause == .import ? ._import : .time, archiveVersion: assessment.version.description))
                events.append(WatchEvent(id: id, watchID: watch.id, clientID: watch.clientID, endpointID: watch.endpointID, type: body.type,
                                         payload: try body.encoded(), createdAt: now))
            }
        }
        return (rechecks, events)
    }
}
