import ArgumentParser
import CreditClient
import CreditCore
import Foundation
import GatewayAPI

/// `credit archive`: for the people who keep the integrity archive (一人一档).
struct ArchiveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "archive",
        abstract: "Keep the integrity archive: one person's file, single records, credit repairs (role archivist).",
        discussion: """
            Examples:
              credit archive show --name 张三 --id 11010519491231002X --purpose discipline-case --reference JW-2026-7
              credit archive record add --name 张三 --id 11010519491231002X --category law-abiding \\
                  --kind administrative-penalty --severity serious --decided-on 2026-11-20 --issuer 长沙市市场监督管理局
              credit archive record revoke CS-2026-0042 --effective-on 2026-12-01
              credit archive repair request CS-2026-0042 --ground obligations-fulfilled --evidence "缴款凭证 2026-08-30"
              credit archive repair approve rep_01jd3v6m8q4x2s9c7r5t1w0y3z --note 材料齐全

            Every answer is kept as a signed receipt and verified like a check's (`credit verify`).
            """,
        subcommands: [ShowCommand.self, RecordCommand.self, RepairCommand.self]
    )
}

/// Runs one call whose answer carries an audit receipt: verifies it, keeps it under `name`, and
/// prints `describe`'s line and where the receipt is.
func archiveCall<Value>(
    _ options: ClientOptions, _ settings: Settings, name: (Value) -> String,
    _ call: (Client) async throws -> Value, describe: (Value) -> String
) async throws -> ExitStatus {
    let (value, file) = try await withConnection(settings) { connection in
        let (value, receipt) = try await connection.call(call)
        return (value, try connection.folder.save(receipt, name: name(value)))
    }
    print(describe(value))
    print("\(options.labels(settings).receipt): \(file.path)")
    return .clear
}

/// A name safe as a file name: a record id may hold `/` or `:`.
func receiptName(_ parts: String...) -> String {
    parts.joined(separator: ".").map { $0.isLetter || $0.isNumber || "-_.".contains($0) ? $0 : "_" }.map(String.init).joined()
}

struct ShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one person's file: every listing and record, its events and standing (roles archivist, auditor).",
        discussion: "Each read is audited with its purpose; the ID is sent in the request body, never in a URL.")

    @OptionGroup var options: ClientOptions
    @Option(help: "The person's name, as on the ID card.") var name: String
    @Option(help: "The person's resident ID number.") var id: String
    @Option(help: "Why the file is read, e.g. appraisal, discipline-case, repair-review.") var purpose: String
    @Option(help: "The case, appraisal or request the read is for.") var reference: String
    @Option(help: "The policy the standing is judged by (default: the one serving the purpose).") var policy: String?
    @Option(name: .customLong("as-of"), help: "The day the standing is shown for, YYYY-MM-DD (default: today).") var asOf: String?
    @Option(name: .customLong("operator"), help: "You ($CREDIT_OPERATOR).") var operatorName: String?
    @Flag(help: "Print the file as the gateway sent it (JSON).") var json = false

    func run() async throws {
        try await reporting {
            let settings = try options.settings { $0.operator = operatorName }
            let resident = try residentID(id)
            let request = Components.Schemas.FileRequest(
                candidate: .init(name: name, idNumber: resident.unmaskedValue), purpose: .init(code: purpose, reference: reference),
                asOf: asOf, policy: policy, _operator: settings.operator)
            let (file, saved, receipt) = try await withConnection(settings) { connection in
                let (output, receipt) = try await connection.call { try await $0.getPersonFile(body: .json(request)) }
                let file = try output.ok.body.json
                return (file, try connection.folder.save(receipt, name: "file-\(file.audit.logIndex)"), receipt)
            }
            if json {
                FileHandle.standardOutput.write(Data(receipt.body + [0x0A]))
                return .clear
            }
            print("\(file.candidate.name) \(file.candidate.maskedId) as of \(file.asOf), policy \(file.policy.name)@\(file.policy.version), archive \(file.archive.version)")
            for category in file.categories {
                print("  \(category.label ?? category.category): \(category.records) record(s), \(category.inForce) in force")
            }
            for listing in file.listings {
                print("listing \(listing.caseNumber) (\(listing.match.rawValue)) \(listing.status.rawValue)")
                for event in listing.events { print("    \(event.effectiveOn) \(event.operation.rawValue) [\(event.eventId), version \(event.archiveSequence)]") }
            }
            for record in file.records {
                let r = record.record
                print("record \(r.recordId) \(r.kind) \(r.severity)\(r.sanction.map { " \($0)" } ?? "") decided \(r.decidedOn): \(record.status.rawValue)"
                    + (record.effectEnd.map { ", in effect to \($0)" } ?? "") + ", repairable from \(record.earliestRepairOn)")
                for event in record.events { print("    \(event.effectiveOn) \(event.operation.rawValue) [\(event.eventId), version \(event.archiveSequence)]") }
            }
            for repair in file.repairs {
                print("repair \(repair.repairId) on \(repair.recordId): \(repair.status.rawValue)\(repair.effectiveOn.map { " from \($0)" } ?? "")")
            }
            print("\(options.labels(settings).receipt): \(saved.path)")
            return .clear
        }
    }
}
