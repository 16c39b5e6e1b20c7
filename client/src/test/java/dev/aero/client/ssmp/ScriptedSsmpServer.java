package dev.aero.client.ssmp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;

/**
 * A stand-in SSMP server whose every line the test writes by hand: it accepts connections and
 * hands each one to the test as a {@link Peer}, with the time it was accepted.
 */
final class ScriptedSsmpServer implements Closeable {

    private static final int READ_TIMEOUT_MILLIS = 5000;

    private final ServerSocket server;
    private final BlockingQueue<Peer> accepted = new LinkedBlockingQueue<>();
    private final Thread acceptor;

    private ScriptedSsmpServer(ServerSocket server) {
        this.server = server;
        this.acceptor = Thread.ofVirtual().name("scripted-ssmp-acceptor").start(this::acceptAll);
    }

    /** Plain TCP on the loopback address. */
    static ScriptedSsmpServer plain() throws IOException {
        return new ScriptedSsmpServer(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
    }

    /** TLS on every local address (so "localhost" and 127.0.0.2 reach it), requiring a client certificate. */
    static ScriptedSsmpServer tls(SSLContext context) throws IOException {
        SSLServerSocket server = (SSLServerSocket) context.getServerSocketFactory().createServerSocket(0);
        server.setNeedClientAuth(true);
        return new ScriptedSsmpServer(server);
    }

    int port() {
        return server.getLocalPort();
    }

    /** The next connection, waiting up to 5 s for it. */
    Peer accept() throws InterruptedException {
        Peer peer = accepted.poll(5, TimeUnit.SECONDS);
        assertThat(peer).as("a connection from the client").isNotNull();
        return peer;
    }

    /** The next connection if one comes within {@code wait}, else null. */
    Peer acceptWithin(Duration wait) throws InterruptedException {
        return accepted.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void acceptAll() {
        try {
            while (true) {
                Socket socket = server.accept();
                long acceptedNanos = System.nanoTime();
                socket.setSoTimeout(READ_TIMEOUT_MILLIS);
                accepted.add(new Peer(socket, acceptedNanos));
            }
        } catch (IOException e) {
            // The server socket was closed: the test is over.
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        // A socket closed while a thread is blocked in accept() is only marked closed; the
        // listening socket goes away when that thread returns, and until then the kernel still
        // completes handshakes on the port. Wait for it, so "closed" means refused.
        try {
            if (!acceptor.join(Duration.ofSeconds(5))) {
                throw new IOException("the acceptor did not stop");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        for (Peer peer; (peer = accepted.poll()) != null; ) {
            peer.close();
        }
    }

    /** One connection from the client, seen from the server's side. */
    static final class Peer implements Closeable {
        final Socket socket;
        final long acceptedNanos;
        private final InputStream in;

        Peer(Socket socket, long acceptedNanos) throws IOException {
            this.socket = socket;
            this.acceptedNanos = acceptedNanos;
            this.in = socket.getInputStream();
        }

        /** The next request line, without its LF (requests in these tests carry no LF in payloads). */
        String readLine() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int b = in.read(); b != '\n'; b = in.read()) {
                if (b < 0) {
                    throw new IOException("the client closed the connection after " + line);
                }
                line.write(b);
            }
            return line.toString(StandardCharsets.ISO_8859_1);
        }

        byte[] readBytes(int count) throws IOException {
            return in.readNBytes(count);
        }

        /** Reads the client's LOGIN, checks it, and answers 200. */
        Peer login(String expectedLogin) throws IOException {
            assertThat(readLine()).isEqualTo(expectedLogin);
            send("200\n");
            return this;
        }

        void send(String text) throws IOException {
            send(text.getBytes(StandardCharsets.ISO_8859_1));
        }

        void send(byte[] bytes) throws IOException {
            socket.getOutputStream().write(bytes);
            socket.getOutputStream().flush();
        }

        /** True if the client closed its end: the next read sees end of stream. */
        boolean clientClosed() throws IOException {
            try {
                return in.read() < 0;
            } catch (SocketTimeoutException e) {
                return false;
            } catch (IOException e) {
                return true;
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
