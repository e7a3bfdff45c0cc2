import CreditCore
import Crypto
import Foundation

/// C2SP signed notes: a text, a blank line, and signature lines `— <name> <base64(key ID ‖ sig)>`.
///
/// The key ID is the first four bytes of SHA-256(name ‖ "\n" ‖ note key), where the note key is a
/// signature type byte and the public key (``VerificationKey/noteKey``: `0x01` for Ed25519); a
/// verifier key is published as `<name>+<key ID hex>+<base64(note key)>`. A note may carry one
/// line per key: Ed25519 and SM2 side by side, and a verifier that knows one ignores the other.
///
/// ```swift
/// let signer = NoteSigner(name: "creditgate.example/audit", key: key)
/// let note = try signer.sign("hello\n")
/// let opened = try SignedNote.open(note, verifiers: [signer.verifier])
/// ```
public struct NoteSigner: Sendable {
    public let name: String
    /// Each key signs one line, in this order.
    public let keys: [any SigningKey]

    public init(name: String, key: any SigningKey) {
        self.init(name: name, keys: [key])
    }

    public init(name: String, keys: [any SigningKey]) {
        precondition(!keys.isEmpty, "a note is signed by at least one key")
        self.name = name
        self.keys = keys
    }

    /// The verifier of the first key.
    public var verifier: NoteVerifier { verifiers[0] }
    public var verifiers: [NoteVerifier] { keys.map { NoteVerifier(name: name, publicKey: $0.verificationKey) } }

    /// The signed note for `text`, which must end with a newline.
    public func sign(_ text: String) throws -> String {
        guard text.hasSuffix("\n") else { throw AttestationError(.noteMalformed, "a note's text ends with a newline") }
        let message = Array(text.utf8)
        var note = text + "\n"
        for (key, verifier) in zip(keys, verifiers) {
            note += "— \(name) \(Base64.standard(verifier.keyIDBytes + (try key.signature(for: message))))\n"
        }
        return note
    }
}

public struct NoteVerifier: Sendable, Hashable {
    public let name: String
    public let publicKey: any VerificationKey

    public init(name: String, publicKey: any VerificationKey) {
        self.name = name
        self.publicKey = publicKey
    }

    /// Parses a verifier key `<name>+<key ID hex>+<base64 note key>` (Ed25519 or SM2).
    public init(verifierKey: String) throws(AttestationError) {
        let parts = verifierKey.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, let raw = Base64.decodeStandard(parts[2]), let key = Self.key(noteKey: raw) else {
            throw AttestationError(.keyMalformed, "not an Ed25519 or SM2 note verifier key")
        }
        self.init(name: String(parts[0]), publicKey: key)
        guard String(parts[1]) == keyIDHex else { throw AttestationError(.keyMalformed, "the verifier key's hash does not match") }
    }

    private static func key(noteKey raw: [UInt8]) -> (any VerificationKey)? {
        if raw.count == 33, raw[0] == 0x01 { return try? Ed25519VerificationKey(raw: Array(raw[1...])) }
        let sm2 = [0xFF] + SM2VerificationKey.noteIdentifier
        if raw.count == sm2.count + 65, raw.starts(with: sm2) { return try? SM2VerificationKey(point: Array(raw[sm2.count...])) }
        return nil
    }

    var keyIDBytes: [UInt8] {
        var hasher = SHA256()
        hasher.update(data: Array(name.utf8) + [0x0A] + publicKey.noteKey)
        return Array(hasher.finalize().prefix(4))
    }

    var keyIDHex: String { Hex.lowercase(keyIDBytes) }

    public var verifierKey: String { "\(name)+\(keyIDHex)+\(Base64.standard(publicKey.noteKey))" }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.name == rhs.name && lhs.publicKey.noteKey == rhs.publicKey.noteKey }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(publicKey.noteKey)
    }
}

public enum SignedNote {
    /// Checks a note's signatures; returns its text and the known keys that signed it. Fails unless
    /// at least one known key signed it, or when a known key's signature does not verify; unknown
    /// signers are ignored (C2SP signed-note).
    public static func open(_ note: String, verifiers: [NoteVerifier]) throws(AttestationError) -> (text: String, signers: [NoteVerifier]) {
        let (text, lines) = try self.lines(of: note)
        var signers: [NoteVerifier] = []
        for (name, payload) in lines {
            for verifier in verifiers where verifier.name == name && Array(payload.prefix(4)) == verifier.keyIDBytes {
                guard verifier.publicKey.isValidSignature(Array(payload.dropFirst(4)), for: Array(text.utf8)) else {
                    throw AttestationError(.noteUnverified, "the \(verifier.publicKey.algorithm.rawValue) signature by \(verifier.name) does not verify")
                }
                signers.append(verifier)
            }
        }
        guard !signers.isEmpty else { throw AttestationError(.noteUnverified, "no known key signed the note") }
        return (text, signers)
    }

    /// A note's text (ending with its newline) and its signature lines, each as the signer's name
    /// and the decoded `key ID ‖ signature` bytes; nothing is verified.
    public static func lines(of note: String) throws(AttestationError) -> (text: String, signatures: [(name: String, payload: [UInt8])]) {
        guard let split = note.range(of: "\n\n", options: .backwards) else {
            throw AttestationError(.noteMalformed, "a signed note has a blank line before its signatures")
        }
        let text = String(note[..<split.lowerBound]) + "\n"
        let signatureBlock = note[split.upperBound...]
        guard signatureBlock.hasSuffix("\n") else { throw AttestationError(.noteMalformed, "the signature lines end with a newline") }
        var signatures: [(name: String, payload: [UInt8])] = []
        for line in signatureBlock.split(separator: "\n") {
            guard line.hasPrefix("— ") else { throw AttestationError(.noteMalformed, "a signature line starts with an em dash") }
            let fields = line.dropFirst(2).split(separator: " ")
            guard fields.count == 2, let payload = Base64.decodeStandard(fields[1]), payload.count > 4 else {
                throw AttestationError(.noteMalformed, "a signature line is `— name base64`")
            }
            signatures.append((String(fields[0]), payload))
        }
        return (text, signatures)
    }
}
