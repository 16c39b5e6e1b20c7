package dev.aero.verkehr.connection;

import dev.aero.verkehr.delivery.Hub;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.handler.ssl.SslProvider;

import dev.aero.common.concurrent.Retry;
import dev.aero.common.tls.ServiceCertificateEnrollment;
import dev.aero.common.tls.ServiceCertificateEnrollment.KeyMaterial;
import dev.aero.common.tls.TlsPolicy;
import dev.aero.verkehr.VerkehrProperties;
import dev.aero.common.tls.RevocationFollower;

/**
 * The SSMP-over-TLS listener. At start it joins the cluster, then obtains its key material (from
 * files, or by enrolling with SP, retrying until SP answers) and binds; enrolled certificates are
 * renewed before they expire. Connections use BoringSSL when its native library loads, else the
 * JDK's TLS.
 *
 * <p>Pipeline per connection: TLS, request decoder, {@link Session} (which keeps its own login
 * and idle timers).
 */
public final class SsmpServer implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(SsmpServer.class);
    public static final String SERVICE_NAME = "verkehr-push";

    private final VerkehrProperties settings;
    private final Hub hub;
    private final RevocationFollower revocations;
    private final HttpClient http;
    private volatile SslContext sslContext;
    private volatile KeyMaterial material;
    private EventLoopGroup group;
    private volatile Channel listener;
    private volatile boolean running;
    private Thread starter;

    public SsmpServer(VerkehrProperties settings, Hub hub, RevocationFollower revocations, HttpClient http) {
        this.settings = settings;
        this.hub = hub;
        this.revocations = revocations;
        this.http = http;
    }

    public static URI crlUrl(VerkehrProperties settings) {
        String configured = settings.tls().crlUrl();
        return configured.isEmpty() ? settings.spUrl().resolve("/api/v1/ca/crl") : URI.create(configured);
    }

    @Override
    public synchronized void start() {
        running = true;
        hub.start();
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        int threads = settings.ioThreads() > 0 ? settings.ioThreads() : Runtime.getRuntime().availableProcessors();
        group = new MultiThreadIoEventLoopGroup(threads, io);
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        starter = Thread.ofPlatform().daemon().name("verkehr-tls-setup").start(() -> obtainAndBind(channelType));
    }

    /** Retries key material until it is there (SP may still be starting), then listens. */
    private void obtainAndBind(Class<? extends ServerChannel> channelType) {
        boolean installed = Retry.untilDone(Duration.ofMillis(500), Duration.ofSeconds(10), () -> !running,
                () -> install(obtainMaterial()), (e, next) -> {
                    log.warn("no TLS key material yet ({}); retrying in {} ms", e.toString(), next);
                    log.debug("TLS key material failure", e);
                });
        // Stopped, or interrupted while waiting for SP: there is nothing to listen with.
        if (!installed || !running) {
            return;
        }
        revocations.refresh(hub::closeRevoked);
        long refresh = settings.tls().crlRefresh().toMillis();
        group.next().scheduleWithFixedDelay(() -> revocations.refresh(hub::closeRevoked), refresh, refresh, TimeUnit.MILLISECONDS);
        if (settings.tls().enrolls()) {
            group.next().scheduleWithFixedDelay(this::renewIfDue, 1, 1, TimeUnit.HOURS);
        }
        int high = settings.maxOutboundBytes();
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(channelType)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(high / 2, high))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        SslHandler ssl = sslContext.newHandler(ch.alloc());
                        ssl.setHandshakeTimeout(settings.tls().handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS);
                        // One job each: TLS, framing, the login deadline, idle detection (any
                        // request counts), then the session's protocol state machine.
                        ch.pipeline().addLast("tls", ssl)
                                .addLast("decoder", new SsmpDecoder())
                                .addLast("login-deadline", new LoginDeadline(settings.loginTimeout()))
                                .addLast("idle", new IdleStateHandler(settings.idlePing().toNanos(), 0, 0, TimeUnit.NANOSECONDS))
                                .addLast("session", hub.newSession());
                    }
                });
        try {
            listener = bootstrap.bind(new InetSocketAddress(settings.host(), settings.port())).syncUninterruptibly().channel();
            log.info("SSMP listening on {} (TLS by {}, node {})", listener.localAddress(),
                    OpenSsl.isAvailable() ? "BoringSSL" : "the JDK", hub.cluster().nodeId());
        } catch (RuntimeException e) {
            log.error("cannot listen on {}:{}", settings.host(), settings.port(), e);
        }
    }

    /** Configured files, or enrollment with SP's CA. */
    private KeyMaterial obtainMaterial() throws java.io.IOException, java.security.GeneralSecurityException {
        VerkehrProperties.Tls tls = settings.tls();
        return ServiceCertificateEnrollment.obtain(http, settings.spUrl(), SERVICE_NAME, settings.deploymentSecret(),
                tls.hostnames(), name(tls.certificateFile()), name(tls.privateKeyFile()), name(tls.caCertificateFile()));
    }

    /** An empty setting (as an unset environment variable gives) binds as null. */
    private static String name(java.nio.file.Path file) {
        return file == null ? "" : file.toString();
    }

    private void install(KeyMaterial m) throws javax.net.ssl.SSLException {
        SslContext context = SslContextBuilder.forServer(m.key(), m.chain())
                .sslProvider(OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK)
                .trustManager(m.ca())
                .clientAuth(ClientAuth.OPTIONAL)
                .protocols(TlsPolicy.PROTOCOLS)
                .ciphers(TlsPolicy.CIPHERS)
                .build();
        revocations.trust(m.ca());
        material = m;
        sslContext = context;
    }

    private void renewIfDue() {
        KeyMaterial m = material;
        if (m == null || Instant.now().plus(settings.tls().renewBefore()).isBefore(m.notAfter())) {
            return;
        }
        try {
            install(obtainMaterial());
            log.info("renewed the server certificate; it is valid until {}", material.notAfter());
        } catch (Exception e) {
            log.warn("certificate renewal failed, will retry: {}", e.getMessage());
        }
    }

    /** Whether the listener is bound. */
    public boolean listening() {
        return listener != null && listener.isActive();
    }

    public int port() {
        Channel l = listener;
        return l == null ? -1 : ((InetSocketAddress) l.localAddress()).getPort();
    }

    public KeyMaterial material() {
        return material;
    }

    /** Waits for the listener (tests, and the health check at start). */
    public boolean awaitListening(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!listening() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return listening();
    }

    @Override
    public synchronized void stop() {
        if (!running) {
            return;
        }
        running = false;
        if (starter != null) {
            starter.interrupt();
        }
        if (listener != null) {
            listener.close().syncUninterruptibly();
        }
        for (Session s : hub.sessions()) {
            s.closeFor("shutdown");
        }
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        hub.cluster().close();
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
