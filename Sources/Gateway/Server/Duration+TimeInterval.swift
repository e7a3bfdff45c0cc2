import Foundation

extension Duration {
    /// In seconds, as `Date` arithmetic wants it (a lease's end, a retry's time).
    var timeInterval: TimeInterval { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
