import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child's end as the kernel knows it, for every wait on a child process in the tests.
///
/// Foundation learns that a `Process` ended when its end of a socket pair closes, and watches those
/// sockets with `select()` (swift-corelibs-foundation's CFSocket manager), which cannot watch a
/// descriptor numbered past `FD_SETSIZE` (1024). A test process holding many files and connections
/// (gateways in process, SQLite files, PostgreSQL pools) sometimes starts a child with such a
/// descriptor, and then Foundation never hears of its end: `isRunning` stays true,
/// `terminationHandler` never runs, `waitUntilExit()` never returns, and `terminationStatus` traps.
/// A CI run hung so, a schemathesis and a testssl test each waiting for a child long gone (its
/// CFSocket manager blocked in `select(nfds = 1024)`; see swiftlang/swift#73532 for the same wait
/// on Windows). `waitid` with `WNOWAIT` asks the kernel without reaping the child, so Foundation
/// may still reap it whenever it hears.
extension Process {
    /// How a child ended.
    package struct Exit: Sendable, Equatable {
        /// The exit status, or the number of the signal that ended it.
        package var status: Int32
        package var signalled: Bool

        package init(status: Int32, signalled: Bool) {
            self.status = status
            self.signalled = signalled
        }
    }

    /// How the child ended; `nil` while it runs.
    package var exit: Exit? {
        var info = siginfo_t()
        if waitid(P_PID, id_t(processIdentifier), &info, WEXITED | WNOHANG | WNOWAIT) == 0 {
            guard info._sifields._sigchld.si_pid != 0 else { return nil }
            return Exit(status: info._sifields._sigchld.si_status, signalled: info.si_code != Int32(CLD_EXITED))
        }
        // Already reaped, by Foundation: it records how in the same callback, a moment later.
        while isRunning { usleep(1000) }
        return Exit(status: terminationStatus, signalled: terminationReason == .uncaughtSignal)
    }

    /// Whether the child still runs (in place of `isRunning`).
    package var isAlive: Bool { exit == nil }

    /// Waits for the end without holding a cooperative thread.
    package func exited() async -> Exit {
        while true {
            if let exit { return exit }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Waits for the end on this thread (for synchronous helpers that already block on the child's
    /// output).
    package func waitForExit() -> Exit {
        while true {
            if let exit { return exit }
            usleep(10_000)
        }
    }
}
