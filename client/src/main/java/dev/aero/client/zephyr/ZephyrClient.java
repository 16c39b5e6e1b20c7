package dev.aero.client.zephyr;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;

import dev.aero.common.zephyr.ZephyrWire;

/**
 * A client of the zephyr relay: connects, reads the zid the relay assigns (REGISTER), and, once
 * the peer's zid is known out of band, binds to it and hands back the relayed stream. The relay
 * sees only bytes; peers are expected to run mutual TLS over the returned socket
 * (e.g. {@code SSLSocketFactory.createSocket(socket, host, port, true)}).
 *
 * <pre>
 * try (ZephyrClient a = ZephyrClient.connect(relay, Duration.ofSeconds(5))) {
 *     send a.zid() to the peer (verkehr unicast "sig:z ..."), learn its zid
 *     Socket stream = a.bind(peerZid);
 *     ...
 * }
 * </pre>
 */
public final class ZephyrClient implements Closeable {

    private final Socket socket;
    private final int zid;
    private boolean bound;

    private ZephyrClient(Socket socket, int zid) {
        this.socket = socket;
        this.zid = zid;
    }

    /**
     * Connects to the relay and waits up to {@code timeout} for its REGISTER.
     *
     * @throws ZephyrProtocolException if the relay answers with something that is not REGISTER
     */
    public static ZephyrClient connect(InetSocketAddress relay, Duration timeout) throws IOException {
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(relay, (int) timeout.toMillis());
            socket.setSoTimeout((int) timeout.toMillis());
            byte[] register = readMessage(socket.getInputStream());
            socket.setSoTimeout(0);
            return new ZephyrClient(socket, ZephyrWire.zidOf(register));
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private static byte[] readMessage(InputStream in) throws IOException {
        byte[] message = new byte[ZephyrWire.MESSAGE_SIZE];
        int read = 0;
        try {
            while (read < message.length) {
                int n = in.read(message, read, message.length - read);
                if (n < 0) {
                    throw new EOFException("relay closed the connection before REGISTER (" + read + " of 12 bytes)");
                }
                read += n;
                if (ZephyrWire.check(message, read) != null) {
                    throw new ZephyrProtocolException("relay sent " + ZephyrWire.check(message, read) + " instead of REGISTER");
                }
            }
        } catch (SocketTimeoutException e) {
            throw new SocketTimeoutException("no REGISTER from the relay in time (" + read + " of 12 bytes)");
        }
        return message;
    }

    /** The zid the relay assigned: give it to the peer out of band. */
    public int zid() {
        return zid;
    }

    /**
     * Binds to the peer's zid and returns the relayed stream. Bytes written before the peer binds
     * back are held by the relay and delivered once it does. If the relay refuses the bind (unknown
     * zid, peer bound elsewhere, deadlines), the stream ends: reads return end-of-stream.
     */
    public Socket bind(int peerZid) throws IOException {
        if (bound) {
            throw new IllegalStateException("already bound");
        }
        if (peerZid < 0) {
            throw new IllegalArgumentException("a zid is in [0, 2^31 - 1], got " + peerZid);
        }
        socket.getOutputStream().write(ZephyrWire.message(peerZid));
        socket.getOutputStream().flush();
        bound = true;
        return socket;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
