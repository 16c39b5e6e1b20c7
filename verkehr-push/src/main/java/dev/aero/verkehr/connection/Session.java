package dev.aero.verkehr.connection;

import dev.aero.verkehr.delivery.Hub;
import dev.aero.verkehr.topic.StoreMembership;
import dev.aero.verkehr.topic.TopicAuthorizer;
import dev.aero.verkehr.login.Identity;
import dev.aero.verkehr.login.Authenticator;
import dev.aero.common.ssmp.SsmpLines;
import dev.aero.common.ssmp.StoreMessage;
import dev.aero.common.ssmp.SsmpVerb;
import dev.aero.common.ssmp.SsmpRequest;
import dev.aero.common.ssmp.SsmpGrammarException;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;

import dev.aero.verkehr.VerkehrMetrics;
import dev.aero.verkehr.VerkehrProperties;


/**
 * One SSMP connection: the protocol's state machine (docs/protocols/ssmp.md) on the channel's
 * event loop, behind the pipeline's handlers that frame requests ({@link SsmpDecoder}), keep the
 * login deadline ({@link LoginDeadline}) and notice idleness (Netty's {@code IdleStateHandler}). Requests
 * are handled strictly in order; one whose answer needs Redis (a LOGIN's claim of its id, a
 * unicast to another node, a presence subscription's first snapshot) pauses reading until it is
 * answered, so responses keep the order of requests.
 *
 * <p>The 200 to a LOGIN is sent only once the id's claim is in Redis, so that the whole cluster
 * can route to the connection when the client learns it is logged in. Until then the connection
 * already holds its id on this node, and whatever reaches it meanwhile (a UCAST from here or
 * from another node, a PING) is held back and written after the 200.
 *
 * <p>Everything written to the connection goes through its event loop ({@link #send}), which
 * keeps each sender's messages in order and lets one flush carry many messages.
 */
public final class Session extends ChannelInboundHandlerAdapter {

    private final Hub hub;
    private final long serial;
    private final String key;
    private final VerkehrProperties settings;
    private final VerkehrMetrics metrics;
    private final Authenticator authenticator;
    private final TopicAuthorizer authorizer;
    private Channel channel;
    private InetSocketAddress remote;
    private volatile Identity identity;
    private boolean pingSent;
    /** The context just above TLS: writes and flushes start there and reach the TLS handler directly. */
    private ChannelHandlerContext outbound;
    private boolean waiting;
    private boolean throttled;
    private boolean flushPending;
    private volatile boolean closed;
    private String closeCause = "client";
    /** Requests (or {@link SsmpDecoder#MALFORMED}) read while an answer was awaited; handled in order after it. */
    private final ArrayDeque<Object> queued = new ArrayDeque<>();
    /** Lines for this connection that came before the 200 to its LOGIN; null when none is pending. */
    private ArrayDeque<byte[]> beforeLogin;
    private int beforeLoginBytes;
    /** Topics held, with their PRESENCE flag; touched on the event loop only. */
    private final Map<String, Boolean> topics = new LinkedHashMap<>();

    public Session(Hub hub, long serial, VerkehrProperties settings, VerkehrMetrics metrics, Authenticator authenticator,
            TopicAuthorizer authorizer) {
        this.hub = hub;
        this.serial = serial;
        this.key = hub.nodeId() + "/" + serial;
        this.settings = settings;
        this.metrics = metrics;
        this.authenticator = authenticator;
        this.authorizer = authorizer;
    }

    /** Unique within this node; with the node id it names this connection in the cluster. */
    public long serial() {
        return serial;
    }

    public String key() {
        return key;
    }

    public Identity identity() {
        return identity;
    }

    public InetSocketAddress remoteAddress() {
        return remote;
    }

    public Channel channel() {
        return channel;
    }

    public boolean isClosed() {
        return closed;
    }

    /** Topics this connection holds (a copy; safe from any thread). */
    public Set<String> topics() {
        Channel ch = channel;
        if (ch == null || ch.eventLoop().inEventLoop()) {
            return Set.copyOf(topics.keySet());
        }
        try {
            return ch.eventLoop().submit(() -> Set.copyOf(topics.keySet())).get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            return Set.of();
        }
    }

    // ---- channel events ----

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        remote = (InetSocketAddress) channel.remoteAddress();
        if (!hub.admit(this)) {
            closed = true;
            channel.close();
            return;
        }
        ChannelHandlerContext decoder = ctx.pipeline().context(SsmpDecoder.class);
        outbound = decoder != null ? decoder : ctx;
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closed = true;
        queued.clear();
        beforeLogin = null;
        hub.closed(this, closeCause, Map.copyOf(topics));
        topics.clear();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closed) {
            return;
        }
        pingSent = false;
        if (waiting) {
            // Even a malformed request waits its turn: its 400 must not overtake the awaited answer.
            queued.add(msg);
            return;
        }
        handle(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent done && !done.isSuccess()) {
            metrics.closed("tls-handshake");
            closeCause = "tls-handshake";
            ctx.close();
        } else if (evt == LoginDeadline.EXPIRED) {
            closeFor("login-timeout");
        } else if (evt instanceof IdleStateEvent idle && idle.state() == IdleState.READER_IDLE) {
            idle();
        }
        ctx.fireUserEventTriggered(evt);
    }

    /**
     * {@code idle-ping} passed without a request (the pipeline's idle handler says so; any
     * request counts): the server sends {@code 000 . PING}; if another {@code idle-ping} passes
     * without one, the connection is closed.
     */
    private void idle() {
        if (closed) {
            return;
        }
        if (pingSent) {
            closeFor("ping-timeout");
            return;
        }
        pingSent = true;
        metrics.delivered(SsmpVerb.PING.name(), 1);
        send(SsmpLines.PING);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (!ctx.channel().isWritable()) {
            slowConsumer();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof DecoderException && cause.getCause() instanceof SsmpGrammarException) {
            badRequest();
            return;
        }
        if (cause instanceof SsmpGrammarException) {
            badRequest();
            return;
        }
        closeCause = "io-error";
        ctx.close();
    }

    // ---- requests ----

    private void handle(Object msg) {
        if (msg == SsmpDecoder.MALFORMED) {
            badRequest();
            return;
        }
        SsmpRequest request = (SsmpRequest) msg;
        metrics.received(request.verb());
        if (identity == null) {
            if (request.verb() != SsmpVerb.LOGIN) {
                badRequest();
                return;
            }
            login(request);
            return;
        }
        switch (request.verb()) {
            case LOGIN -> reply(SsmpLines.NOT_ALLOWED);
            case CLOSE -> {
                closeCause = "client-close";
                closed = true;
                channel.writeAndFlush(Unpooled.wrappedBuffer(SsmpLines.OK)).addListener(ChannelFutureListener.CLOSE);
            }
            case PING -> {
                metrics.delivered(SsmpVerb.PONG.name(), 1);
                reply(SsmpLines.PONG);
            }
            case PONG -> {
                // Proof of life only: receiving it already reset the idle timer.
            }
            case SUBSCRIBE -> subscribe(request.target(), request.presence());
            case UNSUBSCRIBE -> unsubscribe(request.target());
            case UCAST -> ucast(request.target(), request.payload());
            case MCAST -> mcast(request.target(), request.payload());
            case BCAST -> bcast(request.payload());
            case UNKNOWN -> reply(SsmpLines.NOT_IMPLEMENTED);
        }
    }

    private void login(SsmpRequest request) {
        Identity who = authenticator.authenticate(request, peerCertificate());
        if (who == null) {
            metrics.login(request.scheme(), "refused");
            closeCause = "login-refused";
            closed = true;
            channel.writeAndFlush(Unpooled.wrappedBuffer(authenticator.unauthorizedLine()))
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        // The client has logged in on time: what remains is the server's part, bounded by claim-timeout.
        if (channel.pipeline().get(LoginDeadline.class) != null) {
            channel.pipeline().remove(LoginDeadline.class);
        }
        identity = who;
        // Held back from here: anything sent to the id once the hub knows it waits for the 200.
        beforeLogin = new ArrayDeque<>();
        beforeLoginBytes = 0;
        CompletableFuture<Void> claimed = hub.loggedIn(this);
        if (claimed.isDone() && !claimed.isCompletedExceptionally()) {
            // Nothing to claim (the anonymous id).
            loginSettled(who, null);
            return;
        }
        pause();
        claimed.orTimeout(settings.cluster().claimTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((ok, failure) -> channel.eventLoop().execute(() -> {
                    loginSettled(who, failure);
                    resume();
                }));
    }

    /**
     * Answers the LOGIN once its claim is settled. Recorded: 200, then what was held back meanwhile,
     * in order. Not recorded (Redis failed or did not answer within claim-timeout): the server
     * could not complete the login, so it closes the connection without an answer, as for a
     * login timeout. It does not answer 401: the credentials were good, and a client takes 401
     * as final, whereas a closed connection makes it reconnect with backoff and log in again
     * once Redis is back. Nothing is sent if the connection closed meanwhile (a newer LOGIN with
     * the same id replaced it, for one).
     */
    private void loginSettled(Identity who, Throwable failure) {
        ArrayDeque<byte[]> held = beforeLogin;
        beforeLogin = null;
        beforeLoginBytes = 0;
        if (closed) {
            return;
        }
        if (failure != null) {
            metrics.login(who.scheme(), "claim-failed");
            metrics.closed("claim-failed");
            closeCause = "claim-failed";
            closed = true;
            channel.close();
            return;
        }
        metrics.login(who.scheme(), "ok");
        write(SsmpLines.OK);
        if (held != null) {
            for (byte[] line : held) {
                write(line);
            }
        }
    }

    private X509Certificate peerCertificate() {
        SslHandler ssl = channel.pipeline().get(SslHandler.class);
        if (ssl == null) {
            return null;
        }
        try {
            SSLSession session = ssl.engine().getSession();
            Certificate[] chain = session.getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate x ? x : null;
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }

    private void subscribe(String topic, boolean presence) {
        if (identity.anonymous()) {
            reply(SsmpLines.NOT_ALLOWED);
            return;
        }
        if (topics.containsKey(topic)) {
            reply(SsmpLines.CONFLICT);
            return;
        }
        decide(authorizer.maySubscribe(identity, topic), "subscribe-unauthorized", () -> {
            topics.put(topic, presence);
            // The 200 (and, with PRESENCE, the current subscribers) is sent by the hub once the
            // topic's cluster-wide view is known.
            await(hub.subscribe(this, topic, presence));
        });
    }

    /**
     * Runs {@code allowed} once the authorization {@code decision} says yes, or answers 401. A
     * decision that needs SP pauses request handling until it is known, like {@link #await}.
     */
    private void decide(CompletableFuture<Boolean> decision, String refusal, Runnable allowed) {
        if (decision.isDone() && !decision.isCompletedExceptionally()) {
            settle(decision.getNow(false), refusal, allowed);
            return;
        }
        pause();
        decision.whenComplete((ok, failure) -> channel.eventLoop().execute(() -> {
            waiting = false;
            if (!closed) {
                settle(failure == null && Boolean.TRUE.equals(ok), refusal, allowed);
            }
            if (!waiting) {
                resume();
            }
        }));
    }

    private void settle(boolean ok, String refusal, Runnable allowed) {
        if (ok) {
            allowed.run();
        } else {
            metrics.refused(refusal);
            reply(authenticator.unauthorizedLine());
        }
    }

    /**
     * The user's ACL changed: asks SP again which stores it may use and leaves every store topic
     * it may no longer use, which other subscribers see as UNSUBSCRIBE presence events. If SP
     * cannot say, it asks again after a second, twice; then it leaves every store topic (fail
     * closed). Any thread.
     */
    public void revalidateStores(StoreMembership stores) {
        revalidateStores(stores, 0);
    }

    private void revalidateStores(StoreMembership stores, int attempt) {
        Channel ch = channel;
        ch.eventLoop().execute(() -> {
            if (closed || topics.keySet().stream().noneMatch(StoreMembership::isStoreTopic)) {
                return;
            }
            stores.storesOf(identity.device(), identity.user(), true).whenComplete((allowed, failure) -> ch.eventLoop().execute(() -> {
                if (failure != null && attempt < 2) {
                    ch.eventLoop().schedule(() -> revalidateStores(stores, attempt + 1), 1, TimeUnit.SECONDS);
                    return;
                }
                leaveStoresExcept(failure == null ? allowed : Set.of());
            }));
        });
    }

    private void leaveStoresExcept(Set<String> allowed) {
        if (closed) {
            return;
        }
        for (String topic : List.copyOf(topics.keySet())) {
            if (StoreMembership.isStoreTopic(topic) && !allowed.contains(topic)) {
                topics.remove(topic);
                hub.unsubscribe(this, topic);
                metrics.storeLeft();
            }
        }
    }

    private void unsubscribe(String topic) {
        if (identity.anonymous()) {
            reply(SsmpLines.NOT_ALLOWED);
            return;
        }
        if (topics.remove(topic) == null) {
            reply(SsmpLines.NOT_FOUND);
            return;
        }
        hub.unsubscribe(this, topic);
        reply(SsmpLines.OK);
    }

    private void ucast(String to, byte[] payload) {
        await(hub.ucast(this, to, payload).thenApply(found -> found ? SsmpLines.OK : SsmpLines.NOT_FOUND));
    }

    private void mcast(String topic, byte[] payload) {
        String claimed = StoreMessage.claimedSender(payload);
        if (claimed != null && !identity.trusted() && !claimed.equals(identity.id())) {
            // A device speaks for itself only: "mc <did> ..." and "loc <did> ..." name the sender.
            badRequest("sender-spoofed");
            return;
        }
        decide(authorizer.mayPublish(identity, topic), "publish-unauthorized", () -> {
            hub.mcast(identity.id(), key(), topic, payload);
            reply(SsmpLines.OK);
            if (!throttled && hub.fanOutCongested()) {
                throttle();
            }
        });
    }

    /** Stops reading this publisher until the fan-out backlog has drained. */
    private void throttle() {
        throttled = true;
        metrics.throttled();
        channel.config().setAutoRead(false);
        channel.eventLoop().schedule(this::retryThrottle, 1, TimeUnit.MILLISECONDS);
    }

    private void retryThrottle() {
        if (closed) {
            return;
        }
        if (hub.fanOutCongested()) {
            channel.eventLoop().schedule(this::retryThrottle, 1, TimeUnit.MILLISECONDS);
            return;
        }
        throttled = false;
        if (!waiting) {
            channel.config().setAutoRead(true);
        }
    }

    private void bcast(byte[] payload) {
        if (identity.anonymous()) {
            reply(SsmpLines.NOT_ALLOWED);
            return;
        }
        hub.bcast(this, Set.copyOf(topics.keySet()), payload);
        reply(SsmpLines.OK);
    }

    /**
     * Pauses request handling until {@code answer} completes; the line it yields (if any) is the
     * response. Reading stops meanwhile, so a client cannot queue unbounded requests.
     */
    private void await(CompletionStage<byte[]> answer) {
        CompletableFuture<byte[]> f = answer.toCompletableFuture();
        if (f.isDone() && !f.isCompletedExceptionally() && f.getNow(null) != null) {
            reply(f.getNow(null));
            return;
        }
        pause();
        answer.whenComplete((line, failure) -> channel.eventLoop().execute(() -> {
            if (line != null) {
                reply(line);
            } else if (failure != null) {
                reply(SsmpLines.NOT_FOUND);
            }
            resume();
        }));
    }

    /** Stops handling (and reading) requests until {@link #resume}: later ones queue up in order. */
    private void pause() {
        waiting = true;
        channel.config().setAutoRead(false);
    }

    /** Handles what queued up while paused, until one pauses again, then reads on. */
    private void resume() {
        waiting = false;
        while (!waiting && !closed && !queued.isEmpty()) {
            handle(queued.poll());
        }
        if (!waiting && !closed && !throttled) {
            channel.config().setAutoRead(true);
        }
    }

    // ---- output ----

    private void reply(byte[] line) {
        send(line);
    }

    /** Queues one line for this connection; any thread. Past the outbound bound the connection is cut. */
    public void send(byte[] line) {
        if (closed) {
            return;
        }
        if (channel.eventLoop().inEventLoop()) {
            write(line);
        } else {
            channel.eventLoop().execute(() -> write(line));
        }
    }

    /**
     * Queues one line behind every task already queued for this connection's event loop, even
     * from the loop itself: presence events use it so that their order is the order in which
     * they were queued under the topic's lock.
     */
    public void sendQueued(byte[] line) {
        if (!closed) {
            channel.eventLoop().execute(() -> write(line));
        }
    }

    /**
     * Writes on the event loop; the flush runs after the tasks already queued, so bursts share it.
     * While a LOGIN awaits its claim the line is held back instead, within the same bound as the
     * outbound queue.
     */
    public void write(byte[] line) {
        if (closed) {
            return;
        }
        if (beforeLogin != null) {
            beforeLoginBytes += line.length;
            if (beforeLoginBytes > settings.maxOutboundBytes()) {
                beforeLogin = null;
                slowConsumer();
                return;
            }
            beforeLogin.add(line);
            return;
        }
        if (!channel.isWritable()) {
            slowConsumer();
            return;
        }
        outbound.write(Unpooled.wrappedBuffer(line), channel.voidPromise());
        if (!flushPending) {
            flushPending = true;
            LoopFlusher.current().add(this, channel.eventLoop());
        }
    }

    void flush() {
        flushPending = false;
        outbound.flush();
    }

    private void slowConsumer() {
        if (closed) {
            return;
        }
        metrics.dropped("slow-consumer");
        closeFor("slow-consumer");
    }

    private void badRequest() {
        badRequest("bad-request");
    }

    /** Answers 400 and closes the connection, as every 400 does. */
    private void badRequest(String cause) {
        if (closed) {
            return;
        }
        metrics.refused(cause);
        closeCause = cause;
        closed = true;
        channel.writeAndFlush(Unpooled.wrappedBuffer(SsmpLines.BAD_REQUEST)).addListener(ChannelFutureListener.CLOSE);
    }

    /** Closes the connection (any thread), recording why. */
    public void closeFor(String cause) {
        Channel ch = channel;
        if (ch == null) {
            return;
        }
        if (!ch.eventLoop().inEventLoop()) {
            ch.eventLoop().execute(() -> closeFor(cause));
            return;
        }
        if (closed && !ch.isActive()) {
            return;
        }
        closeCause = cause;
        closed = true;
        metrics.closed(cause);
        ch.close();
    }
}
