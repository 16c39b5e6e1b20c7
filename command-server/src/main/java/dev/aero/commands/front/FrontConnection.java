package dev.aero.commands.front;

import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;

import dev.aero.common.logging.RequestIds;
import dev.aero.common.web.ProblemTypes;

/**
 * One client connection of the {@link ServiceFront}: each request either answered by the lane or
 * relayed to the servlet container over this connection's relay connection, one request at a
 * time. Every field is touched on the connection's event loop only (the relay connection shares
 * it; the lane's completions are brought back to it).
 */
final class FrontConnection extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(FrontConnection.class);

    /** A request and its answer. */
    private static final class Exchange {
        final HttpRequest request;
        final boolean keepAlive;
        final long started = System.nanoTime();
        FastLane.Ticket ticket;
        ByteBuf body;
        boolean relayed;
        boolean read;
        boolean answering;
        boolean answered;
        boolean interim;
        boolean closeAfter;

        Exchange(HttpRequest request) {
            this.request = request;
            this.keepAlive = HttpUtil.isKeepAlive(request);
        }
    }

    private final ServiceFront front;
    private ChannelHandlerContext ctx;
    /** Read while the request before was under way: handled in order once it is answered. */
    private final ArrayDeque<HttpObject> waiting = new ArrayDeque<>();
    private Exchange exchange;
    private Channel relay;
    private boolean relayUp;
    private final ArrayDeque<HttpObject> relayPending = new ArrayDeque<>();
    private boolean relayFull;
    private boolean closing;

    FrontConnection(ServiceFront front) {
        this.front = front;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    // ---- requests in

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpObject o) || closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!waiting.isEmpty() || exchange != null && exchange.read) {
            waiting.add(o);
            updateReading();
            return;
        }
        handle(o);
        updateReading();
    }

    private void handle(HttpObject o) {
        if (exchange == null) {
            if (!(o instanceof HttpRequest request)) {
                ReferenceCountUtil.release(o); // the rest of a request refused already
                return;
            }
            if (!begin(request) || !(o instanceof HttpContent)) {
                return;
            }
        }
        if (o instanceof HttpContent content) {
            content(content);
        } else {
            ReferenceCountUtil.release(o);
        }
    }

    /** Starts the exchange of a request head; false when it was refused (and the connection is closing). */
    private boolean begin(HttpRequest request) {
        if (request.decoderResult().isFailure()) {
            refuse(request.decoderResult().cause());
            ReferenceCountUtil.release(request);
            return false;
        }
        Exchange x = new Exchange(request);
        exchange = x;
        front.begun();
        FastLane.Ticket ticket;
        try {
            ticket = front.lane().admit(request);
        } catch (RuntimeException e) {
            log.warn("the fast lane failed to look at a request; relaying it", e);
            ticket = null;
        }
        if (ticket != null) {
            x.ticket = ticket;
            x.body = ctx.alloc().heapBuffer(ticket.bodyLength(), ticket.bodyLength());
        } else {
            relay(x, request);
        }
        return true;
    }

    private void content(HttpContent content) {
        Exchange x = exchange;
        boolean last = content instanceof LastHttpContent;
        if (x.body != null) {
            ByteBuf in = content.content();
            x.body.writeBytes(in, Math.min(in.readableBytes(), x.body.writableBytes()));
            content.release();
            if (last) {
                x.read = true;
                serve(x);
            } else if (System.nanoTime() - x.started > front.idle().toNanos()) {
                // A body dripped in slower than a connection may idle: the buffer is not kept for it.
                ctx.close();
            }
            return;
        }
        if (x.relayed) {
            // Also after an early answer: the container reads a body to its end before the next request.
            toRelay(content);
        } else {
            content.release();
        }
        if (last) {
            x.read = true;
            finishIfDone();
        }
    }

    // ---- the lane

    private void serve(Exchange x) {
        byte[] body = ByteBufUtil.getBytes(x.body);
        x.body.release();
        x.body = null;
        EventLoop loop = ctx.channel().eventLoop();
        CompletionStage<FastLane.Answer> answer;
        try {
            answer = front.lane().answer(x.ticket, body, loop);
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        answer.whenComplete((a, failure) -> {
            if (loop.inEventLoop()) {
                servedSafely(x, a, failure, body);
            } else {
                loop.execute(() -> servedSafely(x, a, failure, body));
            }
        });
    }

    private void servedSafely(Exchange x, FastLane.Answer answer, Throwable failure, byte[] body) {
        try {
            served(x, answer, failure, body);
        } catch (RuntimeException e) {
            log.error("the front failed to answer a request; closing its connection", e);
            ctx.close();
        }
    }

    private void served(Exchange x, FastLane.Answer answer, Throwable failure, byte[] body) {
        if (x != exchange) {
            return; // the connection closed meanwhile
        }
        if (answer == null) {
            if (failure != null) {
                log.debug("the fast lane gave up on a request; relaying it: {}", failure.toString());
            }
            relay(x, x.request);
            toRelay(new DefaultLastHttpContent(Unpooled.wrappedBuffer(body)));
            return;
        }
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(answer.status()),
                Unpooled.wrappedBuffer(answer.body()));
        HttpHeaders h = response.headers();
        h.set("Content-Type", answer.contentType());
        h.setInt("Content-Length", answer.body().length);
        standardHeaders(h, x.request);
        if (!x.keepAlive) {
            h.set("Connection", "close");
        }
        x.answering = true;
        ChannelFuture written = ctx.writeAndFlush(response);
        front.timer(x.request.method().name(), x.ticket.pattern(), answer.status()).record(System.nanoTime() - x.started, TimeUnit.NANOSECONDS);
        answered(x, written, !x.keepAlive);
    }

    /** What the servlet filters put on every answer: the request id, {@code nosniff}, {@code no-store}; and the date. */
    private static void standardHeaders(HttpHeaders h, HttpRequest request) {
        h.set(RequestIds.HEADER, RequestIds.acceptOrMake(request == null ? null : request.headers().get(RequestIds.HEADER)));
        h.set("X-Content-Type-Options", "nosniff");
        h.set("Cache-Control", "no-store");
        h.set("Date", Dates.now());
    }

    // ---- the relay

    private void relay(Exchange x, HttpRequest request) {
        x.relayed = true;
        x.ticket = null;
        // No protocol switch through the front; the rest of the head goes as it came.
        request.headers().remove(HttpHeaderNames.UPGRADE);
        request.headers().remove("HTTP2-Settings");
        if (relay == null) {
            connectRelay();
        }
        toRelay(request);
    }

    private void toRelay(HttpObject o) {
        if (relay == null) {
            ReferenceCountUtil.release(o);
            return;
        }
        if (!relayUp) {
            relayPending.add(o);
            relayFull = true; // no more reading until the relay connection takes what waits
            return;
        }
        relay.writeAndFlush(o, relay.voidPromise());
        if (!relay.isWritable()) {
            relayFull = true;
            updateReading();
        }
    }

    private void connectRelay() {
        Bootstrap bootstrap = new Bootstrap().group(ctx.channel().eventLoop()).channel(front.clientChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        // Closed before the container would close it (half the client side's idle time).
                        ch.pipeline().addLast(new IdleStateHandler(0, 0, front.idle().toMillis() / 2, TimeUnit.MILLISECONDS),
                                new HttpClientCodec(), new RelayHandler());
                    }
                });
        ChannelFuture connected = bootstrap.connect(front.backend());
        Channel ch = connected.channel();
        relay = ch;
        relayUp = false;
        connected.addListener(f -> {
            if (relay != ch) {
                return;
            }
            if (f.isSuccess()) {
                relayUp = true;
                relayFull = false;
                while (!relayPending.isEmpty() && relay == ch) {
                    toRelay(relayPending.poll());
                }
                updateReading();
            } else {
                log.warn("the servlet container behind the front does not answer on {}: {}", front.backend(), f.cause().toString());
                ch.close();
                relayLost(ch); // never active, so never inactive either
            }
        });
    }

    /** The relay connection's end: the container's answers go to the client. */
    private final class RelayHandler extends ChannelInboundHandlerAdapter {

        @Override
        public void channelRead(ChannelHandlerContext rctx, Object msg) {
            Exchange x = exchange;
            if (x == null || !x.relayed || x.answered || rctx.channel() != relay) {
                ReferenceCountUtil.release(msg); // an answer no request here waits for
                rctx.close();
                return;
            }
            if (msg instanceof HttpResponse r) {
                x.interim = r.status().codeClass() == HttpStatusClass.INFORMATIONAL && r.status().code() != 101;
                x.answering |= !x.interim;
            }
            if (msg instanceof LastHttpContent last) {
                ChannelFuture written = ctx.writeAndFlush(last);
                if (x.interim) {
                    x.interim = false;
                    return;
                }
                answered(x, written, !x.keepAlive || x.closeAfter);
                return;
            }
            if (msg instanceof HttpResponse r && !x.interim && !HttpUtil.isKeepAlive(r)) {
                x.closeAfter = true;
            }
            ctx.write(msg);
            if (!ctx.channel().isWritable()) {
                rctx.channel().config().setAutoRead(false);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext rctx) {
            ctx.flush();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext rctx) {
            if (rctx.channel() == relay && relay.isWritable() && relayFull) {
                relayFull = false;
                updateReading();
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext rctx, Object event) {
            if (event instanceof IdleStateEvent && (exchange == null || !exchange.relayed)) {
                rctx.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext rctx) {
            relayLost(rctx.channel());
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext rctx, Throwable cause) {
            log.debug("relay connection failed: {}", cause.toString());
            rctx.close();
        }
    }

    /** The relay connection closed, or never opened: a request waiting on it gets a problem (or, half answered, a closed connection). */
    private void relayLost(Channel ch) {
        if (ch != relay) {
            return;
        }
        relay = null;
        relayUp = false;
        relayFull = false;
        relayPending.forEach(ReferenceCountUtil::release);
        relayPending.clear();
        Exchange x = exchange;
        if (x != null && x.relayed && !x.answered) {
            if (x.answering) {
                ctx.close(); // an answer cut short: the client must not take it for whole
            } else {
                problem(502, "bad-gateway", "Bad Gateway", "The service could not answer this request; try again.");
            }
        } else {
            updateReading();
        }
    }

    // ---- the end of an exchange

    private void answered(Exchange x, ChannelFuture written, boolean close) {
        x.answered = true;
        if (close) {
            closing = true;
            written.addListener(ChannelFutureListener.CLOSE);
            return;
        }
        finishIfDone();
    }

    private void finishIfDone() {
        Exchange x = exchange;
        if (x == null || !x.read || !x.answered) {
            return;
        }
        exchange = null;
        front.ended();
        // The requests read meanwhile, up to the end of the next one read whole.
        while (!waiting.isEmpty() && !closing && (exchange == null || !exchange.read)) {
            handle(waiting.poll());
        }
        updateReading();
    }

    /** Parts of requests read ahead (pipelined, each at most 8 KiB) that a connection may hold. */
    private static final int MAX_WAITING = 16;

    /** A full relay, a closing connection or as many requests read ahead as it may hold: no more reading until that changes. */
    private void updateReading() {
        // Not paused between one request and the next: that would cost two epoll_ctl calls per
        // request. Pipelined requests wait, read, in `waiting`, up to its bound.
        boolean pause = closing || relayFull || waiting.size() >= MAX_WAITING;
        if (ctx.channel().config().isAutoRead() == pause) {
            ctx.channel().config().setAutoRead(!pause);
        }
    }

    /** A problem answer of the front's own (a head it cannot read, no servlet container behind it), and the connection's end. */
    private void problem(int status, String slug, String title, String detail) {
        byte[] body = ("{\"type\":\"" + ProblemTypes.of(slug) + "\",\"title\":\"" + title + "\",\"status\":" + status + ",\"detail\":\""
                + detail + "\"}").getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
                Unpooled.wrappedBuffer(body));
        HttpHeaders h = response.headers();
        h.set("Content-Type", "application/problem+json");
        h.setInt("Content-Length", body.length);
        h.set("Connection", "close");
        standardHeaders(h, exchange == null ? null : exchange.request);
        closing = true;
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    private void refuse(Throwable cause) {
        if (cause instanceof TooLongHttpLineException) {
            problem(414, "uri-too-long", "URI Too Long", "The request line exceeds " + ServiceFront.MAX_LINE + " bytes.");
        } else if (cause instanceof TooLongHttpHeaderException || cause instanceof TooLongFrameException) {
            problem(431, "headers-too-large", "Request Header Fields Too Large",
                    "The request's header block exceeds " + ServiceFront.MAX_HEADERS + " bytes.");
        } else {
            problem(400, "malformed-request", "Bad Request", "The request is not well-formed HTTP/1.1.");
        }
    }

    // ---- the client connection's own events

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (relay != null) {
            relay.config().setAutoRead(ctx.channel().isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof IdleStateEvent) {
            if (exchange == null) {
                ctx.close();
            }
        } else {
            ctx.fireUserEventTriggered(event);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closing = true;
        waiting.forEach(ReferenceCountUtil::release);
        waiting.clear();
        Exchange x = exchange;
        if (x != null) {
            if (x.body != null) {
                x.body.release();
                x.body = null;
            }
            exchange = null;
            front.ended();
        }
        Channel r = relay;
        relay = null; // so that a relay connection still connecting is not taken for a failed one
        relayUp = false;
        relayPending.forEach(ReferenceCountUtil::release);
        relayPending.clear();
        if (r != null) {
            r.close();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("front connection failed: {}", cause.toString());
        ctx.close();
    }

    /** The {@code Date} header's value, made once a second. */
    private static final class Dates {
        private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US);
        private static volatile long second;
        private static volatile String value;

        static String now() {
            long s = System.currentTimeMillis() / 1000;
            String v = value;
            if (s != second || v == null) {
                v = FORMAT.format(ZonedDateTime.now(ZoneOffset.UTC));
                value = v;
                second = s;
            }
            return v;
        }
    }
}
