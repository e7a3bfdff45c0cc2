import Crypto
import Foundation

/// The `Content-Digest` field (RFC 9530): a digest of the message content as sent.
///
/// `sha-256` always; with the national algorithms on, `sm3` beside it (GB/T 32905; not in the
/// RFC 9530 registry, so verifiers that do not know it ignore it, as §2 says they must), so that
/// the SM2 signature covers an SM3 digest of the body.
///
/// ```swift
/// ContentDigest.header(for: Array(#"{"hello": "world"}"#.utf8))
/// // "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:"
/// ```
public enum ContentDigest {
    public enum Algorithm: String, Sendable, CaseIterable {
        case sha256 = "sha-256"
        case sha512 = "sha-512"
        case sm3

        func digest(_ bytes: some DataProtocol) -> [UInt8] {
            switch self {
            case .sha256: Array(SHA256.hash(data: bytes))
            case .sha512: Array(SHA512.hash(data: bytes))
            case .sm3:
                bytes.regions.reduce(into: SM3.Hasher()) { $0.update($1) }.finalize()
            }
        }
    }

    /// The field value for a body: one dictionary member per algorithm, `sha-256` by default.
    public static func header(for body: some DataProtocol, algorithms: [Algorithm] = [.sha256]) -> String {
        algorithms.map { member($0, $0.digest(body)) }.joined(separator: ", ")
    }

    /// One dictionary member: the algorithm's name and the digest as a byte sequence.
    private static func member(_ algorithm: Algorithm, _ digest: some Sequence<UInt8>) -> String {
        "\(algorithm.rawValue)=:\(Base64.standard(digest)):"
    }

    /// The field value of content that arrives in pieces: `sha-256`, and `sm3` when asked for.
    public struct Streaming: Sendable {
        fileprivate var hasher = SHA256()
        fileprivate var sm3: SM3.Hasher?

        public init(sm3: Bool = false) {
            self.sm3 = sm3 ? SM3.Hasher() : nil
        }

        /// A digest to check a received field with: `sm3` too when the field carries it.
        public init(checking header: String) {
            let names = (try? StructuredField.dictionary(header, field: "Content-Digest").map(\.0)) ?? []
            self.init(sm3: names.contains(Algorithm.sm3.rawValue))
        }

        /// Starts with a file's content, read in blocks (a body too large to hold).
        public init(contentsOf url: URL, sm3: Bool = false) throws {
            self.init(sm3: sm3)
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            while let block = try handle.read(upToCount: 1 << 20), !block.isEmpty { update(block) }
        }

        public mutating func update(_ bytes: some DataProtocol) {
            hasher.update(data: bytes)
            for region in bytes.regions where sm3 != nil { sm3!.update(region) }
        }

        /// The field value over everything given so far.
        public var header: String {
            var members = [ContentDigest.member(.sha256, hasher.finalize())]
            if let sm3 { members.append(ContentDigest.member(.sm3, sm3.finalize())) }
            return members.joined(separator: ", ")
        }
    }

    /// Checks a received field against the body. Every member with a known algorithm must match,
    /// and at least one must be known; unknown algorithms are ignored (RFC 9530 §2).
    @discardableResult
    public static func verify(header: String, body: some DataProtocol) throws(AttestationError) -> [Algorithm] {
        try verify(header: header) { $0.digest(body) }
    }

    /// The same for content that was too large to hold, digested as it streamed past with
    /// `sha-256` (and `sm3`, when the streaming digest was made with it); other members are not
    /// known here.
    @discardableResult
    public static func verify(header: String, streamed: Streaming) throws(AttestationError) -> [Algorithm] {
        let sha256 = Array(streamed.hasher.finalize()), sm3 = streamed.sm3?.finalize()
        return try verify(header: header) { $0 == .sha256 ? sha256 : $0 == .sm3 ? sm3 : nil }
    }

    /// `digest` gives the content's digest by an algorithm, or nil where it cannot. Returns the
    /// algorithms checked.
    private static func verify(header: String, digest: (Algorithm) -> [UInt8]?) throws(AttestationError) -> [Algorithm] {
        let members = try StructuredField.dictionary(header, field: "Content-Digest")
        var checked: [Algorithm] = []
        for (name, value) in members {
            guard let algorithm = Algorithm(rawValue: name), let actual = digest(algorithm) else { continue }
            guard case .item(let item) = value, case .undecodedByteSequence(let encoded) = item.rfc9651BareItem,
                  let expected = Base64.decodeStandard(encoded) else {
                throw AttestationError(.digestMalformed, "Content-Digest member \(name) is not a byte sequence")
            }
            guard expected == actual else {
                throw AttestationError(.digestMismatch, "the \(name) digest does not match the content")
            }
            checked.append(algorithm)
        }
        guard !checked.isEmpty else { throw AttestationError(.digestMalformed, "Content-Digest has no member this content can be checked with") }
        return checked
    }
}
