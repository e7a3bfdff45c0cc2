/// A resident ID as the public defaulter list shows it: some characters hidden by `*`.
///
/// The list's usual mask shows 10 characters, hides 4, shows 4 (`3423011964****3224`), but any
/// position may be hidden. A pattern *matches* a full ID when every visible character agrees.
/// Probable matching also needs the same normalised name, and storage finds candidates through
/// ``ProbableMatchKey``, so no masked entry is ever scanned.
///
/// ```swift
/// let mask = try MaskedID("1101051949****002x")
/// mask.matches(try ResidentID("11010519491231002X", today: today))  // true
/// ```
public struct MaskedID: Hashable, Sendable, CustomStringConvertible {
    /// 18 ASCII bytes; `*` where hidden, check character upper-case.
    public let bytes: [UInt8]
    /// Bit `i` set when character `i` is visible.
    public let shape: UInt32

    public static let star = UInt8(ascii: "*")

    public init(_ text: String) throws(IdentifierError) {
        try self.init(utf8: ArraySlice(text.utf8))
    }

    public init(utf8: ArraySlice<UInt8>) throws(IdentifierError) {
        var raw = Array(utf8)
        guard raw.count == 18 else {
            throw IdentifierError(.length, "a masked ID has 18 characters, not \(raw.count)")
        }
        var shape: UInt32 = 0
        for i in 0..<18 {
            let b = raw[i]
            if b == MaskedID.star { continue }
            if ResidentID.isDigit(b) {
                shape |= 1 << UInt32(i)
            } else if i == 17, b == UInt8(ascii: "x") || b == UInt8(ascii: "X") {
                raw[17] = UInt8(ascii: "X")
                shape |= 1 << 17
            } else {
                throw IdentifierError(.character, "character \(i + 1) is neither a digit nor *")
            }
        }
        guard shape != (1 << 18) - 1 else {
            throw IdentifierError(.mask, "the number hides nothing; parse it as a ResidentID")
        }
        guard shape.nonzeroBitCount >= 8 else {
            // Fewer visible characters would make a "probable" match meaningless.
            throw IdentifierError(.mask, "fewer than 8 visible characters")
        }
        self.bytes = raw
        self.shape = shape
    }

    /// True when every visible character equals the ID's character at the same position.
    public func matches(_ id: ResidentID) -> Bool {
        for i in 0..<18 where shape & (1 << UInt32(i)) != 0 {
            if bytes[i] != id.byte(at: i) { return false }
        }
        return true
    }

    public var description: String { String(decoding: bytes, as: UTF8.self) }
}

/// Either form a feed may carry in `cardNum`.
public enum PublishedID: Hashable, Sendable {
    case full(ResidentID)
    case masked(MaskedID)

    /// Full when the text has no `*`, masked otherwise; a full number's birth date is checked
    /// against `today` (China time).
    public init(_ text: String, today: CalendarDay) throws(IdentifierError) {
        try self.init(utf8: ArraySlice(text.utf8), today: today)
    }

    public init(utf8: ArraySlice<UInt8>, today: CalendarDay) throws(IdentifierError) {
        self = utf8.contains(MaskedID.star) ? .masked(try MaskedID(utf8: utf8)) : .full(try ResidentID(utf8: utf8, today: today))
    }

    /// Reads what the archive stored once it had been parsed with ``init(utf8:today:)``.
    package init(stored utf8: ArraySlice<UInt8>) throws(IdentifierError) {
        self = utf8.contains(MaskedID.star) ? .masked(try MaskedID(utf8: utf8)) : .full(try ResidentID(stored: utf8))
    }

    /// Safe to show: a full ID is masked, a masked one is shown as published.
    public var display: String {
        switch self {
        case .full(let id): id.masked
        case .masked(let mask): mask.description
        }
    }
}

/// The index key that finds masked entries for a candidate without scanning.
///
/// For a stored masked entry the key hashes its normalised name, its mask shape and its visible
/// characters. For a candidate, the archive computes the same key once per mask shape present in
/// the archive (a handful), taking the candidate's own characters at the visible positions. Equal
/// keys mean "same name and consistent ID" up to hash collisions, which callers re-check with
/// ``MaskedID/matches(_:)`` and a name comparison.
public enum ProbableMatchKey {
    public static func make(name: NormalisedName, shape: UInt32, characterAt: (Int) -> UInt8) -> Int64 {
        var hash = FNV1a64()
        hash.combine(name.value.utf8)
        hash.combine(0xFF)
        for shift in 0..<4 { hash.combine(UInt8(truncatingIfNeeded: shape >> (8 * UInt32(shift)))) }
        for i in 0..<18 where shape & (1 << UInt32(i)) != 0 { hash.combine(characterAt(i)) }
        return Int64(bitPattern: hash.value)
    }

    public static func make(name: NormalisedName, mask: MaskedID) -> Int64 {
        make(name: name, shape: mask.shape) { mask.bytes[$0] }
    }

    public static func make(name: NormalisedName, candidate: ResidentID, shape: UInt32) -> Int64 {
        make(name: name, shape: shape) { candidate.byte(at: $0) }
    }
}

/// 64-bit FNV-1a: a stable (not per-process seeded) hash for index keys. Not for secrets.
///
/// Inlinable so that importers in other modules get it specialised for their byte collections.
@frozen
public struct FNV1a64: Sendable {
    public var value: UInt64

    @inlinable public init() { value = 0xcbf2_9ce4_8422_2325 }

    @inlinable @inline(__always) public mutating func combine(_ byte: UInt8) {
        value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
    }

    @inlinable public mutating func combine(_ bytes: some Sequence<UInt8>) {
        for b in bytes { combine(b) }
    }
}
