package dev.aero.zephyr;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
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
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.channel.AdaptiveRecvByteBufAllocator;

/**
 * The relay's TCP listener: a Netty server (native epoll on Linux, NIO elsewhere) whose child
 * pipeline is a single {@link RelayConnection}. Started and stopped with the application.
 */
public final class ZephyrRelayServer implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ZephyrRelayServer.class);
    private static final int MIN_READ = 2048;
    private static final int INITIAL_READ = 16384;

    private final ZephyrProperties settings;
    private final RelayContext context;
    private EventLoopGroup group;
    private Channel listener;
    private ChannelGroup children;
    private volatile boolean running;
    private String transportName;

    ZephyrRelayServer(ZephyrProperties settings, RelayMetrics metrics) {
        this.settings = settings;
        this.context = new RelayContext(settings, new ZidRegistry(), metrics, new FdReserve(settings.fdReserve()),
                settings.globalBytesPerSecond() > 0 ? new ByteRateLimiter(settings.globalBytesPerSecond()) : null);
    }

    @Override
    public synchronized void start() {
        boolean epoll = switch (settings.transport()) {
            case "epoll" -> {
                Epoll.ensureAvailability();
                yield true;
            }
            case "nio" -> false;
            default -> Epoll.isAvailable();
        };
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        transportName = epoll ? "epoll" : "nio";
        group = new MultiThreadIoEventLoopGroup(settings.ioThreads(), io);
        children = new DefaultChannelGroup("zephyr-connections", GlobalEventExecutor.INSTANCE);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(channelType)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .handler(new AcceptFailureHandler())
                // Pooled: Netty 4.2's default allocator does not pool buffers the size of a relay
                // read, and allocating and zeroing one per read halves throughput.
                .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.RCVBUF_ALLOCATOR,
                        new AdaptiveRecvByteBufAllocator(MIN_READ, INITIAL_READ, settings.maxReadBytes()))
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(settings.writeBufferHighWaterMark() / 2, settings.writeBufferHighWaterMark()))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        children.add(ch);
                        ch.pipeline().addLast(new RelayConnection(context));
                    }
                });
        listener = bootstrap.bind(new InetSocketAddress(settings.host(), settings.port())).syncUninterruptibly().channel();
        group.next().scheduleAtFixedRate(this::everySecond, 1, 1, TimeUnit.SECONDS);
        running = true;
        log.info("zephyr relay listening on {} ({})", listener.localAddress(), transportName);
    }

    private void everySecond() {
        context.metrics().sampleRate();
        if (context.fdReserve().exhausted()) {
            context.fdReserve().tryRecover();
        }
    }

    @Override
    public synchronized void stop() {
        if (!running) {
            return;
        }
        running = false;
        listener.close().syncUninterruptibly();
        children.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        context.fdReserve().close();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** The bound relay port (useful when configured as 0). */
    public int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    String transport() {
        return transportName;
    }

    RelayContext context() {
        return context;
    }

    /**
     * Accept errors land here. Out of descriptors, the reserve is let go so that waiting
     * connections can be accepted and refused; accepting pauses briefly so that the failure
     * does not spin.
     */
    @ChannelHandler.Sharable
    private final class AcceptFailureHandler extends ChannelInboundHandlerAdapter {

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (FdReserve.isFdExhaustion(cause)) {
                context.fdReserve().onExhausted();
            } else {
                log.warn("accept failed", cause);
            }
            ctx.channel().config().setAutoRead(false);
            ctx.channel().eventLoop().schedule(() -> ctx.channel().config().setAutoRead(true), 50, TimeUnit.MILLISECONDS);
        }
    }
}
