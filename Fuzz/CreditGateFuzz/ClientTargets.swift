import Attestation
import CreditClient
import CreditCore
import Foundation

/// What the `credit` CLI reads from outside: the candidate CSV HR staff bring, receipts (verified
/// offline, perhaps long after and on another machine), and its config file.
enum ClientTargets {
    static let all = [
        FuzzTarget(name: "candidate-csv") { bytes in
            guard let file = try? CandidateFile(bytes: bytes, today: IdentifierTargets.today) else { return }
            for candidate in file.candidates {
                guard let id = try? ResidentID(candidate.idNumber, today: IdentifierTargets.today) else {
                    fatalError("line \(candidate.line): a candidate with an invalid ID number was accepted")
                }
                expect(candidate.maskedID == id.masked, "line \(candidate.line): the masked ID is not the ID's")
            }
        },
        FuzzTarget(name: "receipt") { bytes in
            guard let receipt = try? Receipt(bytes: bytes) else { return }
            let reread = try? Receipt(bytes: receipt.bytes)
            expect(reread.map { ($0.method, $0.url, $0.status, $0.body) == (receipt.method, receipt.url, receipt.status, receipt.body) } == true,
                   "a receipt does not read back as written")
            // In memory and streamed from a file, the same receipt gets the same verdict.
            let verifier = ReceiptVerifier(keys: Fixtures.keys)
            let held = verifier.verify(receipt)
            let streamed = try? verifier.verify(file: ScratchFile.holding(bytes, extension: "receipt"))
            expect(streamed.map { $0.outcomes.map(\.passed) == held.outcomes.map(\.passed) } == true,
                   "a receipt verified from a file differs from the same receipt in memory")
        },
        FuzzTarget(name: "credit-config") { bytes in
            _ = try? Settings.load(file: ScratchFile.holding(bytes, extension: "json"))
        },
    ]
}
