import Crypto
import Foundation

/// The `Content-Digest` field (RFC 9530): a digest of the message content as sent.
///
/// ```swift
/// ContentDigest.header(for: Array(#"{"hello": "world"}"#.utf8))
/// // "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:"
/// ```
public enum ContentDigest {
    public enum Algorithm: String, Sendable, CaseIterable {
        case sha256 = "sha-256"
        case sha512 = "sha-512"

        func digest(_ bytes: some DataProtocol) -> [UInt8] {
            switch self {
            case .sha256: Array(SHA256.hash(data: bytes))
            case .sha512: Array(SHA512.hash(data: bytes))
            }
        }
    }

    /// The field value for a body: one dictionary member, `sha-256` by default.
    public static func header(for body: some DataProtocol, algorithm: Algorithm = .sha256) -> String {
        member(algorithm, algorithm.digest(body))
    }

    /// One dictionary member: the algorithm's name and the digest as a byte sequence.
    private static func member(_ algorithm: Algorithm, _ digest: some Sequence<UInt8>) -> String {
        "\(algorithm.rawValue)=:\(Base64.standard(digest)):"
    }

    /// The `sha-256` field value of content that arrives in pieces.
    public struct Streaming: Sendable {
        fileprivate var hasher = SHA256()

        public init() {}

        /// Starts with a file's content, read in blocks (a body too large to hold).
        public init(contentsOf url: URL) throws {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            while let block = try handle.read(upToCount: 1 << 20), !block.isEmpty { update(block) }
        }

        public mutating func update(_ bytes: some DataProtocol) {
            hasher.update(data: bytes)
        }

        /// The field value over everything given so far.
        public var header: String {
            ContentDigest.member(.sha256, hasher.finalize())
        }
    }

    /// Checks a received field against the body. Every member with a known algorithm must match,
    /// and at least one must be known; unknown algorithms are ignored (RFC 9530 §2).
    public static func verify(header: String, body: some DataProtocol) throws(AttestationError) {
        try verify(header: header) { $0.digest(body) }
    }

    /// The same for content that was too large to hold, digested as it streamed past: only its
    /// `sha-256` is known, so the field must carry one.
    public static func verify(header: String, streamed: Streaming) throws(AttestationError) {
        let digest = Array(streamed.hasher.finalize())
        try verify(header: header) { $0 == .sha256 ? digest : nil }
    }

    /// `digest` gives the content's digest by an algorithm, or nil where it cannot.
    private static func verify(header: String, digest: (Algorithm) -> [UInt8]?) throws(AttestationError) {
        let members = try StructuredField.dictionary(header, field: "Content-Digest")
        var checked = 0
        for (name, value) in members {
            guard let algorithm = Algorithm(rawValue: name), let actual = digest(algorithm) else { continue }
            guard case .item(let item) = value, case .undecodedByteSequence(let encoded) = item.rfc9651BareItem,
                  let expected = Base64.decodeStandard(encoded) else {
                throw AttestationError(.digestMalformed, "Content-Digest member \(name) is not a byte sequence")
            }
            guard expected == actual else {
                throw AttestationError(.digestMismatch, "the \(name) digest does not match the content")
            }
            checked += 1
        }
        guard checked > 0 else { throw AttestationError(.digestMalformed, "Content-Digest has no member this content can be checked with") }
    }
}
