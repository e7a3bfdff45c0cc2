import Foundation

/// What the client may do on the terminal: colour only on a terminal (and not with `NO_COLOR`),
/// a progress line only when standard error is a terminal.
package struct Terminal: Sendable {
    package var colour: Bool
    package var progress: Bool

    package init(environment: [String: String]) {
        colour = isatty(STDOUT_FILENO) == 1 && environment["NO_COLOR"] == nil && environment["TERM"] != "dumb"
        progress = isatty(STDERR_FILENO) == 1
    }

    package init(colour: Bool, progress: Bool) {
        self.colour = colour
        self.progress = progress
    }

    package enum Colour: String {
        case green = "32", yellow = "33", red = "31", bold = "1", dim = "2"
    }

    package func paint(_ text: String, _ colour: Colour) -> String {
        self.colour ? "\u{1B}[\(colour.rawValue)m\(text)\u{1B}[0m" : text
    }

    package func paint(decision code: String, _ text: String) -> String {
        switch code {
        case "CLEAR": paint(text, .green)
        case "REVIEW": paint(text, .yellow)
        case "INELIGIBLE": paint(text, .red)
        default: text
        }
    }

    /// Columns a text takes on a terminal: CJK and full-width characters take two.
    package static func width(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { total, scalar in
            let v = scalar.value
            let wide = (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
                || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
                || (0xFFE0...0xFFE6).contains(v) || (0x20000...0x3FFFD).contains(v)
            return total + (wide ? 2 : 1)
        }
    }

    /// A table with a header row, columns padded to their widest cell.
    package static func table(_ header: [String], _ rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { width($0.indices.contains(column) ? $0[column] : "") }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { column, cell in
                cell + String(repeating: " ", count: max(0, widths[column] - width(cell)))
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        let rule = widths.map { String(repeating: "─", count: $0) }.joined(separator: "  ")
        return ([line(header), rule] + rows.map(line)).joined(separator: "\n")
    }
}

/// A one-line progress bar with rate and time left, redrawn on standard error.
package struct ProgressLine {
    let enabled: Bool
    let total: Int
    /// Rows done before this run (a resumed batch): not counted in the rate.
    let doneBefore: Int
    let started = Date()
    private var lastDrawn = Date.distantPast

    package init(total: Int, doneBefore: Int = 0, enabled: Bool) {
        self.total = total
        self.doneBefore = doneBefore
        self.enabled = enabled
    }

    package mutating func update(done: Int, force: Bool = false) {
        guard enabled, force || Date().timeIntervalSince(lastDrawn) >= 0.1 else { return }
        lastDrawn = Date()
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 1
        let filled = Int(fraction * 30)
        let elapsed = Date().timeIntervalSince(started)
        let rate = elapsed > 0 ? Double(max(0, done - doneBefore)) / elapsed : 0
        let left = rate > 0 ? Int((Double(total - done) / rate).rounded(.up)) : nil
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: 30 - filled)
        let eta = left.map { $0 >= 60 ? "\($0 / 60)m\($0 % 60)s" : "\($0)s" } ?? "–"
        FileHandle.standardError.write(Data("\r\(bar) \(done)/\(total) \(Int(fraction * 100))%  \(Int(rate))/s  ETA \(eta)  ".utf8))
    }

    /// A word on what is happening between jobs, at the end of the bar.
    package func note(_ text: String) {
        guard enabled else { return }
        FileHandle.standardError.write(Data("  \(text)\u{1B}[K".utf8))
    }

    package func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
