import _ConnectionPoolModule
import PostgresNIO

extension PostgresEngine {
    /// Whether an error means the database cannot be reached just now (restarting, shut down, its
    /// connections full, the link broken) rather than that the request was wrong: the caller
    /// answers `503` with `Retry-After`, and the pool reconnects by itself once the server is back.
    public static func isUnavailable(_ error: any Error) -> Bool {
        if error is ConnectionPoolError || error is PostgresUnavailable { return true }
        if let transaction = error as? PostgresTransactionError {
            return [transaction.beginError, transaction.closureError, transaction.rollbackError, transaction.commitError]
                .contains { $0.map(isUnavailable) ?? false }
        }
        guard let error = error as? PSQLError else { return false }
        switch error.code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed:
            return true
        case .server:
            // SQLSTATE class 08 (connection exception), admin or crash shutdown, cannot connect now,
            // too many connections.
            let state = error.serverInfo?[.sqlState] ?? ""
            return state.hasPrefix("08") || ["57P01", "57P02", "57P03", "53300"].contains(state)
        default:
            return false
        }
    }
}
