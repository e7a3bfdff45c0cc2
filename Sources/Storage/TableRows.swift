/// A column value on its way from one backend to another (`creditgate migrate`): the types both
/// keep, as SQLite stores them.
public enum TableValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

/// One table copied between backends: the same name and columns on both sides, except where the
/// source names it otherwise.
public struct TableCopy: Sendable {
    /// The SQLite file it is in, relative to the state folder.
    public var file: String
    public var source: String
    public var target: String
    public var columns: [String]
    /// The order rows are read in (and so given their ids).
    public var order: String

    public init(_ file: String, _ source: String, as target: String? = nil, columns: [String], order: String) {
        self.file = file
        self.source = source
        self.target = target ?? source
        self.columns = columns
        self.order = order
    }
}
