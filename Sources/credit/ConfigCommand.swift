import ArgumentParser
import CreditClient
import Foundation

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Write or show the client's settings.",
        discussion: "Examples: credit config init; credit config show",
        subcommands: [Initialize.self, Show.self]
    )

    struct Initialize: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init",
            abstract: "Write a config file; with no flags, for the demo gateway and its development certificates.",
            discussion: """
                Examples:
                  credit config init                                   # the demo: certs/ from `creditgate demo`
                  credit config init --server https://credit.example.gov.cn --ca ca.pem --cert me.pem --key me-key.pem \\
                      --operator hr.li --purpose civil-service-exam
                """
        )

        @Option(help: "Where to write it (default: $CREDIT_CONFIG, else ~/.config/credit/config.json).") var config: String?
        @Option(help: "The gateway.") var server = "https://localhost:8443"
        @Option(help: "The development certificates folder `creditgate demo` made (used for --ca, --cert, --key when not given).") var certs = "certs"
        @Option(help: "Which development client certificate to use.") var role = "bureau"
        @Option(help: "The CA certificate (PEM).") var ca: String?
        @Option(help: "Your client certificate (PEM).") var cert: String?
        @Option(help: "Your client certificate's key (PEM).") var key: String?
        @Option(help: "The default purpose code.") var purpose = "civil-service-exam"
        @Option(help: "The default recruitment.") var recruitment: String?
        @Option(help: "The default policy.") var policy: String?
        @Option(name: .customLong("operator"), help: "You (default: your login name).") var operatorName: String?
        @Option(help: "The receipts folder (default: receipts in the current folder).") var receipts = "receipts"
        @Option(help: "zh or en (default: from the locale).") var lang: String?
        @Flag(help: "Replace an existing config file.") var force = false

        func run() async throws {
            try await reporting {
                let environment = ProcessInfo.processInfo.environment
                let file = Settings.configFile(flag: config, environment: environment)
                if FileManager.default.fileExists(atPath: file.path), !force {
                    throw UsageError("\(file.path) exists; pass --force to replace it")
                }
                let certsFolder = URL(fileURLWithPath: certs, isDirectory: true)
                func absolute(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }
                let settings = Settings(
                    server: server,
                    ca: absolute(ca ?? certsFolder.appendingPathComponent("ca.pem").path),
                    certificate: absolute(cert ?? certsFolder.appendingPathComponent("clients/\(role).pem").path),
                    key: absolute(key ?? certsFolder.appendingPathComponent("clients/\(role)-key.pem").path),
                    purpose: purpose, recruitmentId: recruitment, policy: policy,
                    operator: operatorName ?? environment["USER"], receipts: absolute(receipts), language: lang)
                for path in [settings.ca, settings.certificate, settings.key].compactMap({ $0 })
                where !FileManager.default.fileExists(atPath: path) {
                    printError("credit: note: \(path) does not exist yet (run `creditgate demo` to make the development certificates)")
                }
                try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
                try (JSONEncoder.readable.encode(settings) + Data("\n".utf8)).write(to: file, options: .atomic)
                print("wrote \(file.path)")
                return .clear
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show", abstract: "Show the settings in force (flags, environment, config file).",
            discussion: "Example: credit config show")

        @OptionGroup var options: ClientOptions

        func run() async throws {
            try await reporting {
                let settings = try options.settings()
                print(String(decoding: try JSONEncoder.readable.encode(settings), as: UTF8.self))
                return .clear
            }
        }
    }
}
