import ArgumentParser
import CreditClient
import Foundation
import GatewayAPI

struct RepairCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repair",
        abstract: "Credit repair (信用修复): request, approve or reject (role archivist).",
        discussion: """
            A general record may be repaired 3 months after its decision, a serious one after 1 year; \
            earlier requests are refused naming the first allowed day.
            """,
        subcommands: [Request.self, Approve.self, Reject.self])

    struct Request: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Ask for a record's repair, with the grounds and the evidence.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The record id.") var recordId: String
        @Option(name: .customLong("ground"), help: "obligations-fulfilled, public-commitment or loss-recovered (repeat for several).")
        var grounds: [Components.Schemas.RepairInput.GroundsPayloadPayload]
        @Option(name: .customLong("evidence"), help: "An evidence document's reference (repeat for several).") var evidence: [String]
        @Option(name: .customLong("effective-on"), help: "The day the repair should take effect (default: today).") var effectiveOn: String?
        @Option(name: .customLong("operator"), help: "You, the archivist ($CREDIT_OPERATOR).") var operatorName: String?

        func run() async throws {
            try await reporting {
                let settings = try options.settings { $0.operator = operatorName }
                let body = Components.Schemas.RepairInput(
                    recordId: recordId, grounds: grounds, evidence: evidence, effectiveOn: effectiveOn, _operator: settings.operator)
                return try await archiveCall(options, settings, name: { receiptName($0.repairId, "requested") }, {
                    try await $0.requestRepair(body: .json(body)).created.body.json
                }, describe: describe)
            }
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Approve a pending request: the record is repaired from a day on.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The request id (rep_…).") var repairId: String
        @Option(name: .customLong("effective-on"), help: "The day the repair takes effect (default: the day asked for, or today).") var effectiveOn: String?
        @Option(help: "A note kept with the decision.") var note: String?
        @Option(name: .customLong("operator"), help: "You, the archivist ($CREDIT_OPERATOR).") var operatorName: String?

        func run() async throws {
            try await reporting {
                let settings = try options.settings { $0.operator = operatorName }
                let body = Components.Schemas.RepairApproval(effectiveOn: effectiveOn, note: note, _operator: settings.operator)
                return try await archiveCall(options, settings, name: { receiptName($0.repairId, "approved") }, {
                    try await $0.approveRepair(path: .init(repairId: repairId), body: .json(body)).ok.body.json
                }, describe: describe)
            }
        }
    }

    struct Reject: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reject a pending request, saying why.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The request id (rep_…).") var repairId: String
        @Option(help: "Why.") var note: String
        @Option(name: .customLong("operator"), help: "You, the archivist ($CREDIT_OPERATOR).") var operatorName: String?

        func run() async throws {
            try await reporting {
                let settings = try options.settings { $0.operator = operatorName }
                let body = Components.Schemas.RepairRejection(note: note, _operator: settings.operator)
                return try await archiveCall(options, settings, name: { receiptName($0.repairId, "rejected") }, {
                    try await $0.rejectRepair(path: .init(repairId: repairId), body: .json(body)).ok.body.json
                }, describe: describe)
            }
        }
    }

    static func describe(_ repair: Components.Schemas.Repair) -> String {
        "\(repair.repairId) on \(repair.recordId): \(repair.status.rawValue)"
            + (repair.effectiveOn.map { repair.status == .approved ? ", repaired from \($0)" : ", asked from \($0)" } ?? "")
            + ", repairable from \(repair.earliestOn)"
    }
}

extension Components.Schemas.RepairInput.GroundsPayloadPayload: ExpressibleByArgument {}
