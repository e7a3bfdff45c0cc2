import ArgumentParser
import Foundation
import Gateway
import Logging

/// `creditgate serve`: runs the gateway until SIGTERM or SIGINT, then drains and exits 0.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the gateway (mutual TLS).",
        discussion: """
            Settings come from the environment (CREDITGATE_SERVER_PORT=9443, CREDITGATE_TLS_CA=...), then \
            the --config JSON file, then defaults that suit `creditgate certs init`. SIGTERM stops accepting \
            connections, lets in-flight requests finish, and exits 0.
            Example: creditgate serve --config /etc/creditgate.json
            """
    )

    @Option(help: "A JSON configuration file.") var config: String?

    func run() async throws {
        let logger = Logger(label: "creditgate")
        let configuration = try await GatewayConfiguration.load(file: config)
        let app = try await GatewayApplication.make(configuration: configuration, logger: logger, onRunning: { port in
            logger.info("listening", metadata: ["url": "https://\(configuration.host):\(port)"])
        }, onPublicRunning: { port in
            logger.info("public listener", metadata: ["url": "https://\(configuration.publicHost ?? configuration.host):\(port)"])
        })
        try await app.runService()
    }
}
