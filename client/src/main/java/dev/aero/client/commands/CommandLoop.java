package dev.aero.client.commands;

import dev.aero.common.concurrent.Backoff;
import dev.aero.common.ssmp.PlatformTopics;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import dev.aero.client.ssmp.ForwardingSsmpListener;
import dev.aero.client.ssmp.SsmpListener;
import dev.aero.common.command.Command;
import dev.aero.common.command.CommandCodec;
import dev.aero.common.command.InvalidCommandException;

/**
 * The client's command loop (docs/protocols/commands.md): on start and after any failure, drain the
 * queue (head, act, ack, at most as many times as the queue was long when the drain began),
 * retrying with backoff from 2 s to 60 s; on a push, act on that command, ack it, and drain again
 * if more remain. While the push channel is down (from a dropped verkehr connection until it
 * is back) pushes cannot arrive, so the queue is read with the same backoff: a device whose
 * certificate was just revoked loses its verkehr connection, perhaps before its unlink push
 * went out, and can only learn of the unlink from its queue. Commands are handled one at a
 * time, on the loop's own thread.
 */
public final class CommandLoop implements AutoCloseable {

    private final CommandClient queue;
    private final CommandHandler handler;
    private static final int MAX_UNDECODABLE = 100;

    private final Backoff retries;
    /**
     * Reads while the push channel is down, jittered: a verkehr restart drops every device at
     * once, and their reads of the queue must not reach command-server in lockstep.
     */
    private final Backoff offlinePolls;
    private final java.util.Random random = new java.util.Random();
    private final long firstRetryMillis;
    private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "aero-command-loop");
        t.setDaemon(true);
        return t;
    });
    private ScheduledFuture<?> retry;
    /** The next read of the queue while the push channel is down; null while it is up. Loop thread only. */
    private ScheduledFuture<?> offlinePoll;
    /**
     * Every epoch up to this one has left the queue under that epoch (acknowledged, moved to the
     * tail under a new one, or removed), as the queue's answers showed: epochs only go up and the
     * head is the lowest, so a push of one of them is late and is not carried out again. Loop
     * thread only.
     */
    private long departed;

    public CommandLoop(CommandClient queue, CommandHandler handler) {
        this(queue, handler, Duration.ofSeconds(2), Duration.ofSeconds(60));
    }

    public CommandLoop(CommandClient queue, CommandHandler handler, Duration firstRetry, Duration lastRetry) {
        this.queue = queue;
        this.handler = handler;
        this.retries = Backoff.exponential(firstRetry, lastRetry);
        this.offlinePolls = Backoff.withEqualJitter(firstRetry, lastRetry, random);
        this.firstRetryMillis = firstRetry.toMillis();
    }

    /** Drains the queue now (in the background). */
    public void start() {
        submit(this::drain);
    }

    /**
     * The push channel went down: drain within {@code firstRetry} (at a random point of it), then
     * again with jittered backoff until {@link #pushChannelUp}. {@link #pushListener} calls both.
     */
    public void pushChannelDown() {
        submit(() -> {
            if (offlinePoll == null) {
                offlinePolls.reset();
                offlinePoll = worker.schedule(this::pollWhileOffline, random.nextLong(firstRetryMillis + 1), TimeUnit.MILLISECONDS);
            }
        });
    }

    /** The push channel is back: pushes arrive again, so the queue is drained once (pushes sent meanwhile are gone) and no longer polled. */
    public void pushChannelUp() {
        submit(() -> {
            if (offlinePoll != null) {
                offlinePoll.cancel(false);
                offlinePoll = null;
            }
            drain();
        });
    }

    private void pollWhileOffline() {
        drain();
        offlinePoll = worker.schedule(this::pollWhileOffline, offlinePolls.next().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void submit(Runnable task) {
        try {
            worker.execute(task);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // the loop is closed: nothing more to do
        }
    }

    /** A push on {@code cmd/<did>}: its payload, base64 of the {@code Command}. */
    public void onPush(byte[] payload) {
        Command command;
        try {
            command = CommandCodec.fromPushPayload(new String(payload, java.nio.charset.StandardCharsets.US_ASCII));
        } catch (InvalidCommandException e) {
            submit(this::drain);
            return;
        }
        submit(() -> {
            if (command.getEpoch() <= departed) {
                // A drain already carried it out (or it was removed): a push that came late.
                return;
            }
            try {
                CommandClient.Acked acked = act(command);
                if (acked.next().queueSize() > 0) {
                    drain();
                }
            } catch (IOException e) {
                scheduleRetry();
            }
        });
    }

    /**
     * A listener for the device's SSMP connection that feeds its {@code cmd/} pushes in, drains on
     * every login and reads the queue with backoff while the connection is down.
     */
    public SsmpListener pushListener(SsmpListener next) {
        return new ForwardingSsmpListener(next) {
            @Override
            public void onMulticast(String from, String topic, byte[] payload) {
                if (topic.startsWith(PlatformTopics.COMMANDS_PREFIX)) {
                    onPush(payload);
                }
                super.onMulticast(from, topic, payload);
            }

            @Override
            public void onConnected() {
                // Pushes sent while the connection was down are gone: the queue has them.
                pushChannelUp();
                super.onConnected();
            }

            @Override
            public void onDisconnected(Throwable cause, boolean reconnecting) {
                // Closed by this client (no cause, no reconnect): the device is going away.
                if (cause != null || reconnecting) {
                    pushChannelDown();
                }
                super.onDisconnected(cause, reconnecting);
            }
        };
    }

    private void drain() {
        try {
            CommandClient.Head head = refusingUndecodable(queue::head);
            long budget = head.queueSize();
            while (!head.empty() && budget-- > 0) {
                Command command = head.command();
                departed = Math.max(departed, command.getEpoch() - 1);
                head = refusingUndecodable(() -> act(command).next());
            }
            retries.reset();
        } catch (IOException e) {
            scheduleRetry();
        }
    }

    /** A call that answers with the queue's head. */
    private interface HeadCall {
        CommandClient.Head get() throws IOException;
    }

    /**
     * A head this client cannot decode (a command type newer than it) is reported failed, so that
     * the queue retries it and in the end dead-letters it rather than blocking on it, and the
     * next head is read; after {@value #MAX_UNDECODABLE} in a row the drain is retried later.
     */
    private CommandClient.Head refusingUndecodable(HeadCall call) throws IOException {
        for (int refused = 0; ; refused++) {
            try {
                return call.get();
            } catch (CommandClient.UndecodableCommandException e) {
                if (refused >= MAX_UNDECODABLE) {
                    throw e;
                }
                long epoch = e.epoch();
                String why = e.getMessage();
                call = () -> queue.fail(epoch, why).next();
            }
        }
    }

    /** Carries one command out and acknowledges it, or reports it failed. */
    private CommandClient.Acked act(Command command) throws IOException {
        Exception failure = null;
        try {
            handler.handle(command);
        } catch (Exception e) {
            failure = e;
        }
        CommandClient.Acked acked = failure == null ? queue.ack(command.getEpoch())
                : queue.fail(command.getEpoch(), String.valueOf(failure.getMessage()));
        if (!"stale".equals(acked.result())) {
            // It was the head and has left the queue under this epoch.
            departed = Math.max(departed, command.getEpoch());
        }
        if (!acked.next().empty()) {
            departed = Math.max(departed, acked.next().command().getEpoch() - 1);
        }
        return acked;
    }

    private void scheduleRetry() {
        if (retry != null && !retry.isDone()) {
            return;
        }
        retry = worker.schedule(() -> {
            // Cleared first: a drain that fails again schedules the next attempt.
            retry = null;
            drain();
        }, retries.next().toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        worker.shutdownNow();
    }
}
