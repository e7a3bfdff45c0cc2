import Synchronization

/// A bounded queue between two steps of a pipeline, one task sending and one receiving: `send`
/// waits while `capacity` items are waiting to be taken, so a step that runs ahead holds at most
/// that many.
///
/// Either end can stop the other: the sender's ``finish()`` ends the receiver's loop once it has
/// taken what was sent, and the receiver's ``close()`` makes every later `send` return `false`
/// (what was waiting is dropped). A step that ends for any reason, an error included, does its
/// part in a `defer`, so its neighbours never wait for ever.
final class Handoff<Element: Sendable>: Sendable {
    private struct State {
        var items: [Element] = []
        var finished = false
        var closed = false
        /// The sender waiting for room and the receiver waiting for an item (one of each at most),
        /// resumed with nil to look again.
        var sender: CheckedContinuation<Bool?, Never>?
        var receiver: CheckedContinuation<Element??, Never>?
    }

    private let state = Mutex(State())
    let capacity: Int

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    /// Hands `item` over, waiting for room; `false` once the receiver has closed the queue.
    func send(_ item: Element) async -> Bool {
        while true {
            let sent = await withCheckedContinuation { (continuation: CheckedContinuation<Bool?, Never>) in
                let (sent, receiver) = state.withLock { state -> (Bool?, CheckedContinuation<Element??, Never>?) in
                    if state.closed { return (false, nil) }
                    guard state.items.count < capacity else {
                        state.sender = continuation
                        return (nil, nil)
                    }
                    state.items.append(item)
                    defer { state.receiver = nil }
                    return (true, state.receiver)
                }
                receiver?.resume(returning: nil)
                if sent != nil { continuation.resume(returning: sent) }
            }
            if let sent { return sent }
        }
    }

    /// The next item in order; nil once the sender has finished and everything sent was taken, or
    /// once this end has closed.
    func next() async -> Element? {
        while true {
            let taken = await withCheckedContinuation { (continuation: CheckedContinuation<Element??, Never>) in
                let (taken, sender) = state.withLock { state -> (Element??, CheckedContinuation<Bool?, Never>?) in
                    if state.closed || (state.items.isEmpty && state.finished) { return (.some(nil), nil) }
                    guard !state.items.isEmpty else {
                        state.receiver = continuation
                        return (nil, nil)
                    }
                    defer { state.sender = nil }
                    return (.some(state.items.removeFirst()), state.sender)
                }
                sender?.resume(returning: nil)
                if taken != nil { continuation.resume(returning: taken) }
            }
            if let taken { return taken }
        }
    }

    /// The sender is done: the receiver takes what is left, then gets nil.
    func finish() {
        let receiver = state.withLock { state in
            state.finished = true
            defer { state.receiver = nil }
            return state.receiver
        }
        receiver?.resume(returning: nil)
    }

    /// The receiver is done: a waiting or later `send` returns `false`, and what was waiting is dropped.
    func close() {
        let sender = state.withLock { state in
            state.closed = true
            state.items = []
            defer { state.sender = nil }
            return state.sender
        }
        sender?.resume(returning: nil)
    }
}
