import CreditCore
import Crypto
import Foundation

/// C2SP signed notes: a text, a blank line, and signature lines `— <name> <base64(key hash ‖ sig)>`.
///
/// The key hash is the first four bytes of SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key) for Ed25519;
/// a verifier key is published as `<name>+<key hash hex>+<base64(0x01 ‖ public key)>`.
///
/// ```swift
/// let signer = NoteSigner(name: "creditgate.example/audit", key: key)
/// let note = try signer.sign("hello\n")
/// let opened = try SignedNote.open(note, verifiers: [signer.verifier])
/// ```
public struct NoteSigner: Sendable {
    public let name: String
    public let key: Ed25519SigningKey

    public init(name: String, key: Ed25519SigningKey) {
        self.name = name
        self.key = key
    }

    public var verifier: NoteVerifier { NoteVerifier(name: name, publicKey: key.publicKey) }

    /// The signed note for `text`, which must end with a newline.
    public func sign(_ text: String) throws -> String {
        guard text.hasSuffix("\n") else { throw AttestationError(.noteMalformed, "a note's text ends with a newline") }
        let signature = try key.signature(for: Array(text.utf8))
        return text + "\n" + "— \(name) \(Base64.standard(verifier.keyHashBytes + signature))\n"
    }
}

public struct NoteVerifier: Sendable, Hashable {
    public let name: String
    public let publicKey: Ed25519VerificationKey

    public init(name: String, publicKey: Ed25519VerificationKey) {
        self.name = name
        self.publicKey = publicKey
    }

    /// Parses a verifier key `<name>+<hash>+<base64 key>`.
    public init(verifierKey: String) throws(AttestationError) {
        let parts = verifierKey.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, let raw = Base64.decodeStandard(parts[2]), raw.count == 33, raw[0] == 0x01,
              let key = try? Ed25519VerificationKey(raw: Array(raw[1...])) else {
            throw AttestationError(.keyMalformed, "not an Ed25519 note verifier key")
        }
        self.init(name: String(parts[0]), publicKey: key)
        guard String(parts[1]) == keyHashHex else { throw AttestationError(.keyMalformed, "the verifier key's hash does not match") }
    }

    var keyHashBytes: [UInt8] {
        var hasher = SHA256()
        hasher.update(data: Array(name.utf8) + [0x0A, 0x01] + publicKey.rawRepresentation)
        return Array(hasher.finalize().prefix(4))
    }

    var keyHashHex: String { Hex.lowercase(keyHashBytes) }

    public var verifierKey: String { "\(name)+\(keyHashHex)+\(Base64.standard([0x01] + publicKey.rawRepresentation))" }
}

public enum SignedNote {
    /// Checks a note's signatures; returns its text and the names of the known keys that signed it.
    /// Fails unless at least one known key signed it; unknown signers are ignored.
    public static func open(_ note: String, verifiers: [NoteVerifier]) throws(AttestationError) -> (text: String, signers: [String]) {
        guard let split = note.range(of: "\n\n", options: .backwards) else {
            throw AttestationError(.noteMalformed, "a signed note has a blank line before its signatures")
        }
        let text = String(note[..<split.lowerBound]) + "\n"
        let signatureBlock = note[split.upperBound...]
        guard signatureBlock.hasSuffix("\n") else { throw AttestationError(.noteMalformed, "the signature lines end with a newline") }
        var signers: [String] = []
        for line in signatureBlock.split(separator: "\n") {
            guard line.hasPrefix("— ") else { throw AttestationError(.noteMalformed, "a signature line starts with an em dash") }
            let fields = line.dropFirst(2).split(separator: " ")
            guard fields.count == 2, let payload = Base64.decodeStandard(fields[1]), payload.count > 4 else {
                throw AttestationError(.noteMalformed, "a signature line is `— name base64`")
            }
            for verifier in verifiers where verifier.name == fields[0] && Array(payload.prefix(4)) == verifier.keyHashBytes {
                guard verifier.publicKey.isValidSignature(Array(payload.dropFirst(4)), for: Array(text.utf8)) else {
                    throw AttestationError(.noteUnverified, "the signature by \(verifier.name) does not verify")
                }
                signers.append(verifier.name)
            }
        }
        guard !signers.isEmpty else { throw AttestationError(.noteUnverified, "no known key signed the note") }
        return (text, signers)
    }
}
