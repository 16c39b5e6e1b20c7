package dev.aero.client.zephyr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.aero.common.zephyr.ZephyrWire;

/** The client against scripted relays: well-behaved, silent, hostile. */
class ZephyrClientTest {

    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private ServerSocket server;

    @AfterEach
    void stop() throws IOException {
        threads.shutdownNow();
        if (server != null) {
            server.close();
        }
    }

    private InetSocketAddress relayThat(Consumer<Socket> script) throws IOException {
        server = new ServerSocket(0);
        threads.submit(() -> {
            try (Socket s = server.accept()) {
                script.accept(s);
            }
            return null;
        });
        return new InetSocketAddress("127.0.0.1", server.getLocalPort());
    }

    @Test
    void readsItsZidAndSendsBindForThePeer() throws Exception {
        CompletableFuture<byte[]> bindSeen = new CompletableFuture<>();
        server = new ServerSocket(0);
        threads.submit(() -> {
            try (Socket s = server.accept()) {
                s.getOutputStream().write(ZephyrWire.message(4242));
                bindSeen.complete(s.getInputStream().readNBytes(12));
                s.getOutputStream().write("hello".getBytes());
                s.getInputStream().read();
            }
            return null;
        });
        try (ZephyrClient client = ZephyrClient.connect(new InetSocketAddress("127.0.0.1", server.getLocalPort()), Duration.ofSeconds(5))) {
            assertThat(client.zid()).isEqualTo(4242);
            Socket stream = client.bind(77);
            assertThat(bindSeen.get(5, TimeUnit.SECONDS)).isEqualTo(ZephyrWire.message(77));
            assertThat(stream.getInputStream().readNBytes(5)).isEqualTo("hello".getBytes());
            assertThat(stream.getTcpNoDelay()).isTrue();
            assertThatThrownBy(() -> client.bind(78)).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void somethingOtherThanRegisterIsAProtocolError() throws Exception {
        InetSocketAddress relay = relayThat(s -> write(s, "HTTP/1.1 400 Bad Request\r\n".getBytes()));
        assertThatThrownBy(() -> ZephyrClient.connect(relay, Duration.ofSeconds(5)))
                .isInstanceOf(ZephyrProtocolException.class).hasMessageContaining("BAD_MAGIC");
    }

    @Test
    void aWrongLengthIsAProtocolError() throws Exception {
        byte[] register = ZephyrWire.message(1);
        register[7] = 5;
        InetSocketAddress relay = relayThat(s -> write(s, register));
        assertThatThrownBy(() -> ZephyrClient.connect(relay, Duration.ofSeconds(5)))
                .isInstanceOf(ZephyrProtocolException.class).hasMessageContaining("BAD_LENGTH");
    }

    @Test
    void aRelayThatClosesEarlyIsAnEndOfStream() throws Exception {
        InetSocketAddress relay = relayThat(s -> write(s, new byte[] { (byte) 0x82, (byte) 0x96 }));
        assertThatThrownBy(() -> ZephyrClient.connect(relay, Duration.ofSeconds(5)))
                .isInstanceOf(EOFException.class).hasMessageContaining("2 of 12");
    }

    @Test
    void aSilentRelayTimesOut() throws Exception {
        InetSocketAddress relay = relayThat(s -> sleep(3000));
        assertThatThrownBy(() -> ZephyrClient.connect(relay, Duration.ofMillis(300)))
                .isInstanceOf(SocketTimeoutException.class).hasMessageContaining("REGISTER");
    }

    @Test
    void aNegativePeerZidIsRejectedBeforeSending() throws Exception {
        InetSocketAddress relay = relayThat(s -> {
            write(s, ZephyrWire.message(1));
            sleep(1000);
        });
        try (ZephyrClient client = ZephyrClient.connect(relay, Duration.ofSeconds(5))) {
            assertThatThrownBy(() -> client.bind(-5)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    private static void write(Socket s, byte[] bytes) {
        try {
            s.getOutputStream().write(bytes);
            s.getOutputStream().flush();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
