import ArchiveClient
import Attestation
import CreditCore
import Foundation
import GatewayAPI
import OpenAPIRuntime
import Storage
import Synchronization

/// Credit repair as a process (信用修复): an archivist files a request naming the record, the
/// grounds and the evidence; an archivist approves it (a repair event on the record, from a stated
/// day) or rejects it. The minimum publication periods are enforced at both steps
/// (``CreditRepair``). Every step is an audit entry, made while the record's lock is held, so
/// what is stored and what is audited never differ.
extension GatewayHandler {
    package func requestRepair(_ input: Operations.RequestRepair.Input) async throws -> Operations.RequestRepair.Output {
        let caller = try await auditor.require(.archivist, for: "requestRepair", caller: Caller.current)
        guard case .json(let body) = input.body else { throw Problem.unsupportedMediaType(nil) }
        return try await refusing("requestRepair", caller: caller) {
            let operatorName = try CheckQuestion.Terms.operatorName(body._operator)
            let state = try await repairable(body.recordId)
            let day = try repairDay(body.effectiveOn, of: state.record)
            let receipt = Mutex<AuditLog.Receipt?>(nil)
            let request = try await repairs.change(recordID: body.recordId) { [auditor] earlier in
                if let pending = earlier.first(where: { $0.status == .pending }) {
                    throw Problem(.conflict, code: "repair.pending", title: "A repair request is pending",
                                  detail: "request \(pending.repairID) on record \(body.recordId) is not decided yet")
                }
                var request = RepairRequest(
                    repairID: TimeOrderedID.make("rep_", at: Date()), recordID: body.recordId, grounds: body.grounds.map(\.rawValue),
                    evidence: body.evidence, requestedBy: caller.client.id, requestedOperator: operatorName, requestedAt: Date(),
                    earliestOn: CreditRepair.earliestDay(for: state.record).description)
                request.effectiveOn = day.description
                var entry = auditor.entry("requestRepair", caller: caller,
                                          detail: "repairId=\(request.repairID) recordId=\(body.recordId) grounds=\(request.grounds.joined(separator: ","))")
                entry.operator = operatorName
                entry.candidateHMAC = auditor.hasher.hmac(ofIDNumber: state.record.residentID.unmaskedValue)
                let made = try await auditor.record([entry])[0]
                receipt.withLock { $0 = made }
                return request
            }
            return .created(.init(body: .json(.init(request, audit: receipt.withLock { $0 }))))
        }
    }

    package func getRepair(_ input: Operations.GetRepair.Input) async throws -> Operations.GetRepair.Output {
        let caller = try await auditor.require(anyOf: [.archivist, .auditor], for: "getRepair", caller: Caller.current)
        let request = try await refusing("getRepair", caller: caller) { try await repairRequest(input.path.repairId) }
        _ = try await auditor.record([auditor.entry("getRepair", caller: caller, detail: "repairId=\(request.repairID)")])
        return .ok(.init(body: .json(.init(request, audit: nil))))
    }

    package func approveRepair(_ input: Operations.ApproveRepair.Input) async throws -> Operations.ApproveRepair.Output {
        let caller = try await auditor.require(.archivist, for: "approveRepair", caller: Caller.current)
        guard case .json(let body) = input.body else { throw Problem.unsupportedMediaType(nil) }
        return try await refusing("approveRepair", caller: caller) {
            let operatorName = try CheckQuestion.Terms.operatorName(body._operator)
            let note = try Self.note(body.note)
            let asked = try await repairRequest(input.path.repairId)
            let receipt = Mutex<AuditLog.Receipt?>(nil)
            let decided = try await repairs.change(recordID: asked.recordID) { earlier in
                var request = try Self.pending(asked.repairID, among: earlier)
                let (history, state) = try await standing(of: request.recordID)
                if let repaired = state.repairedOn {
                    // Repaired already: by this approval cut short (the archive's change made, the
                    // gateway killed before the decision was stored) or by a feed meanwhile. The
                    // approval records that repair and adds no second one, so a request is never
                    // left pending for good.
                    request.effectiveOn = repaired.description
                    request.archiveSequence = history.events.first { $0.operation == .repair && $0.effectiveOn == repaired }?.importSequence
                } else {
                    // The day given, else the day asked for (or today, once that has passed).
                    let day = try repairDay(body.effectiveOn ?? request.effectiveOn.map { max($0, checks.today.description) }, of: state.record)
                    let change = RecordChange(operation: .repair, recordID: request.recordID, fields: ["opDate": day.description])
                    // Two entries: the archive's change (as any record change), then the decision.
                    let applied = try await apply(change, operation: "repairRecord", caller: caller, operator: operatorName)
                    request.effectiveOn = day.description
                    request.archiveSequence = applied.archive.sequence
                }
                request.decide(.approved, by: caller.client.id, operator: operatorName, note: note)
                let made = try await auditor.record([repairEntry("approveRepair", request, caller: caller)])[0]
                receipt.withLock { $0 = made }
                return request
            }
            return .ok(.init(body: .json(.init(decided, audit: receipt.withLock { $0 }))))
        }
    }

    package func rejectRepair(_ input: Operations.RejectRepair.Input) async throws -> Operations.RejectRepair.Output {
        let caller = try await auditor.require(.archivist, for: "rejectRepair", caller: Caller.current)
        guard case .json(let body) = input.body else { throw Problem.unsupportedMediaType(nil) }
        return try await refusing("rejectRepair", caller: caller) {
            let operatorName = try CheckQuestion.Terms.operatorName(body._operator)
            guard let note = try Self.note(body.note), !note.allSatisfy(\.isWhitespace) else {
                throw Problem.invalid(code: "note.missing", "a rejection says why", pointer: "/note")
            }
            let asked = try await repairRequest(input.path.repairId)
            let receipt = Mutex<AuditLog.Receipt?>(nil)
            let decided = try await repairs.change(recordID: asked.recordID) { [auditor, archive] earlier in
                var request = try Self.pending(asked.repairID, among: earlier)
                if let repaired = try await archive.recordHistory(recordID: request.recordID)?.latest?.repairedOn {
                    throw Problem(.conflict, code: "record.repaired", title: "The record is repaired already",
                                  detail: "record \(request.recordID) was repaired from \(repaired); approve request \(request.repairID) to record that")
                }
                request.decide(.rejected, by: caller.client.id, operator: operatorName, note: note)
                let made = try await auditor.record([repairEntry("rejectRepair", request, caller: caller)])[0]
                receipt.withLock { $0 = made }
                return request
            }
            return .ok(.init(body: .json(.init(decided, audit: receipt.withLock { $0 }))))
        }
    }

    private func repairRequest(_ id: String) async throws -> RepairRequest {
        guard TimeOrderedID.isWellFormed(id, prefix: "rep_"), let request = try await repairs.request(id) else {
            throw Problem.notFound("no repair request \(id)")
        }
        return request
    }

    /// The record a repair is for, standing and not repaired yet.
    private func repairable(_ recordID: String) async throws -> RecordHistory.State {
        let state = try await standing(of: recordID).state
        if let repaired = state.repairedOn {
            throw Problem(.conflict, code: "record.repaired", title: "The record is repaired already",
                          detail: "record \(recordID) was repaired from \(repaired)")
        }
        return state
    }

    /// The day a repair of `record` takes effect: the one given or today; not before today (a
    /// repair does not rewrite answers already given) nor before the minimum publication period ends.
    private func repairDay(_ text: String?, of record: DishonestyRecord) throws(Problem) -> CalendarDay {
        let today = checks.today
        var day = today
        if let text {
            guard let given = try? CalendarDay(parsing: text) else {
                throw .invalid(code: "effective-on.format", "effectiveOn is a date, YYYY-MM-DD", pointer: "/effectiveOn")
            }
            guard given >= today else {
                throw .invalid(code: "repair.backdated", "a repair takes effect today (\(today)) or later, not \(given)", pointer: "/effectiveOn")
            }
            day = given
        }
        let earliest = CreditRepair.earliestDay(for: record)
        guard day >= earliest else {
            let months = CreditRepair.minimumMonths(record.severity)
            throw .invalid(
                code: "repair.too-early",
                "a \(record.severity.rawValue) (\(record.severity.chinese)) record is published at least \(months) months before it may be repaired: decided on \(record.decidedOn), it may be repaired from \(earliest), not \(day)",
                pointer: "/effectiveOn")
        }
        return day
    }

    private static func pending(_ repairID: String, among requests: [RepairRequest]) throws -> RepairRequest {
        guard let request = requests.first(where: { $0.repairID == repairID }) else { throw Problem.notFound("no repair request \(repairID)") }
        guard request.status == .pending else {
            throw Problem(.conflict, code: "repair.decided", title: "The request was decided already",
                          detail: "request \(repairID) was \(request.status.rawValue)")
        }
        return request
    }

    private func repairEntry(_ operation: String, _ request: RepairRequest, caller: Caller) -> AuditEntry {
        var entry = auditor.entry(operation, caller: caller, detail: "repairId=\(request.repairID) recordId=\(request.recordID)")
        entry.operator = request.decidedOperator
        entry.decision = request.status.rawValue
        return entry
    }
}

extension RepairRequest {
    mutating func decide(_ status: Status, by client: String, operator operatorName: String?, note: String?) {
        self.status = status
        revision += 1
        decidedBy = client
        decidedOperator = operatorName
        decidedAt = Date()
        self.note = note
    }
}

extension Components.Schemas.Repair {
    init(_ request: RepairRequest, audit: AuditLog.Receipt?) {
        self.init(
            repairId: request.repairID, recordId: request.recordID, status: .init(rawValue: request.status.rawValue) ?? .pending,
            grounds: request.grounds, evidence: request.evidence, requestedBy: request.requestedBy,
            requestedOperator: request.requestedOperator, requestedAt: request.requestedAt, earliestOn: request.earliestOn,
            decidedBy: request.decidedBy, decidedOperator: request.decidedOperator, decidedAt: request.decidedAt, note: request.note,
            effectiveOn: request.effectiveOn, archiveSequence: request.archiveSequence, audit: audit.map { .init($0) })
    }
}
