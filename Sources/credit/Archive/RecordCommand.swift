import ArgumentParser
import CreditClient
import CreditCore
import Foundation
import GatewayAPI

struct RecordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Add, correct or revoke one dishonesty record (role archivist).",
        discussion: "Validated by the record feed's rules (docs/feeds.md); each change is a new event and a new archive version.",
        subcommands: [Add.self, Correct.self, Revoke.self])

    /// A record's fields, for adding and for correcting.
    struct Fields: ParsableArguments {
        @Option(help: "The person's name, as on the ID card.") var name: String
        @Option(help: "The person's resident ID number.") var id: String
        @Option(help: "A category code or label of the taxonomy (integrity, law-abiding, 廉洁信用 …).") var category: String
        @Option(help: "judicial-judgment, criminal-punishment, administrative-penalty, disciplinary-sanction, accountability, broken-commitment or exam-cheating-ban.")
        var kind: Components.Schemas.RecordFields.KindPayload
        @Option(help: "minor, general or serious.") var severity: Components.Schemas.RecordFields.SeverityPayload
        @Option(name: .customLong("decided-on"), help: "The decision day, YYYY-MM-DD.") var decidedOn: String
        @Option(help: "For a sanction: warning, demerit, major-demerit, demotion, removal, probation, expulsion.")
        var sanction: Components.Schemas.RecordFields.SanctionPayload?
        @Option(help: "An explicit end of the effect period, YYYY-MM-DD.") var until: String?
        @Flag(help: "The record never ends (a lifetime ban).") var permanent = false
        @Option(help: "The deciding body.") var issuer: String?
        @Option(name: .customLong("document-number"), help: "The decision's document number.") var documentNumber: String?
        @Option(help: "A short summary.") var summary: String?
        @Option(name: .customLong("operator"), help: "You, the archivist ($CREDIT_OPERATOR).") var operatorName: String?

        func record(_ settings: Settings) throws -> Components.Schemas.RecordFields {
            .init(name: name, idNumber: try residentID(id).unmaskedValue, category: category, kind: kind, sanction: sanction, severity: severity,
                  decidedOn: decidedOn, effectiveUntil: until, permanent: permanent ? true : nil, issuer: issuer,
                  documentNumber: documentNumber, summary: summary, _operator: settings.operator)
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record a new dishonesty record.")
        @OptionGroup var options: ClientOptions
        @OptionGroup var fields: Fields
        @Option(name: .customLong("record-id"), help: "The keeper's id of the record (default: one is made).") var recordId: String?

        func run() async throws {
            try await reporting {
                let settings = try options.settings { $0.operator = fields.operatorName }
                let body = Components.Schemas.RecordInput(value1: try fields.record(settings), value2: .init(recordId: recordId))
                return try await archiveCall(options, settings, name: { receiptName($0.recordId, "add") }, {
                    try await $0.addRecord(body: .json(body)).created.body.json
                }, describe: describe)
            }
        }
    }

    struct Correct: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Correct a record: its fields are replaced from a day on; the old ones stay in its history.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The record id.") var recordId: String
        @OptionGroup var fields: Fields
        @Option(name: .customLong("effective-on"), help: "The day the corrected fields take effect, YYYY-MM-DD.") var effectiveOn: String

        func run() async throws {
            try await reporting {
                let settings = try options.settings { $0.operator = fields.operatorName }
                let body = Components.Schemas.RecordCorrection(value1: try fields.record(settings), value2: .init(effectiveOn: effectiveOn))
                return try await archiveCall(options, settings, name: { receiptName($0.recordId, "correct", "\($0.audit.logIndex)") }, {
                    try await $0.correctRecord(path: .init(recordId: recordId), body: .json(body)).created.body.json
                }, describe: describe)
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a record as wrong: from a day on it counts as never recorded.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The record id.") var recordId: String
        @Option(name: .customLong("effective-on"), help: "The day the revocation takes effect, YYYY-MM-DD.") var effectiveOn: String
        @Option(name: .customLong("operator"), help: "You, the archivist ($CREDIT_OPERATOR).") var operatorName: String?

        func run() async throws {
            try await reporting {
                let settings = try options.settings { $0.operator = operatorName }
                let body = Components.Schemas.RecordRevocation(effectiveOn: effectiveOn, _operator: settings.operator)
                return try await archiveCall(options, settings, name: { receiptName($0.recordId, "revoke", "\($0.audit.logIndex)") }, {
                    try await $0.revokeRecord(path: .init(recordId: recordId), body: .json(body)).created.body.json
                }, describe: describe)
            }
        }
    }

    static func describe(_ change: Components.Schemas.RecordChange) -> String {
        "\(change.recordId): \(change.operation.rawValue) from \(change.effectiveOn)"
            + (change.record.map { " (\($0.name) \($0.maskedId), \($0.kind) \($0.severity))" } ?? "") + ", archive \(change.archive.version)"
    }
}

extension Components.Schemas.RecordFields.KindPayload: ExpressibleByArgument {}
extension Components.Schemas.RecordFields.SeverityPayload: ExpressibleByArgument {}
extension Components.Schemas.RecordFields.SanctionPayload: ExpressibleByArgument {}
