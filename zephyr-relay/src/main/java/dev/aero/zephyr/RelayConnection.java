package dev.aero.zephyr;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.aero.common.zephyr.ZephyrWire;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;

/**
 * One relay socket and its state machine:
 * <pre>
 * AWAITING_BIND --BIND ok--> WAITING_FOR_PEER --peer binds back--> PAIRED --(own loop)--> RELAYING
 *       \______________________________ any close _______________________________/--> CLOSED
 * </pre>
 * Everything about one connection runs on its own event loop; what involves two connections
 * (bind, pair, close of a waiting peer) is decided under {@link ZidRegistry#lock} and then
 * carried out on each connection's own loop, so that bytes a client sent before the pairing
 * always reach its partner before bytes it sends after.
 *
 * <p>Both connections of a pair live on one event loop: the second to bind moves its socket to
 * the first one's loop before the pair forms (nothing writes to it while it is unpaired). Bytes
 * then pass from one socket to the other with no thread hand-off, in the pooled direct buffer
 * they were read into.
 *
 * <p>Reading from a socket stops (autoRead off) for any of three reasons, each a bit of
 * {@link #pauses}: its pre-bind buffer is full, its partner's outbound queue is above the high
 * water mark, or a rate limit asked for a pause. It reads again when no reason is left.
 */
final class RelayConnection extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(RelayConnection.class);

    enum State { AWAITING_BIND, MOVING, WAITING_FOR_PEER, PAIRED, RELAYING, CLOSED }

    private static final int PAUSE_PRE_BIND = 1;
    private static final int PAUSE_BACKPRESSURE = 2;
    private static final int PAUSE_RATE = 4;

    private final RelayContext relay;
    private Channel channel;
    private int zid = -1;
    private final byte[] header = new byte[ZephyrWire.MESSAGE_SIZE];
    private int headerLength;

    // Guarded by relay.registry().lock.
    private volatile State state = State.AWAITING_BIND;
    private int peerZid = -1;
    private RelayConnection target;
    private volatile RelayConnection partner;
    private RelayPair pair;
    private final List<RelayConnection> waiters = new ArrayList<>(1);

    // Own event loop only.
    private ArrayDeque<ByteBuf> held;
    private int heldBytes;
    private int pauses;
    private boolean counted;
    private ScheduledFuture<?> bindTimer;
    private volatile ScheduledFuture<?> pairingTimer;
    private ScheduledFuture<?> idleTimer;

    private volatile long lastReadNanos = System.nanoTime();

    private final AtomicReference<CloseCause> closeCause = new AtomicReference<>();
    private final AtomicBoolean cleanedUp = new AtomicBoolean();
    private RelayConnection movingTowards;

    RelayConnection(RelayContext relay) {
        this.relay = relay;
    }

    /** Where this connection is in its state machine (for tests). */
    State state() {
        return state;
    }

    /** Its zid, or -1 if it was refused on arrival (for tests). */
    int zid() {
        return zid;
    }

    /** Why the relay closed it, or null while it has not (for tests). */
    CloseCause closeCause() {
        return closeCause.get();
    }

    // ---------------------------------------------------------------- lifecycle

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        counted = true;
        int open = relay.metrics().opened();
        if (relay.fdReserve().exhausted()) {
            refuse(CloseCause.FD_LIMIT);
            relay.fdReserve().tryRecover();
            return;
        }
        int max = relay.settings().maxConnections();
        if (max > 0 && open > max) {
            refuse(CloseCause.MAX_CONNECTIONS);
            return;
        }
        zid = relay.registry().register(this);
        channel.writeAndFlush(Unpooled.wrappedBuffer(ZephyrWire.message(zid)));
        bindTimer = channel.eventLoop().schedule(() -> {
            if (state == State.AWAITING_BIND) {
                closeFor(CloseCause.BIND_DEADLINE);
            }
        }, relay.settings().bindDeadline().toNanos(), TimeUnit.NANOSECONDS);
    }

    private void refuse(CloseCause cause) {
        state = State.CLOSED;
        closeFor(cause);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cleanUp();
    }

    /**
     * Everything a closed connection owes the others. Runs once: from channelInactive, or
     * directly when the socket closed while it was between event loops (a channel registered
     * nowhere may never see channelInactive).
     */
    private void cleanUp() {
        if (!cleanedUp.compareAndSet(false, true)) {
            return;
        }
        cancelTimers();
        if (counted) {
            relay.metrics().closed();
            counted = false;
        }
        if (zid < 0) {
            return;
        }
        List<RelayConnection> orphans;
        RelayConnection myPartner;
        State before;
        synchronized (relay.registry().lock) {
            before = state;
            state = State.CLOSED;
            relay.registry().unregister(zid, this);
            if (target != null) {
                target.waiters.remove(this);
            }
            myPartner = partner;
            orphans = new ArrayList<>(waiters);
            orphans.remove(myPartner);
            waiters.clear();
            // The peer this connection was moving to waits for it, and now never will pair.
            if (before == State.MOVING && movingTowards != null && movingTowards.state == State.WAITING_FOR_PEER
                    && movingTowards.peerZid == zid) {
                orphans.add(movingTowards);
            }
            if (pair != null && pair.end()) {
                relay.metrics().pairEnded();
            }
        }
        if (myPartner != null) {
            if (before == State.PAIRED) {
                // Bound, but this loop had not yet handed the held bytes over: do it now.
                flushHeldTo(myPartner);
            }
            myPartner.closeAfterFlush();
        }
        releaseHeld();
        for (RelayConnection orphan : orphans) {
            orphan.closeFor(CloseCause.PEER_GONE);
        }
    }

    /** Closes this connection once everything already queued for it has been written. */
    private void closeAfterFlush() {
        channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    /** Closes for a counted cause; safe from any thread, counted once. */
    void closeFor(CloseCause cause) {
        if (closeCause.compareAndSet(null, cause)) {
            relay.metrics().count(cause);
            log.debug("closing zid {} for {}", zid, cause.tag());
        }
        channel.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            log.debug("socket error on zid {}: {}", zid, cause.getMessage());
        } else {
            log.warn("unexpected error on zid {}", zid, cause);
        }
        closeFor(CloseCause.IO_ERROR);
    }

    /**
     * A pair is idle when neither socket has been read from for the idle timeout (a byte written
     * to one socket was read from the other). Checked on the loop both share.
     */
    private void checkIdle() {
        RelayConnection myPartner = partner;
        if (state != State.RELAYING || myPartner == null) {
            return;
        }
        long timeout = relay.settings().idleTimeout().toNanos();
        long idle = System.nanoTime() - Math.max(lastReadNanos, myPartner.lastReadNanos);
        if (idle >= timeout) {
            closeFor(CloseCause.IDLE_TIMEOUT);
            myPartner.closeFor(CloseCause.IDLE_TIMEOUT);
        } else {
            idleTimer = channel.eventLoop().schedule(this::checkIdle, timeout - idle, TimeUnit.NANOSECONDS);
        }
    }

    // ---------------------------------------------------------------- reading

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf bytes = (ByteBuf) msg;
        switch (state) {
            case RELAYING -> forward(bytes);
            case MOVING, WAITING_FOR_PEER, PAIRED -> hold(bytes);
            case AWAITING_BIND -> readBind(bytes);
            case CLOSED -> bytes.release();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        RelayConnection myPartner = partner;
        if (state == State.RELAYING && myPartner != null) {
            myPartner.channel.flush();
        }
    }

    private void readBind(ByteBuf bytes) {
        int take = Math.min(bytes.readableBytes(), header.length - headerLength);
        bytes.readBytes(header, headerLength, take);
        headerLength += take;
        ZephyrWire.Violation violation = ZephyrWire.check(header, headerLength);
        if (violation != null) {
            bytes.release();
            closeFor(violation == ZephyrWire.Violation.BAD_MAGIC ? CloseCause.BAD_MAGIC : CloseCause.BAD_LENGTH);
            return;
        }
        if (headerLength < header.length) {
            bytes.release();
            return;
        }
        bind(ZephyrWire.zidOf(header), bytes);
    }

    private void bind(int requested, ByteBuf leftover) {
        bindTimer.cancel(false);
        if (leftover.isReadable()) {
            hold(leftover);
        } else {
            leftover.release();
        }
        completeBind(requested);
    }

    /**
     * Re-registers this socket on {@code loop} (the waiting peer's) and binds there. Nothing
     * writes to an unpaired socket and its timers are cancelled, so it can move safely; bytes
     * read meanwhile are held like pre-bind bytes.
     */
    private void moveTo(EventLoop loop, int requested) {
        pause(PAUSE_PRE_BIND);
        channel.deregister().addListener(deregistered -> {
            if (!deregistered.isSuccess()) {
                log.debug("zid {}: could not leave its event loop: {}", zid, deregistered.cause().toString());
                abandonMove();
                return;
            }
            loop.register(channel).addListener(registered -> {
                if (!registered.isSuccess()) {
                    log.debug("zid {}: could not join its peer's event loop: {}", zid, registered.cause().toString());
                    abandonMove();
                    return;
                }
                completeBind(requested);
            });
        });
    }

    /** The socket closed (or failed) while moving: release it without its event loop. */
    private void abandonMove() {
        if (channel.isOpen()) {
            closeFor(CloseCause.IO_ERROR);
            channel.unsafe().closeForcibly();
        }
        cleanUp();
    }

    private void completeBind(int requested) {
        CloseCause refusal = null;
        RelayConnection pairedWith = null;
        EventLoop moveTo = null;
        List<RelayConnection> displaced = List.of();
        synchronized (relay.registry().lock) {
            RelayConnection peer = relay.registry().lookup(requested);
            if (peer == null || peer.state == State.CLOSED) {
                refusal = CloseCause.UNKNOWN_ZID;
            } else if (peer == this) {
                refusal = CloseCause.SELF_BIND;
            } else if (peer.state != State.AWAITING_BIND && peer.peerZid != zid) {
                refusal = CloseCause.PEER_BOUND_ELSEWHERE;
            } else if (peer.state == State.WAITING_FOR_PEER && peer.peerZid == zid
                    && peer.channel.eventLoop() != channel.eventLoop()) {
                // Decided under the lock, so that no pair ever spans two loops.
                state = State.MOVING;
                movingTowards = peer;
                moveTo = peer.channel.eventLoop();
            } else {
                peerZid = requested;
                target = peer;
                state = State.WAITING_FOR_PEER;
                // Whoever waits for this connection and is not the one it chose can never pair.
                displaced = new ArrayList<>(waiters);
                displaced.removeIf(w -> w == peer);
                waiters.removeAll(displaced);
                if (peer.state == State.WAITING_FOR_PEER && peer.peerZid == zid) {
                    displaced.addAll(pairWith(peer));
                    pairedWith = peer;
                } else {
                    peer.waiters.add(this);
                }
            }
        }
        if (moveTo != null) {
            moveTo(moveTo, requested);
            return;
        }
        for (RelayConnection w : displaced) {
            w.closeFor(CloseCause.PEER_BOUND_ELSEWHERE);
        }
        if (refusal != null) {
            releaseHeld();
            closeFor(refusal);
            return;
        }
        if (pairedWith == null) {
            if (heldBytes < relay.settings().preBindBufferBytes()) {
                resume(PAUSE_PRE_BIND);
            }
            pairingTimer = channel.eventLoop().schedule(this::pairingDeadlinePassed,
                    relay.settings().pairingDeadline().toNanos(), TimeUnit.NANOSECONDS);
        } else {
            // Same loop (see moveTo): the peer's hand-over is queued behind this one.
            channel.eventLoop().execute(pairedWith::startRelaying);
            startRelaying();
        }
    }

    /**
     * Under the registry lock: this connection and {@code peer} have named each other. Returns
     * the connections that were waiting for the peer and now never can pair, for the caller to
     * close once it has left the lock.
     */
    private List<RelayConnection> pairWith(RelayConnection peer) {
        RelayPair shared = new RelayPair(relay.settings().pairBytesPerSecond());
        pair = shared;
        peer.pair = shared;
        partner = peer;
        peer.partner = this;
        state = State.PAIRED;
        peer.state = State.PAIRED;
        // Neither is waiting any more: a partner must never be closed as someone's orphan,
        // which would drop the bytes queued for it instead of flushing them.
        waiters.remove(peer);
        peer.waiters.remove(this);
        List<RelayConnection> displaced = new ArrayList<>(peer.waiters);
        peer.waiters.clear();
        relay.metrics().pairBound();
        ScheduledFuture<?> peerTimer = peer.pairingTimer;
        if (peerTimer != null) {
            peerTimer.cancel(false);
        }
        return displaced;
    }

    private void pairingDeadlinePassed() {
        RelayConnection named;
        boolean namedNeverBound;
        synchronized (relay.registry().lock) {
            if (state != State.WAITING_FOR_PEER) {
                return;
            }
            named = target;
            namedNeverBound = named != null && named.state == State.AWAITING_BIND;
        }
        closeFor(namedNeverBound || named == null ? CloseCause.PAIRING_DEADLINE : CloseCause.PEER_BOUND_ELSEWHERE);
        if (namedNeverBound) {
            named.closeFor(CloseCause.PAIRING_DEADLINE);
        }
    }

    /** On this connection's loop, once paired: hand over what was held, then relay directly. */
    private void startRelaying() {
        if (state != State.PAIRED) {
            return;
        }
        RelayConnection myPartner = partner;
        flushHeldTo(myPartner);
        lastReadNanos = System.nanoTime();
        state = State.RELAYING;
        Duration idle = relay.settings().idleTimeout();
        if (!idle.isZero()) {
            idleTimer = channel.eventLoop().schedule(this::checkIdle, idle.toNanos(), TimeUnit.NANOSECONDS);
        }
        resume(PAUSE_PRE_BIND);
        checkBackpressure(myPartner);
    }

    private void hold(ByteBuf bytes) {
        if (held == null) {
            held = new ArrayDeque<>(4);
        }
        heldBytes += bytes.readableBytes();
        held.add(bytes);
        if (heldBytes >= relay.settings().preBindBufferBytes()) {
            pause(PAUSE_PRE_BIND);
        }
    }

    private void flushHeldTo(RelayConnection destination) {
        if (held == null) {
            return;
        }
        ByteBuf bytes;
        while ((bytes = held.poll()) != null) {
            relay.metrics().relayed(bytes.readableBytes());
            destination.channel.write(bytes);
        }
        heldBytes = 0;
        destination.channel.flush();
    }

    private void releaseHeld() {
        if (held != null) {
            ByteBuf bytes;
            while ((bytes = held.poll()) != null) {
                bytes.release();
            }
            heldBytes = 0;
        }
    }

    private void forward(ByteBuf bytes) {
        RelayConnection myPartner = partner;
        int n = bytes.readableBytes();
        lastReadNanos = System.nanoTime();
        relay.metrics().relayed(n);
        myPartner.channel.write(bytes, myPartner.channel.voidPromise());
        long pauseNanos = Math.max(pair.limitNanos(n), relay.globalLimitNanos(n));
        if (pauseNanos > 0) {
            pause(PAUSE_RATE);
            channel.eventLoop().schedule(() -> resume(PAUSE_RATE), ByteRateLimiter.pauseMillis(pauseNanos), TimeUnit.MILLISECONDS);
        }
        checkBackpressure(myPartner);
    }

    // ---------------------------------------------------------------- flow control

    private void checkBackpressure(RelayConnection myPartner) {
        if (!myPartner.channel.isWritable()) {
            pause(PAUSE_BACKPRESSURE);
            // The partner may have drained between the write and the pause; its writability
            // event would then already be gone, so look again.
            if (myPartner.channel.isWritable()) {
                resume(PAUSE_BACKPRESSURE);
            }
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        RelayConnection myPartner = partner;
        if (channel.isWritable() && myPartner != null) {
            myPartner.resume(PAUSE_BACKPRESSURE);
        }
        ctx.fireChannelWritabilityChanged();
    }

    private void pause(int reason) {
        pauses |= reason;
        channel.config().setAutoRead(false);
    }

    private void resume(int reason) {
        pauses &= ~reason;
        if (pauses == 0 && state != State.CLOSED) {
            channel.config().setAutoRead(true);
        }
    }

    private void cancelTimers() {
        if (bindTimer != null) {
            bindTimer.cancel(false);
        }
        if (pairingTimer != null) {
            pairingTimer.cancel(false);
        }
        // A pending timer keeps the closed connection reachable until it fires.
        if (idleTimer != null) {
            idleTimer.cancel(false);
        }
    }
}
