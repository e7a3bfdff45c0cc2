@testable import Gateway
import Synchronization
import Testing

/// The bounded queue between a batch job's steps: everything in order, never more than its
/// capacity waiting, and either end able to stop the other.
@Suite("Handoff between a job's steps")
struct HandoffTests {
    @Test func everythingSentArrivesInOrderAndTheSenderNeverRunsAheadOfTheCapacity() async {
        let handoff = Handoff<Int>(capacity: 2)
        let sent = Atomic<Int>(0)
        async let sending: Void = {
            for item in 0..<1000 {
                _ = await handoff.send(item)
                sent.add(1, ordering: .sequentiallyConsistent)
            }
            handoff.finish()
        }()
        var received: [Int] = []
        while let item = await handoff.next() {
            // Sent but not yet taken: at most the capacity, plus the one in hand here.
            #expect(sent.load(ordering: .sequentiallyConsistent) - received.count <= 3)
            received.append(item)
            if item % 7 == 0 { await Task.yield() }
        }
        await sending
        #expect(received == Array(0..<1000))
    }

    @Test func aFinishedSenderLeavesWhatItSentToBeTaken() async {
        let handoff = Handoff<String>(capacity: 2)
        #expect(await handoff.send("a"))
        #expect(await handoff.send("b"))
        handoff.finish()
        #expect(await handoff.next() == "a")
        #expect(await handoff.next() == "b")
        #expect(await handoff.next() == nil)
    }

    @Test func aReceiverThatClosesWakesTheWaitingSenderAndRefusesTheRest() async {
        let handoff = Handoff<Int>(capacity: 1)
        #expect(await handoff.send(1))
        // The queue is full: this send waits for room, and a close (before or while it waits)
        // refuses it.
        async let refused = handoff.send(2)
        await Task.yield()
        handoff.close()
        #expect(await refused == false)
        #expect(await handoff.send(3) == false)
        // What was waiting is dropped: the receiver has stopped taking.
        #expect(await handoff.next() == nil)
    }

    @Test func aReceiverWaitingForAnItemIsWokenByTheSenderFinishing() async {
        let handoff = Handoff<Int>(capacity: 1)
        async let last = handoff.next()
        await Task.yield()
        handoff.finish()
        #expect(await last == nil)
    }
}
