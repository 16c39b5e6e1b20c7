import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.locks.ReentrantLock;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * bench/platform: one keep-alive HTTP/1.1 connection to one host and port, over TLS with a
 * device's context (its certificate) or plain, for the simulated devices and the admin driver.
 *
 * <p>Why not the SDK's clients: {@code CommandClient}, {@code CheckinClient} and a device's
 * {@code SpClient} each build a {@code java.net.http.HttpClient}, and each of those holds a
 * selector thread (a platform thread) and two file descriptors for its whole life; with the
 * command loop's and the follower's own threads that is 5-6 platform threads a device.
 * 10,000 simulated devices would need 50,000-60,000 threads, over this machine's pid_max of
 * 32,768. This link makes the same requests (method, path, headers, body) on the device's TLS
 * context and keeps the connection open while it is used, closing it after {@code keepAlive}
 * idle seconds like the JDK client does (jdk.httpclient.keepalive.timeout, 30 s by default),
 * from whatever (virtual) thread calls it. One exchange at a time.
 */
final class HttpsLink {

    record Response(int status, byte[] body, boolean freshConnection) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final SSLContext tls;
    private final String host;
    private final int port;
    private final int timeoutMillis;
    private final String hostHeader;
    private final ReentrantLock lock = new ReentrantLock();
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private volatile long lastUsed;

    /** {@code tls} null: plain HTTP. */
    HttpsLink(SSLContext tls, String host, int port, int timeoutMillis) {
        this.tls = tls;
        this.host = host;
        this.port = port;
        this.timeoutMillis = timeoutMillis;
        this.hostHeader = host + ":" + port;
    }

    /** One request and its answer; a reused connection the server had closed is retried once on a new one. */
    Response exchange(String method, String path, String headers, byte[] body) throws IOException {
        lock.lock();
        try {
            for (int attempt = 0; ; attempt++) {
                boolean reused = socket != null;
                if (!reused) {
                    open();
                }
                int[] read = {0};
                try {
                    StringBuilder head = new StringBuilder(160);
                    head.append(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: ").append(hostHeader)
                            .append("\r\nUser-Agent: Java-http-client/25\r\n");
                    if (headers != null) {
                        head.append(headers);
                    }
                    if (body != null) {
                        head.append("Content-Length: ").append(body.length).append("\r\n");
                    }
                    head.append("\r\n");
                    byte[] h = head.toString().getBytes(StandardCharsets.US_ASCII);
                    if (body != null && body.length > 0 && h.length + body.length < 4096) {
                        byte[] all = new byte[h.length + body.length];
                        System.arraycopy(h, 0, all, 0, h.length);
                        System.arraycopy(body, 0, all, h.length, body.length);
                        out.write(all);
                    } else {
                        out.write(h);
                        if (body != null && body.length > 0) {
                            out.write(body);
                        }
                    }
                    out.flush();
                    Response r = read(read, !reused);
                    lastUsed = System.nanoTime();
                    return r;
                } catch (IOException e) {
                    close();
                    if (reused && attempt == 0 && read[0] == 0 && !(e instanceof java.net.SocketTimeoutException)) {
                        continue; // a keep-alive connection the server had closed meanwhile (never a slow answer: that would send twice)
                    }
                    throw e;
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Closes the connection if it has been idle longer than {@code idleNanos} and is not in use. */
    void closeIfIdle(long now, long idleNanos) {
        if (socket == null || now - lastUsed < idleNanos || !lock.tryLock()) {
            return;
        }
        try {
            if (socket != null && now - lastUsed >= idleNanos) {
                close();
            }
        } finally {
            lock.unlock();
        }
    }

    boolean isOpen() {
        return socket != null;
    }

    void close() {
        Socket s = socket;
        socket = null;
        in = null;
        out = null;
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                // closing is all that was wanted
            }
        }
    }

    private void open() throws IOException {
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(host, port), timeoutMillis);
            s.setSoTimeout(timeoutMillis);
            if (tls != null) {
                SSLSocket t = (SSLSocket) tls.getSocketFactory().createSocket(s, host, port, true);
                SSLParameters p = t.getSSLParameters();
                p.setEndpointIdentificationAlgorithm("HTTPS");
                t.setSSLParameters(p);
                t.startHandshake();
                s = t;
            }
            socket = s;
            in = new BufferedInputStream(s.getInputStream(), 8192);
            out = s.getOutputStream();
        } catch (IOException | RuntimeException e) {
            try {
                s.close();
            } catch (IOException ignored) {
                // already failing
            }
            throw e;
        }
    }

    private Response read(int[] read, boolean fresh) throws IOException {
        String status = line(read);
        if (!status.startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP answer: " + status);
        }
        int code = Integer.parseInt(status.substring(9, 12));
        long length = -1;
        boolean chunked = false;
        boolean closeAfter = status.startsWith("HTTP/1.0");
        for (String h; !(h = line(read)).isEmpty(); ) {
            int colon = h.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String name = h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = h.substring(colon + 1).trim();
            switch (name) {
                case "content-length" -> length = Long.parseLong(value);
                case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                case "connection" -> closeAfter = value.equalsIgnoreCase("close");
                default -> { }
            }
        }
        byte[] body;
        if (chunked) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            while (true) {
                String size = line(read);
                int semi = size.indexOf(';');
                int n = Integer.parseInt((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
                if (n == 0) {
                    while (!line(read).isEmpty()) {
                        // trailers
                    }
                    break;
                }
                b.write(in.readNBytes(n));
                line(read);
            }
            body = b.toByteArray();
        } else if (length >= 0) {
            body = in.readNBytes((int) length);
            if (body.length < length) {
                throw new EOFException("the answer's body ended early");
            }
        } else if (code == 204 || code == 304) {
            body = new byte[0];
        } else {
            body = in.readAllBytes();
            closeAfter = true;
        }
        if (closeAfter) {
            close();
        }
        return new Response(code, body, fresh);
    }

    private String line(int[] read) throws IOException {
        StringBuilder sb = new StringBuilder(64);
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new EOFException("the connection closed" + (read[0] == 0 ? " before an answer" : " mid-answer"));
            }
            read[0]++;
            if (c == '\n') {
                int n = sb.length();
                if (n > 0 && sb.charAt(n - 1) == '\r') {
                    sb.setLength(n - 1);
                }
                return sb.toString();
            }
            sb.append((char) c);
            if (sb.length() > 16384) {
                throw new IOException("header line too long");
            }
        }
    }
}
