import ArgumentParser
import Attestation
import CreditClient
import Foundation

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify receipts offline: content digest, signature, and every audit inclusion proof.",
        discussion: """
            No server is needed: the keys come from --keys (a JWK Set, as `credit keys` saves or \
            GET /v1/keys serves), else from keys.json in the receipts folder.

            Every signature an answer carries is checked: Ed25519, and SM2 over SM3 beside it when \
            the gateway signs with the national algorithms too. --require sm2 also fails an answer, \
            or a checkpoint, that carries no SM2 signature (an assessment under GB/T 39786).

            Examples:
              credit verify receipts/chk_01jd3v6m8q4x2s9c7r5t1w0y3z.receipt
              credit verify receipts/*.receipt --keys jwks.json
              credit verify receipts/*.receipt --require sm2

            --witnesses N also asks the gateway (online, with your settings) for the checkpoint \
            its witnesses cosigned and a consistency proof from each receipt's checkpoint to it: \
            the receipt passes only if at least N of the witnesses named by --witness-key \
            (their verifier keys, which you got from the witnesses, not from the gateway) \
            cosigned a checkpoint its own is consistent with. A log that forked, showing you a \
            history the witnesses never saw, fails here.

              credit verify receipts/*.receipt --witnesses 1 --witness-key witness.example/w1+1a2b3c4d+BF...

            Exit code 0 when every receipt verifies, 20 when any does not.
            """
    )

    @OptionGroup var options: ClientOptions
    @Argument(help: "Receipt files.") var receipts: [String]
    @Option(help: "The published keys (JWK Set JSON).") var keys: String?
    @Option(name: .customLong("require"), help: "A signature algorithm every answer and checkpoint must carry: sm2 or ed25519 (repeatable).")
    var required: [String] = []
    @Option(help: "Require this many witness cosignatures (asks the gateway for its witnessed checkpoint).") var witnesses = 0
    @Option(name: .customLong("witness-key"), help: "A witness's verifier key, name+id+base64 (repeatable; also $CREDIT_WITNESS_KEYS or witnessKeys in the config file, space-separated).")
    var witnessKeys: [String] = []

    func run() async throws {
        try await reporting {
            let settings = try options.settings()
            let labels = options.labels(settings)
            let terminal = options.terminal
            let keyFile = keys.map { URL(fileURLWithPath: $0) } ?? ReceiptFolder(settings.receiptsFolder).keysFile
            guard FileManager.default.fileExists(atPath: keyFile.path) else {
                throw UsageError("no key set at \(keyFile.path): pass --keys, or run `credit keys` once while online")
            }
            let algorithms = try required.map { name in
                switch name.lowercased() {
                case "sm2", SignatureAlgorithm.sm2.rawValue: SignatureAlgorithm.sm2
                case "ed25519": SignatureAlgorithm.ed25519
                default: throw UsageError("--require takes sm2 or ed25519, not \(name)")
                }
            }
            let verifier = ReceiptVerifier(keys: try KeyRing(file: keyFile).keys, requiring: Set(algorithms))
            let named = witnessKeys + (settings.witnessKeys ?? "").split(separator: " ").map(String.init)
            let trusted = try named.map { key throws(UsageError) in
                do throws(AttestationError) { return try WitnessKey(verifierKey: key) } catch { throw UsageError("--witness-key: \(error.reason)") }
            }
            guard witnesses <= trusted.count else { throw UsageError("--witnesses \(witnesses) needs at least \(witnesses) --witness-key") }
            // Online only when witnesses are required: their checkpoint and the proofs to it.
            let witnessing = witnesses > 0 ? try Connection(settings: settings) : nil
            var allPassed = true
            do {
                var evidence: WitnessEvidence?
                if let witnessing { evidence = try await WitnessEvidence(connection: witnessing) }
                for path in receipts {
                    var report = try verifier.verify(file: URL(fileURLWithPath: path))
                    if let evidence, let checkpoint = report.checkpoint {
                        report.outcomes.append(await evidence.check(checkpoint, verifier: verifier, witnesses: trusted, required: witnesses))
                    }
                    allPassed = allPassed && report.passed
                    let verdict = report.passed ? terminal.paint("✓ \(labels.verified)", .green) : terminal.paint("✗ \(labels.notVerified)", .red)
                    print("\(verdict)  \(path)")
                    for outcome in report.outcomes {
                        let mark = outcome.passed ? "✓" : "✗"
                        print("    \(mark) \(labels.steps[outcome.step] ?? outcome.step.rawValue): \(outcome.detail)")
                    }
                }
            } catch {
                await witnessing?.shutdown()
                throw error
            }
            await witnessing?.shutdown()
            return allPassed ? .clear : .unverified
        }
    }
}
