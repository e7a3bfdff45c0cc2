import ArgumentParser
import Foundation
import Gateway
import Hummingbird
import Logging

/// `creditgate witness`: run a transparency-log witness, or print its key.
struct WitnessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "witness",
        abstract: "A witness that cosigns a log's checkpoints only while they stay consistent (C2SP tlog-witness).",
        subcommands: [Serve.self, Key.self]
    )

    struct Options: ParsableArguments {
        @Option(help: "The witness's folder: its key (witness.key) and state (witness.sqlite).") var folder = "witness"
        @Option(help: "The witness's name, the key name of its cosignatures.") var name = "witness.creditgate.local"

        var configuration: WitnessService.Configuration {
            var configuration = WitnessService.Configuration()
            configuration.folder = folder
            configuration.name = name
            return configuration
        }
    }

    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve POST /add-checkpoint and GET /<origin hash>/checkpoint.",
            discussion: """
                Trust a log by its verifier key (--log), or by its published JWK Set and origin \
                (--log-jwks ORIGIN=FILE, reloaded when the file changes: a rotated key is trusted \
                without a restart). SIGTERM drains and exits.

                Example:
                  creditgate witness serve --name witness.example/w1 --port 8455 \\
                    --tls-cert certs/server.pem --tls-key certs/server-key.pem \\
                    --log-jwks creditgate.local/audit=jwks.json
                """)
        @OptionGroup var options: Options
        @Option(help: "Address to listen on.") var host = "127.0.0.1"
        @Option(help: "Port to listen on (0: any free port).") var port = 8455
        @Option(help: "Server certificate (PEM); plain HTTP without one.") var tlsCert: String?
        @Option(help: "Its private key (PEM).") var tlsKey: String?
        @Option(help: "A log's note verifier key, origin+id+base64 (repeatable).") var log: [String] = []
        @Option(help: "A log's origin and JWK Set file, ORIGIN=FILE (repeatable).") var logJwks: [String] = []

        func run() async throws {
            var configuration = options.configuration
            configuration.host = host
            configuration.port = port
            configuration.certificate = tlsCert
            configuration.privateKey = tlsKey
            configuration.logKeys = log
            configuration.logKeySets = try logJwks.map { pair in
                guard let equals = pair.lastIndex(of: "=") else { throw ValidationError("--log-jwks takes ORIGIN=FILE, not \(pair)") }
                return (String(pair[..<equals]), String(pair[pair.index(after: equals)...]))
            }
            guard !configuration.logKeys.isEmpty || !configuration.logKeySets.isEmpty else {
                throw ValidationError("name at least one log to witness: --log or --log-jwks")
            }
            let logger = Logger(label: "creditgate.witness")
            let key = try WitnessService.signer(configuration).witnessKey.verifierKey
            let scheme = tlsCert == nil ? "http" : "https"
            let name = configuration.name
            let app = try WitnessService.make(configuration: configuration, logger: logger) { port in
                print("witness \(name) on \(scheme)://\(host):\(port)/add-checkpoint\nits key: \(key)")
                fflush(nil)
            }
            try await app.runService()
        }
    }

    struct Key: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the witness's verifier key (made if missing): what logs and clients configure to trust it.")
        @OptionGroup var options: Options

        func run() async throws {
            print(try WitnessService.signer(options.configuration).witnessKey.verifierKey)
        }
    }
}
