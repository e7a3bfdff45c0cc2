import ArchiveClient
import Attestation
import CreditCore
import Foundation
import GatewayAPI
import OpenAPIRuntime

/// Keeping the archive one record at a time (一人一档): an archivist adds, corrects and revokes
/// single dishonesty records. Each change is a one-line record feed imported strictly
/// (``RecordChange``): the feed's rules validate it, it is an event of its own, it makes a new
/// archive version, and it is an audit entry.
extension GatewayHandler {
    package func addRecord(_ input: Operations.AddRecord.Input) async throws -> Operations.AddRecord.Output {
        let caller = try await auditor.require(.archivist, for: "addRecord", caller: Caller.current)
        guard case .json(let body) = input.body else { throw Problem.unsupportedMediaType(nil) }
        return try await refusing("addRecord", caller: caller) {
            let recordID = body.value2.recordId ?? TimeOrderedID.make("rec_", at: Date())
            guard try await archive.recordHistory(recordID: recordID) == nil else {
                throw Problem(.conflict, code: "record.exists", title: "The archive holds this record already",
                              detail: "record \(recordID) exists; correct it instead", pointer: "/recordId")
            }
            let change = RecordChange(operation: .add, recordID: recordID, fields: body.value1.feedFields)
            return .created(.init(body: .json(try await apply(change, operation: "addRecord", caller: caller, operator: body.value1._operator))))
        }
    }

    package func correctRecord(_ input: Operations.CorrectRecord.Input) async throws -> Operations.CorrectRecord.Output {
        let caller = try await auditor.require(.archivist, for: "correctRecord", caller: Caller.current)
        guard case .json(let body) = input.body else { throw Problem.unsupportedMediaType(nil) }
        var fields = body.value1.feedFields
        fields["opDate"] = body.value2.effectiveOn
        let change = RecordChange(operation: .correct, recordID: input.path.recordId, fields: fields)
        return .created(.init(body: .json(try await changeStanding(change, operation: "correctRecord", caller: caller, operator: body.value1._operator))))
    }

    package func revokeRecord(_ input: Operations.RevokeRecord.Input) async throws -> Operations.RevokeRecord.Output {
        let caller = try await auditor.require(.archivist, for: "revokeRecord", caller: Caller.current)
        guard case .json(let body) = input.body else { throw Problem.unsupportedMediaType(nil) }
        let change = RecordChange(operation: .revoke, recordID: input.path.recordId, fields: ["opDate": body.effectiveOn])
        return .created(.init(body: .json(try await changeStanding(change, operation: "revokeRecord", caller: caller, operator: body._operator))))
    }

    /// A correction or a revocation: of a record that stands, then as any change.
    private func changeStanding(_ change: RecordChange, operation: String, caller: Caller, operator operatorName: String?) async throws
        -> Components.Schemas.RecordChange {
        try await refusing(operation, caller: caller) {
            _ = try await standing(of: change.recordID)
            return try await apply(change, operation: operation, caller: caller, operator: operatorName)
        }
    }

    /// A record's history and latest standing, for a change to it: `404 record.unknown` when the
    /// archive never held it, `409 record.revoked` when it no longer does.
    func standing(of recordID: String) async throws -> (history: RecordHistory, state: RecordHistory.State) {
        guard let history = try await archive.recordHistory(recordID: recordID) else {
            throw Problem(.notFound, code: "record.unknown", title: "No such record", detail: "the archive has no record \(recordID)")
        }
        guard let state = history.latest else {
            throw Problem(.conflict, code: "record.revoked", title: "The record was revoked", detail: "record \(recordID) was revoked")
        }
        return (history, state)
    }

    /// Imports a change and audits it: add, correct, revoke, and an approved repair all go this way.
    /// A field the feed's rules refuse is a 422 naming it; the archive is then unchanged.
    func apply(_ change: RecordChange, operation: String, caller: Caller, operator operatorName: String?) async throws
        -> Components.Schemas.RecordChange {
        let operatorName = try CheckQuestion.Terms.operatorName(operatorName)
        let report: ImportReport
        do {
            report = try await archive.apply(change, in: uploads.folder, source: "\(operation) by \(caller.client.id)", today: checks.today)
            screening.notify()
        } catch let refused as StrictImportError {
            let pointer = refused.issue.field.map { $0 == "opDate" ? "/effectiveOn" : "/\($0)" } ?? ""
            throw Problem.invalid(code: refused.issue.code, refused.issue.reason, pointer: pointer)
        }
        let history = try await archive.recordHistory(recordID: change.recordID)
        let event = history?.events.max { $0.eventID < $1.eventID }
        var entry = auditor.entry(
            operation, caller: caller,
            detail: "recordId=\(change.recordID) op=\(change.operation.rawValue) event=R\(event?.eventID ?? 0) changeId=\(change.changeID)")
        entry.operator = operatorName
        entry.archiveVersion = report.version.description
        if let record = history?.events.last(where: { $0.record != nil })?.record {
            entry.candidateHMAC = auditor.hasher.hmac(ofIDNumber: record.residentID.unmaskedValue)
        }
        let receipt = try await auditor.record([entry])[0]
        metrics.imported(kind: "records", report: report)
        return Components.Schemas.RecordChange(
            recordId: change.recordID, operation: .init(rawValue: change.operation.rawValue) ?? .add,
            effectiveOn: (event?.effectiveOn ?? checks.today).description, record: event?.record.map(Components.Schemas.ArchiveRecord.init),
            archive: .init(report.version), audit: .init(receipt))
    }
}

extension Components.Schemas.RecordFields {
    /// The fields by the record feed's names, for ``RecordChange``.
    var feedFields: [String: String] {
        var fields: [String: String] = [
            "name": name, "idNumber": idNumber, "category": category, "kind": kind.rawValue, "severity": severity.rawValue,
            "decidedOn": decidedOn,
        ]
        fields["sanction"] = sanction?.rawValue
        fields["effectiveUntil"] = effectiveUntil
        fields["permanent"] = permanent.map { $0 ? "true" : "false" }
        fields["issuer"] = issuer
        fields["documentNumber"] = documentNumber
        fields["summary"] = summary
        return fields
    }
}

extension Components.Schemas.ArchiveRecord {
    /// A record as answers show it: the ID masked.
    init(_ record: DishonestyRecord) {
        self.init(
            recordId: record.recordID, name: record.name, maskedId: record.residentID.masked, category: record.category,
            kind: record.kind.rawValue, sanction: record.sanction?.rawValue, severity: record.severity.rawValue,
            decidedOn: record.decidedOn.description, effectiveUntil: record.effectiveUntil?.description, permanent: record.permanent,
            issuer: record.issuer, documentNumber: record.documentNumber, summary: record.summary)
    }
}
