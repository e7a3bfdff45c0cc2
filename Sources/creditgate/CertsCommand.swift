import ArgumentParser
import Crypto
import Foundation
import Gateway
import X509

/// `creditgate certs init|revoke`: the development PKI.
struct CertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certs",
        abstract: "Make development certificates, or revoke one.",
        subcommands: [Init.self, Revoke.self]
    )

    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a development CA, a server certificate for localhost, a client certificate per role, and the client registry.",
            discussion: "Private keys are written mode 0600. Example: creditgate certs init --dir certs"
        )

        @Option(help: "Folder for the certificates.") var dir = "certs"
        @Flag(help: "Replace certificates that already exist.") var force = false
        @Option(help: "Where the CA's revocation list will be published (e.g. http://pki.example/creditgate.crl): named in every certificate; publish crl.pem there.")
        var crlURL: String?

        func run() async throws {
            let folder = URL(fileURLWithPath: dir, isDirectory: true)
            if !force, let existing = DevelopmentPKI.existing(in: folder) {
                print("development certificates already in \(existing.folder.path) (use --force to replace them)")
                return
            }
            let pki = try DevelopmentPKI.create(in: folder, crlURL: crlURL)
            print("CA        \(pki.ca.certificate.path)")
            if let crlURL { print("CRL       \(folder.appendingPathComponent("crl.pem").path), to publish at \(crlURL)") }
            print("server    \(pki.server.certificate.path) (localhost, 127.0.0.1, ::1)")
            for role in pki.clients.keys.sorted() {
                guard let client = pki.clients[role] else { continue }
                print("\(role.padding(toLength: 9, withPad: " ", startingAt: 0)) \(client.certificate.path)  sha256 \(client.fingerprint)")
            }
            print("registry  \(pki.registry.path)")
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a client certificate to the development CA's revocation list (crl.pem).",
            discussion: "A running gateway picks the new list up within a second. Example: creditgate certs revoke certs/clients/bureau.pem"
        )

        @Argument(help: "The certificate (PEM) to revoke.") var certificate: String
        @Option(help: "Folder of the development CA.") var dir = "certs"

        func run() async throws {
            let folder = URL(fileURLWithPath: dir, isDirectory: true)
            let ca = try Certificate(pemEncoded: String(contentsOf: folder.appendingPathComponent("ca.pem"), encoding: .utf8))
            let key = try P256.Signing.PrivateKey(pemRepresentation: String(contentsOf: folder.appendingPathComponent("ca-key.pem"), encoding: .utf8))
            let revoked = try Certificate(pemEncoded: String(contentsOfFile: certificate, encoding: .utf8))
            let crlURL = folder.appendingPathComponent("crl.pem")
            var serials = (try? RevocationList.load(from: crlURL, issuers: [ca]))?.serialNumbers ?? []
            let serial = Array(revoked.serialNumber.bytes)
            if !serials.contains(serial) { serials.append(serial) }
            let der = try RevocationList.make(revoking: serials, issuer: ca, key: key)
            try RevocationList.pem(der).write(to: crlURL, atomically: true, encoding: .utf8)
            print("\(crlURL.path) now lists \(serials.count) certificate(s)")
        }
    }
}
