package dev.aero.zephyr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import dev.aero.client.zephyr.ZephyrClient;
import dev.aero.common.zephyr.ZephyrWire;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** A relay started in-process on a free loopback port with the settings a test needs. */
final class RelayFixture implements AutoCloseable {

    static final Duration TIMEOUT = Duration.ofSeconds(10);

    final ZephyrRelayServer server;
    final RelayMetrics metrics;
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private RelayFixture(ZephyrProperties settings) {
        metrics = new RelayMetrics(registry);
        server = new ZephyrRelayServer(settings, metrics);
        server.start();
    }

    /** Settings as the application would bind them, with {@code overrides} ("bind-deadline" -> "1s"). */
    static RelayFixture start(String... overrides) {
        Map<String, String> properties = new HashMap<>();
        properties.put("aero.zephyr.host", "127.0.0.1");
        properties.put("aero.zephyr.port", "0");
        for (int i = 0; i < overrides.length; i += 2) {
            properties.put("aero.zephyr." + overrides[i], overrides[i + 1]);
        }
        ZephyrProperties settings = new Binder(new MapConfigurationPropertySource(properties))
                .bindOrCreate("aero.zephyr", ZephyrProperties.class);
        return new RelayFixture(settings);
    }

    InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", server.port());
    }

    ZephyrClient client() throws IOException {
        return ZephyrClient.connect(address(), TIMEOUT);
    }

    /** Two clients bound to each other; returns their streams. */
    Socket[] pair() throws IOException {
        ZephyrClient a = client();
        ZephyrClient b = client();
        Socket sa = a.bind(b.zid());
        Socket sb = b.bind(a.zid());
        sa.setSoTimeout((int) TIMEOUT.toMillis());
        sb.setSoTimeout((int) TIMEOUT.toMillis());
        return new Socket[] { sa, sb };
    }

    /** A raw socket that has read its REGISTER; returns the zid through {@code zidOut[0]}. */
    Socket raw(int[] zidOut) throws IOException {
        Socket socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(address(), (int) TIMEOUT.toMillis());
        socket.setSoTimeout((int) TIMEOUT.toMillis());
        byte[] register = socket.getInputStream().readNBytes(ZephyrWire.MESSAGE_SIZE);
        assertThat(register).hasSize(ZephyrWire.MESSAGE_SIZE);
        assertThat(ZephyrWire.check(register, register.length)).isNull();
        if (zidOut != null) {
            zidOut[0] = ZephyrWire.zidOf(register);
        }
        return socket;
    }

    long count(CloseCause cause) {
        return metrics.counts(cause.isRefusal()).get(cause.tag());
    }

    /** Waits until the metric for {@code cause} reaches {@code expected}. */
    void awaitCount(CloseCause cause, long expected) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (count(cause) < expected && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(count(cause)).as(cause.tag() + " (closed " + metrics.counts(false) + ", refused " + metrics.counts(true) + ")").isEqualTo(expected);
    }

    /** Asserts the relay closes {@code socket} (end of stream or reset) within {@code within}. */
    static void assertClosedByRelay(Socket socket, Duration within) throws IOException {
        socket.setSoTimeout((int) within.toMillis());
        InputStream in = socket.getInputStream();
        long deadline = System.nanoTime() + within.toNanos();
        try {
            while (System.nanoTime() < deadline) {
                if (in.read() < 0) {
                    return;
                }
            }
        } catch (SocketTimeoutException e) {
            fail("relay did not close the connection within " + within);
        } catch (SocketException e) {
            return;
        }
        fail("relay did not close the connection within " + within);
    }

    /** Asserts {@code socket} stays open and silent for {@code duration}. */
    static void assertStillOpen(Socket socket, Duration duration) throws IOException {
        socket.setSoTimeout((int) duration.toMillis());
        try {
            int b = socket.getInputStream().read();
            fail("expected silence, got " + (b < 0 ? "end of stream" : "a byte"));
        } catch (SocketTimeoutException expected) {
            // open and silent
        }
    }

    @Override
    public void close() {
        server.stop();
    }
}
