package dev.aero.sp.mail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A TLS-speaking SMTP relay for tests, in front of a plain in-process server (GreenMail, which
 * offers neither STARTTLS nor a certificate naming the host). In {@link Mode#STARTTLS} it
 * greets, offers STARTTLS only, refuses every other command with 530 until the client upgrades,
 * and then passes the session on to the plain server; in {@link Mode#IMPLICIT} the connection
 * is TLS from its first byte. It counts completed handshakes and keeps what clients sent after
 * the upgrade, so a test can tell that mail (and a password) crossed encrypted only.
 */
final class TlsRelayFront implements AutoCloseable {

    enum Mode { STARTTLS, IMPLICIT }

    private final Mode mode;
    private final SSLContext server;
    private final int backendPort;
    private final ServerSocket listener;
    private final AtomicInteger handshakes = new AtomicInteger();
    private final AtomicInteger refusedInClear = new AtomicInteger();
    private final ByteArrayOutputStream sentEncrypted = new ByteArrayOutputStream();

    TlsRelayFront(Mode mode, SSLContext server, String bindAddress, int backendPort) throws IOException {
        this.mode = mode;
        this.server = server;
        this.backendPort = backendPort;
        this.listener = new ServerSocket(0, 10, InetAddress.getByName(bindAddress));
        Thread.ofVirtual().name("tls-front").start(this::acceptLoop);
    }

    int port() {
        return listener.getLocalPort();
    }

    /** TLS handshakes that completed. */
    int handshakes() {
        return handshakes.get();
    }

    /** Commands refused because the client had not upgraded with STARTTLS. */
    int refusedInClear() {
        return refusedInClear.get();
    }

    /** What clients sent once encrypted (the SMTP commands, credentials and mails). */
    String sentEncrypted() {
        synchronized (sentEncrypted) {
            return sentEncrypted.toString(StandardCharsets.US_ASCII);
        }
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Thread.ofVirtual().start(() -> serve(client));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        try (client) {
            Socket encrypted = mode == Mode.IMPLICIT ? upgrade(client) : negotiateStarttls(client);
            if (encrypted != null) {
                relay(encrypted);
            }
        } catch (IOException e) {
            // The client gave up (e.g. it did not trust the certificate): nothing to relay.
        }
    }

    /** The plain part of the session, up to STARTTLS; null when the client never upgrades. */
    private Socket negotiateStarttls(Socket client) throws IOException {
        InputStream in = client.getInputStream();
        OutputStream out = client.getOutputStream();
        write(out, "220 front.test ESMTP");
        String line;
        while ((line = readLine(in)) != null) {
            String command = line.toUpperCase();
            if (command.startsWith("EHLO")) {
                write(out, "250-front.test\r\n250-STARTTLS\r\n250 8BITMIME");
            } else if (command.startsWith("HELO") || command.startsWith("NOOP")) {
                write(out, "250 front.test");
            } else if (command.startsWith("STARTTLS")) {
                write(out, "220 2.0.0 Ready to start TLS");
                return upgrade(client);
            } else if (command.startsWith("QUIT")) {
                write(out, "221 2.0.0 Bye");
                return null;
            } else {
                refusedInClear.incrementAndGet();
                write(out, "530 5.7.0 Must issue a STARTTLS command first");
            }
        }
        return null;
    }

    private SSLSocket upgrade(Socket client) throws IOException {
        SSLSocket tls = (SSLSocket) server.getSocketFactory().createSocket(client, null, client.getPort(), false);
        tls.setUseClientMode(false);
        tls.startHandshake();
        handshakes.incrementAndGet();
        return tls;
    }

    /** Passes the encrypted session to the plain server, both ways, skipping the server's second greeting after STARTTLS. */
    private void relay(Socket encrypted) throws IOException {
        try (Socket backend = new Socket(InetAddress.getLoopbackAddress(), backendPort)) {
            InputStream fromBackend = backend.getInputStream();
            if (mode == Mode.STARTTLS) {
                readLine(fromBackend); // the client was greeted already; it sends EHLO again now
            }
            Thread upstream = Thread.ofVirtual().start(() -> pump(encrypted, backend, true));
            pump(backend, encrypted, false);
            upstream.interrupt();
        }
    }

    private void pump(Socket from, Socket to, boolean record) {
        byte[] buffer = new byte[8192];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buffer)) > 0) {
                if (record) {
                    synchronized (sentEncrypted) {
                        sentEncrypted.write(buffer, 0, n);
                    }
                }
                out.write(buffer, 0, n);
                out.flush();
            }
            to.shutdownOutput();
        } catch (IOException | UnsupportedOperationException e) {
            // One side closed: the other follows.
        }
    }

    /** One CRLF-terminated line, read byte by byte so that nothing after it (a TLS handshake) is consumed. */
    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                return line.toString().strip();
            }
            line.append((char) c);
        }
        return line.isEmpty() ? null : line.toString();
    }

    private static void write(OutputStream out, String reply) throws IOException {
        out.write((reply + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }
}
