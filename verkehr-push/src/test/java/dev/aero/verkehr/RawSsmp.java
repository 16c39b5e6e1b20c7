package dev.aero.verkehr;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A byte-exact SSMP test client over TLS: sends what the test writes, reads lines as the server
 * sends them (binary payloads, LF included, are read by their length), and tells a closed
 * connection from a silent one.
 */
final class RawSsmp implements AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(5);

    private final SSLSocket socket;
    private final InputStream in;
    private final OutputStream out;

    RawSsmp(SSLContext context, int port) throws IOException {
        this(context, "127.0.0.1", port);
    }

    RawSsmp(SSLContext context, String localAddress, int port) throws IOException {
        socket = (SSLSocket) context.getSocketFactory().createSocket();
        if (!localAddress.equals("127.0.0.1")) {
            socket.bind(new java.net.InetSocketAddress(localAddress, 0));
        }
        socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout((int) WAIT.toMillis());
        socket.startHandshake();
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    /** A connection logged in as {@code id} with the {@code open} scheme (the node must allow it). */
    static RawSsmp openLogin(SSLContext context, int port, String id) throws IOException {
        RawSsmp c = new RawSsmp(context, port);
        String answer = c.call("LOGIN " + id + " open");
        if (!answer.equals("200")) {
            c.close();
            throw new AssertionError("LOGIN " + id + " open was answered " + answer + ", expected 200");
        }
        return c;
    }

    RawSsmp send(String line) throws IOException {
        return sendBytes((line + "\n").getBytes(StandardCharsets.ISO_8859_1));
    }

    RawSsmp sendBytes(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** Sends a request and returns the next line (its response, unless an event comes first). */
    String call(String line) throws IOException {
        send(line);
        return line();
    }

    /** The next line, without its LF; binary payloads come back as ISO-8859-1 characters. */
    String line() throws IOException {
        byte[] b = frame();
        if (b == null) {
            throw new IOException("connection closed");
        }
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    /**
     * The next line's bytes without the LF, or null at end of stream. The payload position is
     * known from the line's shape: after {@code 000 from VERB target } for UCAST and MCAST, after
     * {@code 000 from BCAST }.
     */
    byte[] frame() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int spaces = 0;
        int needSpaces = -1;
        while (true) {
            int b = in.read();
            if (b < 0) {
                return line.size() == 0 ? null : line.toByteArray();
            }
            if (b == '\n') {
                return line.toByteArray();
            }
            line.write(b);
            if (b == ' ') {
                spaces++;
                if (spaces == 3 && needSpaces < 0) {
                    String head = line.toString(StandardCharsets.ISO_8859_1);
                    needSpaces = head.startsWith("000 ") && head.endsWith(" BCAST ") ? 3
                            : head.startsWith("000 ") && (head.contains(" UCAST ") || head.contains(" MCAST ")) ? 4 : 99;
                }
                if (spaces == needSpaces) {
                    int first = in.read();
                    line.write(first);
                    if (first >= 0 && first <= 3) {
                        int second = in.read();
                        line.write(second);
                        int length = ((first << 8) | second) + 1;
                        line.write(in.readNBytes(length));
                    }
                }
            }
        }
    }

    /** Whether the server closes the connection within {@code within} (reading and dropping what comes first). */
    boolean closedWithin(Duration within) throws IOException {
        long deadline = System.nanoTime() + within.toNanos();
        socket.setSoTimeout(100);
        try {
            while (System.nanoTime() < deadline) {
                try {
                    if (in.read() < 0) {
                        return true;
                    }
                } catch (SocketTimeoutException e) {
                    // keep waiting
                } catch (IOException e) {
                    return true;
                }
            }
            return false;
        } finally {
            socket.setSoTimeout((int) WAIT.toMillis());
        }
    }

    /** Whether nothing at all arrives within {@code quiet}. */
    boolean silentFor(Duration quiet) throws IOException {
        socket.setSoTimeout((int) quiet.toMillis());
        try {
            return in.read() == -2;
        } catch (SocketTimeoutException e) {
            return true;
        } finally {
            socket.setSoTimeout((int) WAIT.toMillis());
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // closing
        }
    }
}
