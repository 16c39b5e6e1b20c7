package dev.aero.commands.front;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Transports;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.EventExecutor;

/**
 * The service port's front: an HTTP/1.1 server on Netty event loops that answers the requests
 * of a {@link FastLane} itself and relays every other request, unchanged, to the servlet
 * container listening on a loopback port behind it (one kept connection to it per client
 * connection, on the same event loop). The hot path of the service API thereby costs no thread
 * hand-off of a servlet container and no thread parked on Redis (docs/command-server.md#capacity).
 *
 * <p>Each connection serves one request at a time, in order (pipelined requests wait, read but
 * not answered, until the one before is answered). A request head the decoder cannot read (a line
 * or a header block over 8 KiB, a malformed head) is answered with a problem and the connection
 * closed. A connection idle for {@code idle} with no request under way is closed; so is a relay
 * connection, after half of that, so that the container never closes one that a request is about
 * to use.
 */
public final class ServiceFront implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ServiceFront.class);
    static final int MAX_LINE = 8192;
    static final int MAX_HEADERS = 8192;

    private final FastLane lane;
    private final int threads;
    private final Duration idle;
    private final int maxConnections;
    private final MeterRegistry meters;
    private final ClientResources redis;
    private final Supplier<? extends CompletionStage<?>> redisCall;
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger underWay = new AtomicInteger();

    private volatile EventLoopGroup group;
    private volatile Channel server;
    private volatile InetSocketAddress backend;
    private volatile Class<? extends Channel> clientChannel;

    /**
     * @param threads        event loop threads of its own, when it does not share Redis's
     * @param idle           how long a connection with no request under way stays open
     * @param maxConnections connections beyond this are closed as they come
     * @param redis          Lettuce's resources, whose event loops it shares (null: loops of its own)
     * @param redisCall      a call on the Redis connection the lane uses: the loop its answer arrives on
     *                       serves every client connection, so that a request, its Redis call and its
     *                       answer stay on one thread, with no hand-off to another and back
     */
    public ServiceFront(FastLane lane, int threads, Duration idle, int maxConnections, MeterRegistry meters, ClientResources redis,
            Supplier<? extends CompletionStage<?>> redisCall) {
        this.lane = lane;
        this.threads = threads;
        this.idle = idle;
        this.maxConnections = maxConnections;
        this.meters = meters;
        this.redis = redis;
        this.redisCall = redisCall;
    }

    /** Listens on {@code listen} (port 0: any free port) and relays to {@code backend}; returns the port. */
    public synchronized int start(InetSocketAddress listen, InetSocketAddress backend) throws InterruptedException {
        if (server != null) {
            throw new IllegalStateException("the front is started already");
        }
        this.backend = backend;
        boolean epoll;
        if (redis != null) {
            group = redis.eventLoopGroupProvider().allocate(Transports.eventLoopGroupClass());
            clientChannel = Transports.socketChannelClass();
            epoll = EpollSocketChannel.class.isAssignableFrom(clientChannel);
        } else {
            epoll = Epoll.isAvailable();
            IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
            group = new MultiThreadIoEventLoopGroup(threads, io);
            clientChannel = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
        }
        EventLoopGroup children = home();
        ServerBootstrap bootstrap = new ServerBootstrap().group(group, children)
                .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (connections.incrementAndGet() > maxConnections) {
                            connections.decrementAndGet();
                            ch.close();
                            return;
                        }
                        ch.closeFuture().addListener(f -> connections.decrementAndGet());
                        ch.pipeline().addLast(new IdleStateHandler(0, 0, idle.toMillis(), TimeUnit.MILLISECONDS),
                                new HttpServerCodec(new HttpDecoderConfig().setMaxInitialLineLength(MAX_LINE).setMaxHeaderSize(MAX_HEADERS)),
                                new FrontConnection(ServiceFront.this));
                    }
                });
        try {
            server = bootstrap.bind(listen).sync().channel();
        } catch (RuntimeException | InterruptedException e) {
            releaseGroup();
            throw e;
        }
        int port = ((InetSocketAddress) server.localAddress()).getPort();
        log.info("service port {} served by the event-loop front ({}, {}), relaying to the servlet container on {}", port,
                children instanceof EventLoop ? "on the event loop of its Redis connection"
                        : redis != null ? "on Redis's " + redis.ioThreadPoolSize() + " event loops" : threads + " event loop(s) of its own",
                epoll ? "epoll" : "NIO", backend);
        return port;
    }

    /** The loop Redis answers the lane on, when it is one of the front's; else every loop of the group. */
    private EventLoopGroup home() {
        if (redis == null || redisCall == null) {
            return group;
        }
        CompletableFuture<EventLoopGroup> found = new CompletableFuture<>();
        try {
            redisCall.get().whenComplete((answer, failure) -> {
                for (EventExecutor loop : group) {
                    if (loop.inEventLoop() && loop instanceof EventLoop l) {
                        found.complete(l);
                        return;
                    }
                }
                found.complete(group);
            });
            return found.get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            log.warn("could not tell which event loop Redis answers on ({}); the front uses them all", e.toString());
            return group;
        }
    }

    /** The port it listens on; -1 before {@link #start}. */
    public int port() {
        Channel s = server;
        return s == null ? -1 : ((InetSocketAddress) s.localAddress()).getPort();
    }

    FastLane lane() {
        return lane;
    }

    InetSocketAddress backend() {
        return backend;
    }

    Class<? extends Channel> clientChannel() {
        return clientChannel;
    }

    Duration idle() {
        return idle;
    }

    void begun() {
        underWay.incrementAndGet();
    }

    void ended() {
        if (underWay.decrementAndGet() == 0) {
            synchronized (underWay) {
                underWay.notifyAll();
            }
        }
    }

    /** The {@code http.server.requests} timer of the lane's answers, tagged as the servlet container's observation tags them. */
    Timer timer(String method, String pattern, int status) {
        return timers.computeIfAbsent(method + ' ' + status + ' ' + pattern, k -> Timer.builder("http.server.requests")
                .tag("error", "none").tag("exception", "none").tag("method", method)
                .tag("outcome", status < 400 ? "SUCCESS" : "CLIENT_ERROR").tag("status", Integer.toString(status)).tag("uri", pattern)
                .register(meters));
    }

    private final Map<String, Timer> timers = new ConcurrentHashMap<>();

    // ---- lifecycle: it stops before the servlet container's graceful shutdown, and lets the requests under way end

    @Override
    public void start() {
        // Started by the web server's initialization (FrontConfiguration), once its backend's port is known.
    }

    @Override
    public boolean isRunning() {
        return server != null;
    }

    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE;
    }

    @Override
    public synchronized void stop() {
        Channel s = server;
        if (s == null) {
            return;
        }
        s.close().awaitUninterruptibly();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        synchronized (underWay) {
            long left;
            while (underWay.get() > 0 && (left = deadline - System.nanoTime()) > 0) {
                try {
                    TimeUnit.NANOSECONDS.timedWait(underWay, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        releaseGroup();
        server = null;
    }

    private void releaseGroup() {
        EventLoopGroup g = group;
        group = null;
        if (g == null) {
            return;
        }
        if (redis != null) {
            redis.eventLoopGroupProvider().release(g, 0, 2, TimeUnit.SECONDS); // Lettuce's: it shuts them down with its client
        } else {
            g.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        }
    }
}
