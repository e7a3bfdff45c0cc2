import ArgumentParser
import CreditClient
import CreditCore
import Foundation
import GatewayAPI

struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check one candidate and keep the signed answer as a receipt.",
        discussion: """
            Examples:
              credit check --name 张三 --id 11010519491231002X --consent CONSENT-2026-000123
              credit check --name 张三 --id 11010519491231002X --as-of 2026-11-01 --json

            The exit code is the decision: 0 CLEAR, 10 REVIEW, 11 INELIGIBLE (see `credit --help`).
            """
    )

    @OptionGroup var options: ClientOptions
    @OptionGroup var purpose: PurposeOptions
    @Option(help: "The candidate's name, as on the ID card.") var name: String
    @Option(help: "The candidate's resident ID number (18 characters, or a legacy 15-digit one).") var id: String
    @Flag(help: "Print the answer as the gateway sent it (JSON).") var json = false

    func run() async throws {
        try await reporting {
            let settings = try options.settings(purpose.fill)
            let terms = try purpose.terms(settings)
            let resident = try residentID(id)
            let request = Components.Schemas.CheckRequest(
                candidate: .init(name: name, idNumber: resident.unmaskedValue),
                purpose: .init(code: terms.purpose, recruitmentId: terms.recruitmentId, consentReference: terms.consentReference),
                policy: terms.policy, asOf: terms.asOf, _operator: terms.operator)
            let (answer, file, receipt) = try await withConnection(settings) { connection in
                let (output, receipt) = try await connection.call { try await $0.createCheck(body: .json(request)) }
                let answer = try output.ok.body.json
                return (answer, try connection.folder.save(receipt, name: answer.checkId), receipt)
            }
            if json {
                FileHandle.standardOutput.write(Data(receipt.body + [0x0A]))
            } else {
                print(AnswerText.render(answer, receipt: file.path, labels: options.labels(settings), terminal: options.terminal))
            }
            switch answer.decision {
            case .clear: return .clear
            case .review: return .review
            case .ineligible: return .ineligible
            }
        }
    }
}
