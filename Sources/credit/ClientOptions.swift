import ArgumentParser
import CreditClient
import CreditCore
import Foundation

/// The options every command that talks to the gateway or reads receipts shares.
struct ClientOptions: ParsableArguments {
    @Option(help: "The config file (default: $CREDIT_CONFIG, else ~/.config/credit/config.json).") var config: String?
    @Option(help: "The gateway, e.g. https://localhost:8443 ($CREDIT_SERVER).") var server: String?
    @Option(help: "The CA certificate the gateway's certificate chains to (PEM; $CREDIT_CA).") var ca: String?
    @Option(help: "Your client certificate (PEM; $CREDIT_CERT).") var cert: String?
    @Option(help: "Your client certificate's private key (PEM; $CREDIT_KEY).") var key: String?
    @Option(help: "The folder receipts are kept in (default: receipts; $CREDIT_RECEIPTS).") var receipts: String?
    @Option(help: "The language of labels: zh or en (default: from the locale; $CREDIT_LANG).") var lang: String?

    var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// Flags, then environment, then the config file; `extra` adds the command's own flags.
    func settings(_ extra: (inout Settings) -> Void = { _ in }) throws -> Settings {
        var flags = Settings(server: server, ca: ca, certificate: cert, key: key, receipts: receipts, language: lang)
        extra(&flags)
        return try Settings.resolve(flags: flags, configFlag: config, environment: environment)
    }

    func labels(_ settings: Settings) -> Labels { Labels.choose(settings.language, environment: environment) }
    var terminal: Terminal { Terminal(environment: environment) }
}

/// Runs a command's work, turning the client's failures into their documented exit codes.
func reporting(_ work: () async throws -> ExitStatus) async throws {
    let status: ExitStatus
    do {
        status = try await work()
    } catch let error as UsageError {
        printError("credit: \(error)")
        status = .usage
    } catch let failure as ClientFailure {
        printError("credit: \(failure)")
        status = failure.exitStatus
    } catch let error as ReceiptError {
        printError("credit: \(error)")
        status = .usage
    } catch {
        // Local files the command could not read or write.
        printError("credit: \(error.localizedDescription)")
        status = .usage
    }
    if status != .clear { throw ExitCode(status.rawValue) }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Opens a connection, runs `work`, and closes it whatever happens.
func withConnection<T>(_ settings: Settings, _ work: (Connection) async throws -> T) async throws -> T {
    let connection = try Connection(settings: settings)
    do {
        let result = try await work(connection)
        await connection.shutdown()
        return result
    } catch {
        await connection.shutdown()
        throw error
    }
}

/// A resident ID checked here first, so a mistyped number is never sent.
func residentID(_ text: String) throws -> ResidentID {
    do { return try ResidentID(text, today: ChinaTime.today) } catch { throw UsageError("--id: \(error.reason) (\(error.code))") }
}
