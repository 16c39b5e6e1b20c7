/*
 * TEST DOUBLE — NOT THE PRODUCT RELAY.
 *
 * A minimal single-threaded Zephyr relay used only to develop and self-test the benchmark
 * harness (bench/zephyr/run.sh with RELAY=standin) while the real relay
 * (zephyr-relay/target/zephyr-relay.jar) is not available. Numbers measured against it say
 * nothing about the product and must never be published.
 *
 * It accepts the same --aero.zephyr.* / --server.port arguments as the real relay (only host,
 * port, max-connections and pre-bind-buffer-bytes are honoured) and serves GET /status and
 * GET /readyz on server.port.
 */

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

public final class StandInRelay {
    static final int MAGIC = 0x829644A1;

    static final AtomicLong connections = new AtomicLong(), registered = new AtomicLong(), boundPairs = new AtomicLong(),
            bytesRelayed = new AtomicLong(), refusedFd = new AtomicLong(), refusedMax = new AtomicLong();

    static final class Conn {
        final SocketChannel ch;
        final int zid;
        SelectionKey key;
        final ByteBuffer hdr = ByteBuffer.allocate(12);
        ByteBuffer in;            // bytes read from this side, waiting to go to the peer
        int peerZid = -1;
        Conn peer;
        boolean eof, closed;

        Conn(SocketChannel ch, int zid) {
            this.ch = ch;
            this.zid = zid;
        }
    }

    final Map<Integer, Conn> conns = new HashMap<>();
    final int bufSize;
    final long maxConnections;
    Selector sel;
    long acceptPausedUntil;
    SelectionKey acceptKey;

    StandInRelay(int bufSize, long maxConnections) {
        this.bufSize = bufSize;
        this.maxConnections = maxConnections;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new HashMap<>();
        for (String s : args) {
            if (s.startsWith("--") && s.contains("=")) a.put(s.substring(2, s.indexOf('=')), s.substring(s.indexOf('=') + 1));
        }
        String host = a.getOrDefault("aero.zephyr.host", "127.0.0.1");
        int port = Integer.parseInt(a.getOrDefault("aero.zephyr.port", "8888"));
        int httpPort = Integer.parseInt(a.getOrDefault("server.port", "8889"));
        StandInRelay r = new StandInRelay(Integer.parseInt(a.getOrDefault("aero.zephyr.pre-bind-buffer-bytes", "65536")),
                Long.parseLong(a.getOrDefault("aero.zephyr.max-connections", "0")));
        HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", httpPort), 64);
        http.createContext("/status", ex -> {
            String body = "{\"test_double\":true,\"connections\":" + connections.get() + ",\"registered\":" + registered.get()
                    + ",\"bound_pairs\":" + boundPairs.get() + ",\"bytes_relayed\":" + bytesRelayed.get()
                    + ",\"refused\":{\"fd_limit\":" + refusedFd.get() + ",\"max_connections\":" + refusedMax.get() + "}}";
            reply(ex, body);
        });
        http.createContext("/readyz", ex -> reply(ex, "{\"status\":\"UP\"}"));
        http.start();
        System.err.println("StandInRelay (TEST DOUBLE) on " + host + ":" + port + ", status on " + httpPort);
        r.run(host, port);
    }

    static void reply(com.sun.net.httpserver.HttpExchange ex, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(200, b.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(b);
        }
    }

    void run(String host, int port) throws IOException {
        sel = Selector.open();
        ServerSocketChannel ss = ServerSocketChannel.open();
        ss.bind(new InetSocketAddress(host, port), 4096);
        ss.configureBlocking(false);
        acceptKey = ss.register(sel, SelectionKey.OP_ACCEPT);
        while (true) {
            sel.select(100);
            if (acceptKey.interestOps() == 0 && System.nanoTime() > acceptPausedUntil) acceptKey.interestOps(SelectionKey.OP_ACCEPT);
            Iterator<SelectionKey> it = sel.selectedKeys().iterator();
            while (it.hasNext()) {
                SelectionKey k = it.next();
                it.remove();
                if (!k.isValid()) continue;
                if (k.isAcceptable()) {
                    accept(ss);
                    continue;
                }
                Conn c = (Conn) k.attachment();
                try {
                    if (k.isValid() && k.isReadable()) onReadable(c);
                    if (k.isValid() && !c.closed && k.isWritable()) onWritable(c);
                } catch (IOException e) {
                    fail(c);
                }
            }
        }
    }

    void accept(ServerSocketChannel ss) {
        for (int i = 0; i < 64; i++) {
            SocketChannel ch;
            try {
                ch = ss.accept();
            } catch (IOException e) {
                refusedFd.incrementAndGet();
                acceptKey.interestOps(0);                      // back off instead of spinning
                acceptPausedUntil = System.nanoTime() + 100_000_000L;
                return;
            }
            if (ch == null) return;
            try {
                if (maxConnections > 0 && conns.size() >= maxConnections) {
                    refusedMax.incrementAndGet();
                    ch.close();
                    continue;
                }
                int zid;
                do {
                    zid = ThreadLocalRandom.current().nextInt(Integer.MAX_VALUE);
                } while (conns.containsKey(zid));
                ch.configureBlocking(false);
                ch.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
                ByteBuffer reg = ByteBuffer.allocate(12).putInt(MAGIC).putInt(4).putInt(zid).flip();
                ch.write(reg);                                 // 12 bytes into an empty send buffer
                Conn c = new Conn(ch, zid);
                c.key = ch.register(sel, SelectionKey.OP_READ, c);
                conns.put(zid, c);
                connections.incrementAndGet();
                registered.incrementAndGet();
            } catch (IOException e) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // gone
                }
            }
        }
    }

    void onReadable(Conn c) throws IOException {
        if (c.hdr.hasRemaining()) {
            if (c.ch.read(c.hdr) < 0) {
                fail(c);
                return;
            }
            if (c.hdr.hasRemaining()) return;
            c.hdr.flip();
            int magic = c.hdr.getInt(), len = c.hdr.getInt(), peerZid = c.hdr.getInt();
            Conn p = conns.get(peerZid);
            if (magic != MAGIC || len != 4 || p == null || p == c || (p.peerZid != -1 && p.peerZid != c.zid)) {
                fail(c);
                return;
            }
            c.peerZid = peerZid;
            c.in = ByteBuffer.allocateDirect(bufSize);
            if (p.peerZid == c.zid) {
                c.peer = p;
                p.peer = c;
                boundPairs.incrementAndGet();
                flush(p);
            }
        }
        if (!c.in.hasRemaining()) {
            interest(c);
            return;
        }
        int r = c.ch.read(c.in);
        if (r < 0) {
            c.eof = true;
            if (c.peer == null) {
                fail(c);
                return;
            }
        }
        if (c.peer != null) flush(c);
        else interest(c);
    }

    void onWritable(Conn c) throws IOException {
        if (c.peer != null) flush(c.peer);
    }

    /** Moves src's buffered bytes to its peer; closes both once src is at EOF and drained. */
    void flush(Conn src) throws IOException {
        Conn dst = src.peer;
        if (dst == null || src.in == null) return;
        src.in.flip();
        try {
            int w = dst.ch.write(src.in);
            bytesRelayed.addAndGet(w);
        } catch (IOException e) {
            src.in.compact();
            fail(dst);
            return;
        }
        src.in.compact();
        if (src.eof && src.in.position() == 0) {
            close(src);
            close(dst);
            return;
        }
        interest(src);
        interest(dst);
    }

    void interest(Conn c) {
        if (c.closed || !c.key.isValid()) return;
        int ops = 0;
        boolean headerPhase = c.hdr.hasRemaining();
        if (!c.eof && (headerPhase || c.in.hasRemaining())) ops |= SelectionKey.OP_READ;
        if (c.peer != null && c.peer.in != null && c.peer.in.position() > 0) ops |= SelectionKey.OP_WRITE;
        c.key.interestOps(ops);
    }

    void fail(Conn c) {
        Conn p = c.peer;
        if (p != null && !p.closed && c.in != null && c.in.position() > 0) {
            c.in.flip();
            try {
                p.ch.write(c.in);                          // best effort for a test double
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        close(c);
        if (p != null) close(p);
    }

    void close(Conn c) {
        if (c.closed) return;
        c.closed = true;
        conns.remove(c.zid);
        connections.decrementAndGet();
        if (c.peer != null && c.peer.peer == c && !c.peer.closed) boundPairs.decrementAndGet();
        c.key.cancel();
        try {
            c.ch.close();
        } catch (IOException ignored) {
            // gone
        }
    }
}
