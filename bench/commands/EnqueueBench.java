import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import dev.aero.commands.queue.CommandQueues;
import dev.aero.common.auth.ServiceCredential;
import dev.aero.common.id.DID;
import dev.aero.common.tls.ServiceCertificateEnrollment;

/**
 * The enqueue part of bench/commands/run.sh (docs/benchmarks.md, "command-server"). Modes:
 * <ul>
 * <li>{@code script <redis port> <db> <threads> <seconds> <devices>}: the enqueue Lua script
 * alone, as command-server runs it (CommandQueues on one shared Lettuce connection), from
 * THREADS threads for SECONDS seconds over DEVICES devices; prints {@code rate=}.</li>
 * <li>{@code rest --url URL --secret-file F --threads N --seconds S --warmup W --devices D
 * [--batch B] [--rate R] [--pids name=pid,...] [--management URL] [--prime true]}: enqueues through a running
 * command-server's REST API, closed loop, one keep-alive HTTP/1.1 connection per thread:
 * {@code POST /v1/devices/{did}/commands} (B = 0) or {@code POST /v1/queues/batch} with B
 * entries for B distinct devices; with {@code --rate}, R requests/s in all (each thread paced
 * at R/N), else as fast as they are answered. Prints {@code rate=} (commands/s) and, per named process,
 * its CPU per command ({@code cpu_ms_<name>=}, from /proc: utime + stime) over the measured
 * window, and command-server's pushes in it (its Prometheus counters, when --management is
 * given). Any answer but 200 stops it with status 2, and so does a window in which no request
 * was answered (unless {@code --prime true}: an unmeasured run for the JIT).</li>
 * <li>{@code verkehr --port P --cert PEM --key PEM}: a stand-in for verkehr's SSMP listener
 * (TLS; answers LOGIN and every MCAST 200, PING with PONG), so that command-server pushes each
 * command over SSMP as it does in a deployment, without verkehr's own CPU on the machine.
 * verkehr's cost is bench/verkehr's subject; the latency part runs the real one.</li>
 * <li>{@code noop --port P}: the HTTP floor, a plain HTTP/1.1 server answering every request
 * 200 at once; {@code rest} against it measures what the client and the machine allow.</li>
 * <li>{@code ports N}: N free loopback TCP ports, on one line.</li>
 * </ul>
 * Commands cycle over {@link #DISTINCT} distinct UPLOAD_LOGS commands per device (an enqueue of
 * one already queued moves it to the tail), so that queues and Redis memory stay bounded.
 */
public class EnqueueBench {

    /** Distinct commands per device. */
    static final int DISTINCT = 50;

    public static void main(String[] a) throws Exception {
        String mode = a.length == 0 ? "" : a[0];
        try {
            switch (mode) {
                case "script" -> script(a);
                case "rest" -> System.exit(rest(options(a)));
                case "verkehr" -> verkehr(options(a));
                case "noop" -> noop(options(a));
                case "ports" -> ports(Integer.parseInt(a[1]));
                default -> {
                    System.err.println("EnqueueBench script|rest|verkehr|noop|ports ... (see the class comment)");
                    System.exit(2);
                }
            }
        } catch (Exception e) {
            System.err.println("EnqueueBench " + mode + ": " + e);
            e.printStackTrace();
            System.exit(2);
        }
    }

    // --- the script alone

    static void script(String[] a) throws Exception {
        int port = Integer.parseInt(a[1]);
        int db = Integer.parseInt(a[2]);
        int threads = Integer.parseInt(a[3]);
        int seconds = Integer.parseInt(a[4]);
        int devices = Integer.parseInt(a[5]);
        RedisStandaloneConfiguration config = new RedisStandaloneConfiguration("127.0.0.1", port);
        config.setDatabase(db);
        LettuceConnectionFactory factory = new LettuceConnectionFactory(config);
        factory.afterPropertiesSet();
        factory.start();
        CommandQueues queues = new CommandQueues(new StringRedisTemplate(factory), Clock.systemUTC(), Duration.ofDays(1), 10);
        List<DID> dids = dids(devices);
        // Warm-up: load the script and let the JIT settle.
        for (int i = 0; i < 2000; i++) {
            queues.enqueue(dids.get(i % devices), member("w", i));
        }
        AtomicLong done = new AtomicLong();
        long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            workers.add(Thread.ofPlatform().start(() -> {
                long i = 0;
                while (System.nanoTime() < end) {
                    queues.enqueue(dids.get((int) ((id + i) % devices)), member("t" + id, i));
                    i++;
                }
                done.addAndGet(i);
            }));
        }
        long start = System.nanoTime();
        for (Thread w : workers) {
            w.join();
        }
        double secondsTaken = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "enqueues=%d seconds=%.2f rate=%.0f%n", done.get(), secondsTaken, done.get() / secondsTaken);
        factory.destroy();
    }

    /** The Redis form of the i-th command of a stream: UPLOAD_LOGS, one of DISTINCT defect ids. */
    static String member(String stream, long i) {
        return "10:" + stream + "-" + (i % DISTINCT) + ":0";
    }

    static List<DID> dids(int devices) {
        List<DID> dids = new ArrayList<>();
        for (int i = 0; i < devices; i++) {
            dids.add(DID.random());
        }
        return dids;
    }

    // --- through command-server's REST API

    static int rest(Map<String, String> o) throws Exception {
        java.net.URI url = java.net.URI.create(required(o, "url"));
        String secret = readSecret(Path.of(required(o, "secret-file")));
        int threads = Integer.parseInt(o.getOrDefault("threads", "8"));
        int seconds = Integer.parseInt(o.getOrDefault("seconds", "10"));
        int warmup = Integer.parseInt(o.getOrDefault("warmup", "2"));
        int devices = Integer.parseInt(o.getOrDefault("devices", "1000"));
        int batch = Integer.parseInt(o.getOrDefault("batch", "0"));
        int clockTicks = Integer.parseInt(o.getOrDefault("clock-ticks", "100"));
        // Requests/s in all (paced per thread: each thread sends at rate/threads), 0 = as fast as answered.
        double rate = Double.parseDouble(o.getOrDefault("rate", "0"));
        if (batch > devices) {
            throw new IllegalArgumentException("--batch " + batch + " is more than --devices " + devices + " (one entry per device)");
        }
        Map<String, Long> pids = new LinkedHashMap<>();
        for (String entry : o.getOrDefault("pids", "").split(",")) {
            if (!entry.isBlank()) {
                String[] kv = entry.split("=", 2);
                pids.put(kv[0], Long.parseLong(kv[1]));
            }
        }
        String authorization = new ServiceCredential("bench", secret).toHeaderValue();
        HttpTarget target = new HttpTarget(url.getHost(), url.getPort(), authorization);
        HttpTarget management = o.containsKey("management")
                ? new HttpTarget(java.net.URI.create(o.get("management")).getHost(), java.net.URI.create(o.get("management")).getPort(), authorization)
                : null;
        List<DID> dids = dids(devices);
        String[] paths = new String[devices];
        for (int i = 0; i < devices; i++) {
            paths[i] = "/v1/devices/" + dids.get(i).hex() + "/commands";
        }
        AtomicReference<String> failure = new AtomicReference<>();
        long perRequest = batch == 0 ? 1 : batch;
        long measureFrom = System.nanoTime() + Duration.ofSeconds(warmup).toNanos();
        long end = measureFrom + Duration.ofSeconds(seconds).toNanos();
        // Per thread: commands answered inside the measured window [measureFrom, end].
        long[] measured = new long[threads];
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            workers.add(Thread.ofPlatform().name("client-" + t).start(() -> {
                long i = 0;
                long interval = rate > 0 ? Math.round(1e9 * threads / rate) : 0;
                long next = System.nanoTime() + (interval * id) / threads;
                try {
                    while (failure.get() == null) {
                        if (interval > 0) {
                            long wait = next - System.nanoTime();
                            if (wait > 0) {
                                java.util.concurrent.locks.LockSupport.parkNanos(wait);
                            }
                            next += interval;
                        }
                        long now = System.nanoTime();
                        if (now >= end) {
                            break;
                        }
                        boolean counted = now >= measureFrom;
                        String path;
                        String body;
                        if (batch == 0) {
                            int d = (int) ((id * 7919L + i) % devices);
                            path = paths[d];
                            body = "{\"type\":\"UPLOAD_LOGS\",\"upload_logs\":{\"defect_id\":\"c" + id + "-" + (i / devices % DISTINCT)
                                    + "\",\"expiry_time\":0}}";
                        } else {
                            path = "/v1/queues/batch";
                            StringBuilder sb = new StringBuilder(batch * 110).append("{\"entries\":[");
                            int first = (int) ((id * 7919L + i * batch) % devices);
                            for (int k = 0; k < batch; k++) {
                                if (k > 0) {
                                    sb.append(',');
                                }
                                sb.append("{\"device\":\"").append(dids.get((first + k) % devices).hex())
                                        .append("\",\"command\":{\"type\":\"UPLOAD_LOGS\",\"upload_logs\":{\"defect_id\":\"b")
                                        .append(id).append('-').append(i % DISTINCT).append("\",\"expiry_time\":0}}}");
                            }
                            body = sb.append("]}").toString();
                        }
                        HttpAnswer answer = target.post(path, body);
                        if (answer.status() != 200) {
                            failure.compareAndSet(null, "HTTP " + answer.status() + " for POST " + path + ": "
                                    + answer.body().substring(0, Math.min(300, answer.body().length())));
                            break;
                        }
                        if (counted && System.nanoTime() <= end) {
                            measured[id] += perRequest;
                        }
                        i++;
                    }
                } catch (IOException | RuntimeException e) {
                    failure.compareAndSet(null, e.toString());
                }
            }));
        }
        // The CPU window is the measured window.
        sleepUntil(measureFrom);
        Map<String, Long> ticksStart = ticks(pids);
        long[] pushesBefore = management == null ? null : pushCounters(management);
        long windowStart = System.nanoTime();
        sleepUntil(end);
        Map<String, Long> ticksEnd = ticks(pids);
        long windowEnd = System.nanoTime();
        for (Thread w : workers) {
            w.join();
        }
        long[] pushesAfter = management == null ? null : pushCounters(management);
        if (failure.get() != null) {
            System.err.println("EnqueueBench rest: " + failure.get());
            return 2;
        }
        long commands = 0;
        for (long m : measured) {
            commands += m;
        }
        double secondsTaken = (windowEnd - windowStart) / 1e9;
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "rest mode=%s threads=%d commands=%d seconds=%.2f rate=%.0f",
                batch == 0 ? "single" : "batch-" + batch, threads, commands, secondsTaken, commands / secondsTaken));
        for (String name : pids.keySet()) {
            double cpuSeconds = (ticksEnd.get(name) - ticksStart.get(name)) / (double) clockTicks;
            out.append(String.format(Locale.ROOT, " cpu_cores_%s=%.2f cpu_ms_%s=%.4f", name, cpuSeconds / secondsTaken, name,
                    commands == 0 ? Double.NaN : cpuSeconds * 1000 / commands));
        }
        if (pushesBefore != null && pushesAfter != null) {
            out.append(" pushes_ssmp=").append(pushesAfter[0] - pushesBefore[0]).append(" pushes_http=").append(pushesAfter[1] - pushesBefore[1])
                    .append(" pushes_failed=").append(pushesAfter[2] - pushesBefore[2]);
        }
        System.out.println(out);
        if (commands == 0 && !Boolean.parseBoolean(o.getOrDefault("prime", "false"))) {
            System.err.println("EnqueueBench rest: no request was answered inside the " + seconds + " s window");
            return 2;
        }
        return 0;
    }

    static void sleepUntil(long nanos) throws InterruptedException {
        long wait;
        while ((wait = nanos - System.nanoTime()) > 0) {
            Thread.sleep(Math.max(1, wait / 1_000_000));
        }
    }

    /** utime + stime of each process, in clock ticks (/proc/<pid>/stat fields 14 and 15). */
    static Map<String, Long> ticks(Map<String, Long> pids) throws IOException {
        Map<String, Long> out = new LinkedHashMap<>();
        for (Map.Entry<String, Long> e : pids.entrySet()) {
            String s = Files.readString(Path.of("/proc/" + e.getValue() + "/stat"));
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            out.put(e.getKey(), Long.parseLong(f[11]) + Long.parseLong(f[12]));
        }
        return out;
    }

    /** command-server's pushes so far: over SSMP, over HTTP, failed (aero_commands_pushes_total). */
    static long[] pushCounters(HttpTarget management) throws IOException {
        HttpAnswer a = management.get("/actuator/prometheus");
        if (a.status() != 200) {
            throw new IOException("command-server's /actuator/prometheus answered " + a.status());
        }
        long[] counts = new long[3];
        for (String line : a.body().split("\n")) {
            if (line.startsWith("aero_commands_pushes_total{")) {
                long v = (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                if (line.contains("result=\"failed\"")) {
                    counts[2] += v;
                } else if (line.contains("transport=\"ssmp\"")) {
                    counts[0] += v;
                } else if (line.contains("transport=\"http\"")) {
                    counts[1] += v;
                }
            }
        }
        return counts;
    }

    // --- the SSMP stand-in for verkehr

    static void verkehr(Map<String, String> o) throws Exception {
        int port = Integer.parseInt(required(o, "port"));
        PrivateKey key = ServiceCertificateEnrollment.privateKey(Files.readString(Path.of(required(o, "key"))));
        List<Certificate> chain = new ArrayList<>();
        try (InputStream in = Files.newInputStream(Path.of(required(o, "cert")))) {
            chain.addAll(CertificateFactory.getInstance("X.509").generateCertificates(in));
        }
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("server", key, new char[0], chain.toArray(Certificate[]::new));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, new char[0]);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);
        AtomicLong mcasts = new AtomicLong();
        try (SSLServerSocket server = (SSLServerSocket) tls.getServerSocketFactory().createServerSocket(port, 50, InetAddress.getLoopbackAddress())) {
            System.out.println("verkehr stand-in listening on " + port);
            System.out.flush();
            while (true) {
                Socket s = server.accept();
                Thread.ofPlatform().daemon().name("ssmp-" + s.getPort()).start(() -> serve(s, mcasts));
            }
        }
    }

    /** Reads request lines (text payloads only: command-server sends base64) and answers each in order. */
    static void serve(Socket s, AtomicLong mcasts) {
        byte[] ok = "200\n".getBytes(StandardCharsets.US_ASCII);
        byte[] pong = "000 . PONG\n".getBytes(StandardCharsets.US_ASCII);
        try (s) {
            s.setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(s.getInputStream(), 65536);
            OutputStream out = new java.io.BufferedOutputStream(s.getOutputStream(), 65536);
            byte[] line = new byte[4096];
            while (true) {
                int n = 0;
                for (int b; (b = in.read()) != '\n'; ) {
                    if (b < 0) {
                        return;
                    }
                    if (n < line.length) {
                        line[n++] = (byte) b;
                    }
                }
                String verb = new String(line, 0, Math.min(n, 8), StandardCharsets.US_ASCII);
                if (verb.startsWith("PING")) {
                    out.write(pong);
                } else if (verb.startsWith("PONG")) {
                    continue;
                } else {
                    if (verb.startsWith("MCAST")) {
                        mcasts.incrementAndGet();
                    }
                    out.write(ok);
                }
                // Answer at once unless more requests are already waiting (answers stay in order).
                if (in.available() == 0) {
                    out.flush();
                }
            }
        } catch (IOException e) {
            // the connection ended
        }
    }

    /**
     * The HTTP floor: a plain HTTP/1.1 server on loopback that reads each request (headers and
     * its Content-Length body) and answers 200 with a fixed JSON body of an enqueue answer's size,
     * one platform thread per kept connection, doing nothing else. The same client against it
     * gives the most requests a second any HTTP/1.1 service could answer to that client on this
     * machine: the same-run reference for the single REST enqueue.
     */
    static void noop(Map<String, String> o) throws Exception {
        int port = Integer.parseInt(required(o, "port"));
        byte[] body = "{\"device\":\"00000000000000000000000000000000\",\"epoch\":1000000000001,\"depth\":1}"
                .getBytes(StandardCharsets.US_ASCII);
        byte[] answer = ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n"
                + new String(body, StandardCharsets.US_ASCII)).getBytes(StandardCharsets.US_ASCII);
        try (ServerSocket server = new ServerSocket(port, 50, InetAddress.getLoopbackAddress())) {
            System.out.println("no-op HTTP server listening on " + port);
            System.out.flush();
            while (true) {
                Socket s = server.accept();
                Thread.ofPlatform().daemon().name("noop-" + s.getPort()).start(() -> answerEach(s, answer));
            }
        }
    }

    /** Reads requests (headers up to the blank line, then Content-Length bytes) and answers each with {@code answer}. */
    static void answerEach(Socket s, byte[] answer) {
        try (s) {
            s.setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(s.getInputStream(), 65536);
            OutputStream out = s.getOutputStream();
            StringBuilder header = new StringBuilder(128);
            while (true) {
                long length = 0;
                while (true) {
                    header.setLength(0);
                    for (int b; (b = in.read()) != '\n'; ) {
                        if (b < 0) {
                            return;
                        }
                        if (b != '\r' && header.length() < 8192) {
                            header.append((char) b);
                        }
                    }
                    if (header.isEmpty()) {
                        break;
                    }
                    if (header.length() > 15 && header.substring(0, 15).equalsIgnoreCase("content-length:")) {
                        length = Long.parseLong(header.substring(15).trim());
                    }
                }
                in.skipNBytes(length);
                out.write(answer);
            }
        } catch (IOException | RuntimeException e) {
            // the connection ended
        }
    }

    static void ports(int n) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < n; i++) {
            ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
            sockets.add(s);
            out.append(i == 0 ? "" : " ").append(s.getLocalPort());
        }
        for (ServerSocket s : sockets) {
            s.close();
        }
        System.out.println(out);
    }

    // --- HTTP/1.1 with keep-alive: one connection per thread

    record HttpAnswer(int status, String body, boolean close) { }

    static final class HttpTarget {
        final String host;
        final int port;
        final String headers;
        final ThreadLocal<Connection> connections = new ThreadLocal<>();

        HttpTarget(String host, int port, String authorization) {
            this.host = host;
            this.port = port;
            this.headers = "Host: " + host + ":" + port + "\r\nAuthorization: " + authorization + "\r\nContent-Type: application/json\r\n";
        }

        HttpAnswer post(String path, String body) throws IOException {
            return exchange("POST", path, body);
        }

        HttpAnswer get(String path) throws IOException {
            return exchange("GET", path, "");
        }

        HttpAnswer exchange(String method, String path, String body) throws IOException {
            byte[] content = body.getBytes(StandardCharsets.UTF_8);
            byte[] head = (method + " " + path + " HTTP/1.1\r\n" + headers + "Content-Length: " + content.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
            Connection c = connections.get();
            if (c == null) {
                Socket socket = new Socket();
                socket.setTcpNoDelay(true);
                socket.connect(new InetSocketAddress(host, port), 2000);
                socket.setSoTimeout(30_000);
                c = new Connection(socket);
                connections.set(c);
            }
            try {
                HttpAnswer answer = c.exchange(head, content);
                if (answer == null) {
                    throw new EOFException("the server closed the connection");
                }
                if (answer.close()) {
                    // The server ends the connection after this answer (Connection: close).
                    c.close();
                    connections.remove();
                }
                return answer;
            } catch (IOException | RuntimeException e) {
                c.close();
                connections.remove();
                throw e;
            }
        }
    }

    static final class Connection {
        final Socket socket;
        final BufferedInputStream in;
        final OutputStream out;

        Connection(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new BufferedInputStream(socket.getInputStream(), 65536);
            this.out = socket.getOutputStream();
        }

        HttpAnswer exchange(byte[] head, byte[] content) throws IOException {
            byte[] request = new byte[head.length + content.length];
            System.arraycopy(head, 0, request, 0, head.length);
            System.arraycopy(content, 0, request, head.length, content.length);
            out.write(request);
            out.flush();
            String status = line();
            if (status == null) {
                return null;
            }
            if (!status.startsWith("HTTP/1.") || status.length() < 12) {
                throw new IOException("not an HTTP status line: " + status);
            }
            int code = Integer.parseInt(status.substring(9, 12));
            long length = -1;
            boolean chunked = false;
            boolean close = false;
            for (String h; (h = line()) != null && !h.isEmpty(); ) {
                int colon = h.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String name = h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = h.substring(colon + 1).trim().toLowerCase(Locale.ROOT);
                if (name.equals("content-length")) {
                    length = Long.parseLong(value);
                } else if (name.equals("transfer-encoding")) {
                    chunked = value.contains("chunked");
                } else if (name.equals("connection")) {
                    close = value.contains("close");
                }
            }
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            if (chunked) {
                for (long size; (size = Long.parseLong(chunkSize(line()), 16)) > 0; ) {
                    body.write(in.readNBytes((int) size));
                    line();
                }
                for (String t; (t = line()) != null && !t.isEmpty(); ) {
                    // trailers
                }
            } else if (length >= 0) {
                body.write(in.readNBytes((int) length));
            }
            return new HttpAnswer(code, body.toString(StandardCharsets.UTF_8), close);
        }

        static String chunkSize(String line) throws IOException {
            if (line == null) {
                throw new EOFException("closed inside a chunked body");
            }
            int semi = line.indexOf(';');
            return (semi < 0 ? line : line.substring(0, semi)).trim();
        }

        String line() throws IOException {
            StringBuilder sb = new StringBuilder(64);
            for (int b; (b = in.read()) != -1; ) {
                if (b == '\n') {
                    int n = sb.length();
                    return n > 0 && sb.charAt(n - 1) == '\r' ? sb.substring(0, n - 1) : sb.toString();
                }
                sb.append((char) b);
            }
            return sb.isEmpty() ? null : sb.toString();
        }

        void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // closing is all that was wanted
            }
        }
    }

    // --- helpers

    static String readSecret(Path file) throws IOException {
        for (String line : Files.readAllLines(file)) {
            if (line.startsWith("AERO_DEPLOYMENT_SECRET=")) {
                String s = line.substring("AERO_DEPLOYMENT_SECRET=".length()).trim();
                if (!s.isEmpty()) {
                    return s;
                }
            }
        }
        throw new IllegalArgumentException("no AERO_DEPLOYMENT_SECRET= line in " + file);
    }

    static String required(Map<String, String> o, String key) {
        String v = o.get(key);
        if (v == null || v.isEmpty()) {
            throw new IllegalArgumentException("--" + key + " is required");
        }
        return v;
    }

    static Map<String, String> options(String[] args) {
        Map<String, String> o = new LinkedHashMap<>();
        for (int i = 1; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --option value, got " + args[i]);
            }
            o.put(args[i].substring(2), args[++i]);
        }
        return o;
    }
}
