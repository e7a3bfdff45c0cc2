import ArgumentParser
import CreditClient
import Foundation
import GatewayAPI

struct DisposeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dispose",
        abstract: "Record your final decision on an answer: confirm or overturn it.",
        discussion: """
            An INELIGIBLE or REVIEW answer is a recommendation until a person decides (PIPL art. 24). \
            A later disposition amends an earlier one; both are kept.

            Examples:
              credit dispose chk_01jd3v6m8q4x2s9c7r5t1w0y3z --outcome confirmed --note "议定：不予录用"
              credit dispose chk_01jd3v6m8q4x2s9c7r5t1w0y3z --outcome overturned --note "同名不同人，已核实身份证原件"
            """
    )

    enum Outcome: String, ExpressibleByArgument, CaseIterable {
        case confirmed, overturned
    }

    @OptionGroup var options: ClientOptions
    @Argument(help: "The check id (chk_…).") var checkId: String
    @Option(help: "confirmed or overturned.") var outcome: Outcome
    @Option(help: "Why (kept with the disposition).") var note: String?
    @Option(name: .customLong("operator"), help: "You, the HR user deciding ($CREDIT_OPERATOR).") var operatorName: String?

    func run() async throws {
        try await reporting {
            let settings = try options.settings { $0.operator = operatorName }
            let person = try settings.require(\.operator, flag: "operator")
            let request = Components.Schemas.DispositionRequest(
                outcome: outcome == .confirmed ? .confirmed : .overturned, note: note, _operator: person)
            let (disposition, file) = try await withConnection(settings) { connection in
                let (output, receipt) = try await connection.call {
                    try await $0.recordDisposition(path: .init(checkId: checkId), body: .json(request))
                }
                let disposition = try output.created.body.json
                return (disposition, try connection.folder.save(receipt, name: "\(checkId).disposition-\(disposition.sequence)"))
            }
            print("\(disposition.checkId): \(disposition.outcome.rawValue) #\(disposition.sequence) by \(disposition._operator)")
            print("\(options.labels(settings).receipt): \(file.path)")
            return .clear
        }
    }
}
