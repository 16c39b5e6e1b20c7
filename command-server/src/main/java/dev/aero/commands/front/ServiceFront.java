package dev.aero.commands.front;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
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
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger underWay = new AtomicInteger();

    private volatile EventLoopGroup group;
    private volatile Channel server;
    private volatile InetSocketAddress backend;
    private volatile boolean epoll;

    /**
     * @param threads        event loop threads
     * @param idle           how long a connection with no request under way stays open
     * @param maxConnections connections beyond this are closed as they come
     */
    public ServiceFront(FastLane lane, int threads, Duration idle, int maxConnections, MeterRegistry meters) {
        this.lane = lane;
        this.threads = threads;
        this.idle = idle;
        this.maxConnections = maxConnections;
        this.meters = meters;
    }

    /** Listens on {@code listen} (port 0: any free port) and relays to {@code backend}; returns the port. */
    public synchronized int start(InetSocketAddress listen, InetSocketAddress backend) throws InterruptedException {
        if (server != null) {
            throw new IllegalStateException("the front is started already");
        }
        this.backend = backend;
        epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        group = new MultiThreadIoEventLoopGroup(threads, io);
        ServerBootstrap bootstrap = new ServerBootstrap().group(group)
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
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            group = null;
            throw e;
        }
        int port = ((InetSocketAddress) server.localAddress()).getPort();
        log.info("service port {} served by the event-loop front ({} thread(s), {}), relaying to the servlet container on {}", port,
                threads, epoll ? "epoll" : "NIO", backend);
        return port;
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
        return epoll ? EpollSocketChannel.class : NioSocketChannel.class;
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
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        server = null;
        group = null;
    }
}
