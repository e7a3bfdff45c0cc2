extension String {
    /// The text without the white space around it: what Foundation's
    /// `trimmingCharacters(in: .whitespacesAndNewlines)` gives (Unicode's White_Space and, as
    /// Foundation has it, the zero width space), done on the scalars, as Foundation goes through
    /// NSString on Linux and each check trims a name.
    public func trimmingWhiteSpace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !Self.isWhiteSpace($0) }) else { return "" }
        let last = scalars.lastIndex { !Self.isWhiteSpace($0) }!
        if first == scalars.startIndex, last == scalars.index(before: scalars.endIndex) { return self }
        return String(scalars[first...last])
    }

    private static func isWhiteSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isWhitespace || scalar == "\u{200B}"
    }
}
