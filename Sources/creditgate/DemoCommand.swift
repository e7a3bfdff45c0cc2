import ArchiveClient
import SQLiteStorage
import ArgumentParser
import CreditCore
import Foundation
import Gateway
import Logging

/// The README's first command: development certificates and a synthetic archive if missing, then
/// the gateway on https://localhost:8443, with `curl` commands that work printed.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Serve the gateway on a synthetic archive (made if missing) with development certificates (made if missing).",
        discussion: "Example: creditgate demo --port 8443. Stop it with Ctrl-C (it drains and exits)."
    )

    @Option(help: "Folder for the demo archive, its feeds and the service state.") var dir = "demo"
    @Option(help: "Folder for the development certificates.") var certs = "certs"
    @Option(help: "Listings to generate.") var entries = 100_000
    @Option(help: "Records to generate.") var records = 10_000
    @Option(help: "Port to listen on.") var port = 8443
    @Option(help: "Port of the public listener (no client certificate: keys, checkpoints, proofs, the verification page); 0 turns it off.")
    var publicPort = 8444
    @Flag(help: "Make what is missing and show the archive's statistics, without serving.") var prepareOnly = false
    @Flag(help: "Sign every response and checkpoint with SM2 over SM3 too (signing.sm2: the national-algorithms profile).") var sm2 = false

    func run() async throws {
        let folder = URL(fileURLWithPath: dir, isDirectory: true)
        let archivePath = folder.appendingPathComponent("archive.sqlite").path
        if !FileManager.default.fileExists(atPath: archivePath) {
            try await makeArchive(in: folder, path: archivePath)
        }
        let certsFolder = URL(fileURLWithPath: certs, isDirectory: true)
        let pki = try DevelopmentPKI.existing(in: certsFolder) ?? DevelopmentPKI.create(in: certsFolder)
        print(StatsText.render(try await SQLiteArchive(path: archivePath).statistics(), path: archivePath))
        if prepareOnly { return }

        var configuration = GatewayConfiguration()
        configuration.port = port
        configuration.host = "localhost"
        configuration.certificate = pki.server.certificate.path
        configuration.privateKey = pki.server.key.path
        configuration.caBundle = pki.ca.certificate.path
        configuration.clientRegistry = pki.registry.path
        let crl = certsFolder.appendingPathComponent("crl.pem").path
        configuration.revocationList = FileManager.default.fileExists(atPath: crl) ? crl : nil
        configuration.stateDirectory = folder.appendingPathComponent("state").path
        configuration.archivePath = archivePath
        configuration.signsWithSM2 = sm2
        configuration.publicPort = publicPort == 0 ? nil : publicPort
        let examples = try Self.examples(pki: pki)
        let logger = Logger(label: "creditgate")
        let app = try await GatewayApplication.make(configuration: configuration, logger: logger, onRunning: { port in
            print(examples.replacingOccurrences(of: "PORT", with: "\(port)"))
            // Flushed now even into a pipe or file: the server may run for hours.
            fflush(nil)
        }, onPublicRunning: { port in
            print("The public listener (no client certificate): the verification page at https://localhost:\(port)/ (trust \(pki.ca.certificate.path))\n")
            fflush(nil)
        })
        try await app.runService()
    }

    private func makeArchive(in folder: URL, path: String) async throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        print("making the demo archive in \(folder.path) ...")
        var generator = try SyntheticArchive(seed: 2026)
        let defaulters = folder.appendingPathComponent("defaulters.ndjson")
        let recordFile = folder.appendingPathComponent("records.ndjson")
        try generator.writeDefaulters(count: entries, to: defaulters)
        try generator.writeRecords(count: records, to: recordFile)
        let store = try SQLiteArchive(path: path)
        for (file, report) in [
            (defaulters, try await store.importDefaulters(from: defaulters, options: .init())),
            (recordFile, try await store.importRecords(from: recordFile, options: .init())),
        ] {
            print(String(format: "  imported %@: %d lines in %.1f s", file.lastPathComponent, report.accepted, report.seconds))
        }
    }

    /// `curl` commands for a listed person (the first active full-ID listing the generator made,
    /// so it is in every demo archive) and for someone the archive has never heard of.
    static func examples(pki: DevelopmentPKI) throws -> String {
        var generator = try SyntheticArchive(seed: 2026)
        var listed = generator.listing()
        while listed.finalOperation != .add || listed.masked { listed = generator.listing() }
        let curl = "curl --cacert \(pki.ca.certificate.path) --cert \(pki.clients["bureau"]!.certificate.path) --key \(pki.clients["bureau"]!.key.path)"
        func check(_ name: String, _ id: String) -> String {
            """
            \(curl) -i https://localhost:PORT/v1/checks -H 'content-type: application/json' \\
              -d '{"candidate":{"name":"\(name)","idNumber":"\(id)"},"purpose":{"code":"civil-service-exam","recruitmentId":"GK2026-0001","consentReference":"CONSENT-2026-000123"}}'
            """
        }
        return """

            CreditGate is serving on https://localhost:PORT (Ctrl-C stops it).

            A listed defaulter (INELIGIBLE):
            \(check(listed.person.name, listed.person.id.unmaskedValue))

            Someone the archive has never heard of (CLEAR):
            \(check("张三", "11010519491231002X"))

            The archive, the signing keys, the audit checkpoint:
            \(curl) https://localhost:PORT/v1/archive/status
            \(curl) https://localhost:PORT/v1/keys
            \(curl) https://localhost:PORT/v1/audit/checkpoint

            """
    }
}
