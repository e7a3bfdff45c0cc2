import CreditCore
import Crypto
import Foundation

/// C2SP `tlog-cosignature` v1 (Ed25519): a witness's statement that, at a time, the checkpoint is
/// the largest consistent tree it has seen for the log.
///
/// The signed message is `cosignature/v1\ntime <T>\n` followed by the checkpoint's note text; the
/// note signature line carries the key ID (SHA-256(name ‖ "\n" ‖ 0x04 ‖ key)[:4]), the timestamp
/// T (8 bytes, big-endian) and the 64-byte signature. A witness's key is published as a vkey
/// `<name>+<key ID hex>+<base64(0x04 ‖ key)>`.
///
/// ```swift
/// let witness = CosignatureSigner(name: "witness.example/w1", key: Ed25519SigningKey())
/// let line = try witness.cosign(checkpointText, time: 1_700_000_000)
/// let cosigners = WitnessKey.cosigners(of: note + line, among: [witness.witnessKey])
/// ```
public struct CosignatureSigner: Sendable {
    public let name: String
    public let key: Ed25519SigningKey

    public init(name: String, key: Ed25519SigningKey) {
        self.name = name
        self.key = key
    }

    public var witnessKey: WitnessKey { WitnessKey(name: name, publicKey: key.publicKey) }

    /// The signature line for a checkpoint's note text (which ends with a newline), at `time`
    /// (seconds since the epoch, never zero).
    public func cosign(_ checkpointText: String, time: UInt64) throws -> String {
        let signature = try key.signature(for: WitnessKey.message(checkpointText, time: time))
        return "— \(name) \(Base64.standard(witnessKey.keyIDBytes + WitnessKey.bigEndian(time) + signature))\n"
    }
}

/// A witness's public key: checks its cosignatures.
public struct WitnessKey: Sendable, Hashable {
    public let name: String
    public let publicKey: Ed25519VerificationKey

    public init(name: String, publicKey: Ed25519VerificationKey) {
        self.name = name
        self.publicKey = publicKey
    }

    /// Parses a vkey `<name>+<key ID hex>+<base64(0x04 ‖ Ed25519 key)>`.
    public init(verifierKey: String) throws(AttestationError) {
        let parts = verifierKey.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, let raw = Base64.decodeStandard(parts[2]), raw.count == 33, raw[0] == 0x04,
              let key = try? Ed25519VerificationKey(raw: Array(raw[1...])) else {
            throw AttestationError(.keyMalformed, "not an Ed25519 cosignature verifier key (name+id+base64 of 0x04 and the key)")
        }
        self.init(name: String(parts[0]), publicKey: key)
        guard String(parts[1]) == Hex.lowercase(keyIDBytes) else { throw AttestationError(.keyMalformed, "the witness key's hash does not match") }
    }

    public var verifierKey: String { "\(name)+\(Hex.lowercase(keyIDBytes))+\(Base64.standard([0x04] + publicKey.rawRepresentation))" }

    var keyIDBytes: [UInt8] {
        Array(SHA256.hash(data: Array(name.utf8) + [0x0A, 0x04] + publicKey.rawRepresentation).prefix(4))
    }

    /// When this witness cosigned the note's checkpoint, if a line of the note is its valid
    /// cosignature.
    public func cosignedAt(_ note: String) -> UInt64? {
        guard let (text, lines) = try? SignedNote.lines(of: note) else { return nil }
        for (name, payload) in lines where name == self.name && payload.count == 76 && Array(payload.prefix(4)) == keyIDBytes {
            let time = payload[4..<12].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            if time > 0, publicKey.isValidSignature(Array(payload[12...]), for: Self.message(text, time: time)) { return time }
        }
        return nil
    }

    /// The witnesses among `witnesses` that cosigned the note's checkpoint.
    public static func cosigners(of note: String, among witnesses: [WitnessKey]) -> [WitnessKey] {
        witnesses.filter { $0.cosignedAt(note) != nil }
    }

    static func message(_ checkpointText: String, time: UInt64) -> [UInt8] {
        Array("cosignature/v1\ntime \(time)\n\(checkpointText)".utf8)
    }

    static func bigEndian(_ value: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) }
    }
}
