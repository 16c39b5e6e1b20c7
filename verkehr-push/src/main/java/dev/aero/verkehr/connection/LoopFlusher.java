package dev.aero.verkehr.connection;

import java.util.ArrayList;
import java.util.List;

import io.netty.util.concurrent.FastThreadLocal;

/**
 * Flushes, once per batch of tasks, every connection of one event loop that was written to.
 * A fan-out writes one line to thousands of connections; flushing each of them from a single
 * task queued behind the writes (rather than a task per connection) lets every connection's
 * flush carry all the lines queued for it by then. Used on the event loop's own thread only.
 */
final class LoopFlusher implements Runnable {

    private static final FastThreadLocal<LoopFlusher> PER_LOOP = new FastThreadLocal<>() {
        @Override
        protected LoopFlusher initialValue() {
            return new LoopFlusher();
        }
    };

    private List<Session> pending = new ArrayList<>();
    private List<Session> spare = new ArrayList<>();
    private boolean scheduled;

    /** The flusher of the calling event loop thread. */
    static LoopFlusher current() {
        return PER_LOOP.get();
    }

    void add(Session s, io.netty.channel.EventLoop loop) {
        pending.add(s);
        if (!scheduled) {
            scheduled = true;
            loop.execute(this);
        }
    }

    @Override
    public void run() {
        scheduled = false;
        List<Session> batch = pending;
        pending = spare;
        spare = batch;
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).flush();
        }
        batch.clear();
    }
}
