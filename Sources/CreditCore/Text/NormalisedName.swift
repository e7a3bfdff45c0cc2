import Foundation

/// A person's name in the one form the archive compares: NFKC, no whitespace, and every dot that
/// minority names use (`·` `•` `・` `.` and their compatibility forms) written as one `·` (U+00B7).
///
/// Rare characters are kept as they are; nothing is transliterated. Name equality is only ever
/// used together with a consistent ID: a name alone never matches anyone.
///
/// ```swift
/// NormalisedName("买买提 • 艾力").value  // "买买提·艾力"
/// ```
public struct NormalisedName: Hashable, Sendable, Codable, CustomStringConvertible {
    public let value: String

    public init(_ raw: String) {
        self.value = NormalisedName.normalise(raw)
    }

    /// Wraps a value that is already normalised (read back from storage).
    public init(alreadyNormalised value: String) { self.value = value }

    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(value)
    }

    public var isEmpty: Bool { value.isEmpty }
    public var description: String { value }

    static let middleDot: Unicode.Scalar = "\u{00B7}"
    static let dots: Set<Unicode.Scalar> = ["\u{00B7}", "\u{2022}", "\u{30FB}", ".", "\u{2027}", "\u{2219}", "\u{22C5}", "\u{FF65}", "\u{FF0E}", "\u{0387}"]

    static func normalise(_ raw: String) -> String {
        // Almost every name is plain CJK Unified Ideographs, which NFKC leaves unchanged; skipping
        // Foundation's normaliser for them is what lets an import normalise millions per second.
        // Such names also hold no space or dot, so they are already normal.
        if raw.unicodeScalars.allSatisfy(isNFKCStable) { return raw }
        let composed = raw.precomposedStringWithCompatibilityMapping
        var out = String.UnicodeScalarView()
        var lastWasDot = false
        for scalar in composed.unicodeScalars {
            if scalar.properties.isWhitespace || scalar.properties.isDefaultIgnorableCodePoint { continue }
            if dots.contains(scalar) {
                if !lastWasDot, !out.isEmpty { out.append(middleDot) }
                lastWasDot = true
                continue
            }
            lastWasDot = false
            out.append(scalar)
        }
        if out.last == middleDot { out.removeLast() }
        return String(out)
    }

    @inline(__always) static func isNFKCStable(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x41...0x5A, 0x61...0x7A: true
        default: false
        }
    }
}
