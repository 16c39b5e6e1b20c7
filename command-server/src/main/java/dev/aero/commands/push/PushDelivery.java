package dev.aero.commands.push;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;

import dev.aero.commands.queue.CommandQueues;
import dev.aero.common.command.Command;
import dev.aero.common.command.CommandCodec;
import dev.aero.common.id.DID;

/**
 * Gets each device's head command pushed, eventually: a push that fails puts the device on the
 * retry index ({@code jeq:unpushed}) with a delay that doubles from {@code push-retry-first} (1 s)
 * to {@code push-retry-max} (5 min); the sweep and
 * the device's next verkehr login push its head again.
 */
public final class PushDelivery {

    private final CommandQueues queues;
    private final CommandPusher pusher;
    private final Duration firstRetry;
    private final Duration maxRetry;
    private final Executor recorder = Executors.newVirtualThreadPerTaskExecutor();

    /** A failed push is tried again after {@code firstRetry}, doubling up to {@code maxRetry}. */
    public PushDelivery(CommandQueues queues, CommandPusher pusher, Duration firstRetry, Duration maxRetry) {
        this.queues = queues;
        this.pusher = pusher;
        this.firstRetry = firstRetry;
        this.maxRetry = maxRetry;
    }

    /**
     * Pushes a command just enqueued, in the background. Its outcome is recorded in Redis on a
     * virtual thread, never on the thread that completed the push (the SSMP channel's reader).
     */
    public CompletableFuture<Boolean> pushEnqueued(DID did, Command command) {
        return pushEnqueued(did, command, true);
    }

    /**
     * {@link #pushEnqueued(DID, Command)} when the enqueue told whether the device is on the retry
     * index ({@link CommandQueues.Enqueued#pushRetryPending()}): a push that works for a device
     * that is not needs nothing recorded, so it costs no Redis step and no thread. A failed push,
     * or one that takes the device off the index, is recorded as before. (A device put on the
     * index by a concurrent failure after this enqueue stays there until its retry, which pushes
     * its head once more: a spare hint, never a lost one.)
     */
    public CompletableFuture<Boolean> pushEnqueued(DID did, Command command, boolean retryPending) {
        return pusher.push(did, command).thenCompose(ok -> ok && !retryPending ? PUSHED : CompletableFuture.supplyAsync(() -> {
            record(did, ok);
            return ok;
        }, recorder));
    }

    private static final CompletableFuture<Boolean> PUSHED = CompletableFuture.completedFuture(true);

    /** A command just enqueued, to push: {@code retryPending} as in {@link #pushEnqueued(DID, Command, boolean)}. */
    public record Enqueued(DID did, Command command, boolean retryPending) { }

    /** {@link #pushEnqueued(DID, Command, boolean)} for many, pipelined ({@link CommandPusher#pushAll}). */
    public void pushAllEnqueued(List<Enqueued> enqueued) {
        List<CompletableFuture<Boolean>> pushed = pusher.pushAll(enqueued.stream().map(e -> new CommandPusher.Push(e.did(), e.command())).toList());
        for (int i = 0; i < enqueued.size(); i++) {
            Enqueued e = enqueued.get(i);
            pushed.get(i).thenAccept(ok -> {
                if (!ok || e.retryPending()) {
                    recorder.execute(() -> record(e.did(), ok));
                }
            });
        }
    }

    /** Pushes the device's current head, if it has one; whether there was nothing to do or the push worked. */
    public boolean pushHead(DID did) {
        CommandQueues.Head head = queues.head(did);
        if (head.empty()) {
            queues.pushSucceeded(did);
            return true;
        }
        boolean ok = pusher.pushNow(did, CommandCodec.fromRedisString(head.command(), head.epoch()));
        record(did, ok);
        return ok;
    }

    /** One pass over the devices whose retry is due. */
    public int sweep(int limit) {
        int n = 0;
        for (DID did : queues.pushesDue(limit)) {
            pushHead(did);
            n++;
        }
        return n;
    }

    private void record(DID did, boolean ok) {
        if (ok) {
            queues.pushSucceeded(did);
        } else {
            queues.pushFailed(did, firstRetry, maxRetry);
        }
    }
}
