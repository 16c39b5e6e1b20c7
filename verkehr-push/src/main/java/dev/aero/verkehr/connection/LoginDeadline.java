package dev.aero.verkehr.connection;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * The login deadline: a connection that has not logged in within {@code login-timeout} of its
 * accept is told so by the user event {@link #EXPIRED}, which the session answers by closing it
 * without a response. The session removes this handler from the pipeline when it accepts a
 * LOGIN, which cancels the deadline.
 */
final class LoginDeadline extends ChannelInboundHandlerAdapter {

    /** User event: the deadline passed without a LOGIN. */
    static final Object EXPIRED = new Object();

    private final long millis;
    private ScheduledFuture<?> timer;

    LoginDeadline(Duration timeout) {
        this.millis = timeout.toMillis();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        timer = ctx.executor().schedule(() -> ctx.fireUserEventTriggered(EXPIRED), millis, TimeUnit.MILLISECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancel();
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
        }
    }
}
