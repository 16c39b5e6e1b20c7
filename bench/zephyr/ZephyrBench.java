/*
 * ZephyrBench: load generator and scenario driver for the Zephyr relay benchmarks.
 *
 * Plain JDK 21+, no dependencies, one file. Run it either as a source file
 *   java bench/zephyr/ZephyrBench.java <command> [--option value ...]
 * or compiled (bench/zephyr/run.sh compiles it into bench/zephyr/target once, because the
 * scenario commands start several worker JVMs and recompiling in each would be slow).
 *
 * Commands
 *   scenarios (coordinators; they start worker JVMs and talk to them over stdin/stdout):
 *     single    one relayed stream vs one direct loopback stream
 *     pairs     N concurrent relayed streams vs N direct streams
 *     idle      relay resident memory before/after holding N idle bound pairs
 *     fdlimit   behaviour of a relay started with a lowered open-file limit
 *     latency   64-byte ping-pong through the relay vs direct
 *   single, pairs and latency run --reps rounds; each round runs every contender once, back to back:
 *   direct loopback TCP, the relay under test, the C reference relay (--ref-port/--ref-pid) and
 *   valkyrie, AeroFS's original Go relay (--valkyrie-port/--valkyrie-pid); idle does the same with
 *   the relay under test and valkyrie. Figures are medians over the rounds; a ratio is the median
 *   of the ratios taken within each round. A contender that is missing is reported as "not
 *   measured: <reason>" (--ref-missing, --valkyrie-missing).
 *   worker roles (one JSON result line on stdout at the end):
 *     recv      sink: relayed (connects to the relay) or direct (listens) receiver
 *     send      sender: relayed or direct
 *     echo      echoes everything back (relayed or direct)
 *     ping      ping-pong round trips against an echo
 *     hold      holds idle bound pairs until told to close
 *   utilities:
 *     freeports, wait-ready, status, help
 *
 * Wire protocol (docs/protocols/zephyr.md): ints are 32-bit big-endian; REGISTER (relay -> client)
 * and BIND (client -> relay) are MAGIC 0x829644A1, LENGTH 4, zid. valkyrie speaks the same
 * handshake; it differs in how a pair ends: when either side closes, it closes both sockets with
 * SO_LINGER 0 (a reset), which can discard bytes still on their way to the other side. So a
 * receiver stops at the stream's known length and closes, and the sender waits for that close,
 * for every contender alike.
 *
 * Worker <-> coordinator line protocol (worker stdout / stdin):
 *   worker: "ZIDS z1 z2 ..."  (relay mode, after REGISTER on every connection)
 *   coord:  "PEERS p1 p2 ..." (zid to bind each connection to, same order)
 *   worker: "BOUND"           (BINDs written)
 *   worker: "PORT p"          (direct receiver/echo listening) / "CONNECTED" (direct sender)
 *   coord:  "GO"              (start the timed part)
 *   worker: "READY {json}"    (hold: pairs established and checked)
 *   coord:  "CLOSE"           (hold: close everything)
 *   worker: "{json}"          (final result, always the last line)
 * A worker exits when its stdin closes (its coordinator is gone) or its watchdog fires.
 */

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

public final class ZephyrBench {

    static final int MAGIC = 0x829644A1;
    static final int BLOCK = 4096;               // stamp granularity of the stream content
    static final long OFFSET_MASK = (1L << 40) - 1;
    static final double MB = 1e6;                // throughput is reported in MB/s = 10^6 bytes/s
    static String role = "zephyrbench";

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || args[0].equals("help") || args[0].equals("--help") || args[0].equals("-h")) {
            System.out.println(USAGE);
            return;
        }
        role = args[0];
        Opts o = Opts.parse(args, 1);
        if (List.of("single", "pairs", "idle", "fdlimit", "latency").contains(role)) {
            double max = o.d("max-seconds", 1800);     // a scenario stops by itself, also without run.sh
            Thread w = new Thread(() -> {
                sleepMs((long) (max * 1000));
                log("watchdog: scenario still running after %.0f s, exiting", max);
                System.exit(124);                       // runs the hook that stops the worker JVMs
            }, "watchdog");
            w.setDaemon(true);
            w.start();
        }
        int code;
        try {
            code = switch (role) {
                case "single" -> Scenarios.single(o);
                case "pairs" -> Scenarios.pairs(o);
                case "idle" -> Scenarios.idle(o);
                case "fdlimit" -> Scenarios.fdlimit(o);
                case "latency" -> Scenarios.latency(o);
                case "recv" -> Roles.recv(o);
                case "send" -> Roles.send(o);
                case "echo" -> Roles.echo(o);
                case "ping" -> Roles.ping(o);
                case "hold" -> Roles.hold(o);
                case "freeports" -> Util.freePorts(o);
                case "wait-ready" -> Util.waitReady(o);
                case "status" -> Util.printStatus(o);
                default -> {
                    System.err.println("unknown command: " + role + "\n\n" + USAGE);
                    yield 2;
                }
            };
        } catch (Exception e) {
            log("failed: %s", e);
            if (Roles.isWorker(role)) {
                emit(Json.write(Json.obj("role", role, "ok", false, "error", String.valueOf(e))));
            }
            code = 2;
        }
        System.out.flush();
        System.exit(code);
    }

    static final String USAGE = """
            usage: java ZephyrBench.java <command> [--option value ...]

            scenarios (need a running relay: --relay-port, --status-port, --relay-pid; --host 127.0.0.1):
              single   [--bytes 2g] [--write-size 256k] [--reps 3] [--verify stamp[,crc]]
              pairs    [--pairs 100] [--bytes 20m] [--write-size 256k] [--reps 3] [--verify stamp]
              idle     [--pairs 4000] [--workers 4] [--warmup-pairs 200] [--reps 1] [--settle-ms 1000] [--gc-settle-ms 1500]
              fdlimit  [--max-conns 4000] [--register-timeout-ms 3000] [--probes 5]
              latency  [--rounds 20000] [--warmup 5000] [--size 64] [--reps 3]
              common:  --md FILE (append a markdown section), --summary FILE (append a table row),
                       --json FILE (append the JSON result), --worker-jvm "opts", --clk-tck 100,
                       --quiet-seconds 20 (wait for a quiet machine before each run; 0 = none)
              other relays in the rounds (single, pairs, latency; idle: valkyrie):
                       --ref-port P --ref-pid PID [--ref-name TEXT] | --ref-missing REASON
                       --valkyrie-port P --valkyrie-pid PID [--valkyrie-name TEXT] [--valkyrie-fd-limit N]
                       | --valkyrie-missing REASON
              targets: --target-ratio 0.6 (single, relayed/direct), --target-mbps 2000 (pairs),
                       --target-ref 1.0, --target-valkyrie 1.5 (relay / the other relay), --target-kib 4 (idle)
            worker roles: recv, send, echo, ping, hold (see the source header for the line protocol)
            utilities:
              freeports [--count 2]                   free loopback ports outside the ephemeral range
              wait-ready --relay-port P [--status-port S] [--relay-pid PID] [--timeout 120]
              status --status-port S                  print /status
            sizes accept k/m/g suffixes (binary: 1k = 1024).
            """;

    // ------------------------------------------------------------------------------------
    // small helpers
    // ------------------------------------------------------------------------------------

    static void log(String fmt, Object... args) {
        System.err.println("[" + role + "] " + String.format(Locale.ROOT, fmt, args));
        System.err.flush();
    }

    static synchronized void emit(String line) {
        System.out.println(line);
        System.out.flush();
    }

    static long deadline(double seconds) {
        return System.nanoTime() + (long) (seconds * 1e9);
    }

    static long remainingMs(long deadline) {
        return Math.max(0, (deadline - System.nanoTime()) / 1_000_000);
    }

    static void sleepMs(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }

    static String f(String fmt, Object... args) {
        return String.format(Locale.ROOT, fmt, args);
    }

    static String fmtBytes(long b) {
        if (b >= (1L << 30) && b % (1L << 30) == 0) return (b >> 30) + " GiB";
        if (b >= (1L << 20) && b % (1L << 20) == 0) return (b >> 20) + " MiB";
        if (b >= (1L << 10) && b % (1L << 10) == 0) return (b >> 10) + " KiB";
        return b + " B";
    }

    /** CPU seconds (user + system) used so far by a process, from /proc/<pid>/stat; -1 if unknown. */
    static double cpuSeconds(long pid, int clkTck) {
        try {
            String s = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] fld = s.substring(s.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(fld[11]) + Long.parseLong(fld[12])) / (double) clkTck;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * CPU seconds used so far by the JIT compiler threads of a JVM ("C1 CompilerThre",
     * "C2 CompilerThre" in /proc/<pid>/task/<tid>/stat); -1 if unknown or not a JVM.
     */
    static double jitCpuSeconds(long pid, int clkTck) {
        long ticks = 0;
        boolean any = false;
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                try {
                    String s = Files.readString(t.resolve("stat"));
                    String comm = s.substring(s.indexOf('(') + 1, s.lastIndexOf(')'));
                    if (!comm.startsWith("C1 Compiler") && !comm.startsWith("C2 Compiler")) continue;
                    String[] fld = s.substring(s.lastIndexOf(')') + 2).split(" ");
                    ticks += Long.parseLong(fld[11]) + Long.parseLong(fld[12]);
                    any = true;
                } catch (IOException | RuntimeException ignored) {
                    // thread gone
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return any ? ticks / (double) clkTck : -1;
    }

    static double selfCpu() {
        return cpuSeconds(ProcessHandle.current().pid(), 100);
    }

    // ------------------------------------------------------------------------------------
    // options
    // ------------------------------------------------------------------------------------

    static final class Opts {
        final Map<String, String> m = new LinkedHashMap<>();

        static Opts parse(String[] a, int from) {
            Opts o = new Opts();
            for (int i = from; i < a.length; i++) {
                String s = a[i];
                if (!s.startsWith("--")) throw new IllegalArgumentException("unexpected argument: " + s);
                String k = s.substring(2);
                String v;
                int eq = k.indexOf('=');
                if (eq >= 0) {
                    v = k.substring(eq + 1);
                    k = k.substring(0, eq);
                } else if (i + 1 < a.length && !a[i + 1].startsWith("--")) {
                    v = a[++i];
                } else {
                    v = "true";
                }
                o.m.put(k, v);
            }
            return o;
        }

        String str(String k, String def) {
            return m.getOrDefault(k, def);
        }

        String req(String k) {
            String v = m.get(k);
            if (v == null || v.isEmpty()) throw new IllegalArgumentException("missing --" + k);
            return v;
        }

        int i(String k, int def) {
            return m.containsKey(k) ? Integer.parseInt(m.get(k)) : def;
        }

        long l(String k, long def) {
            return m.containsKey(k) ? Long.parseLong(m.get(k)) : def;
        }

        double d(String k, double def) {
            return m.containsKey(k) ? Double.parseDouble(m.get(k)) : def;
        }

        long size(String k, long def) {
            return m.containsKey(k) ? parseSize(m.get(k)) : def;
        }

        static long parseSize(String s) {
            String t = s.trim().toLowerCase(Locale.ROOT).replace("ib", "").replace("b", "");
            long mul = 1;
            char c = t.isEmpty() ? ' ' : t.charAt(t.length() - 1);
            if (c == 'k') mul = 1L << 10;
            else if (c == 'm') mul = 1L << 20;
            else if (c == 'g') mul = 1L << 30;
            if (mul != 1) t = t.substring(0, t.length() - 1);
            return Math.round(Double.parseDouble(t) * mul);
        }
    }

    // ------------------------------------------------------------------------------------
    // minimal JSON (objects, arrays, strings, numbers, booleans, null)
    // ------------------------------------------------------------------------------------

    static final class Json {
        static Map<String, Object> obj(Object... kv) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (int i = 0; i + 1 < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
            return m;
        }

        static String write(Object v) {
            StringBuilder sb = new StringBuilder();
            write(sb, v);
            return sb.toString();
        }

        @SuppressWarnings("unchecked")
        static void write(StringBuilder sb, Object v) {
            if (v == null) {
                sb.append("null");
            } else if (v instanceof Map<?, ?> map) {
                sb.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    if (!first) sb.append(',');
                    first = false;
                    str(sb, String.valueOf(e.getKey()));
                    sb.append(':');
                    write(sb, e.getValue());
                }
                sb.append('}');
            } else if (v instanceof Iterable<?> it) {
                sb.append('[');
                boolean first = true;
                for (Object x : it) {
                    if (!first) sb.append(',');
                    first = false;
                    write(sb, x);
                }
                sb.append(']');
            } else if (v instanceof long[] arr) {
                List<Object> l = new ArrayList<>();
                for (long x : arr) l.add(x);
                write(sb, l);
            } else if (v instanceof Double d) {
                if (d.isNaN() || d.isInfinite()) sb.append("null");
                else if (d == Math.rint(d) && Math.abs(d) < 1e15) sb.append(d.longValue());
                else sb.append(d);
            } else if (v instanceof Number || v instanceof Boolean) {
                sb.append(v);
            } else {
                str(sb, v.toString());
            }
        }

        static void str(StringBuilder sb, String s) {
            sb.append('"');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                switch (c) {
                    case '"' -> sb.append("\\\"");
                    case '\\' -> sb.append("\\\\");
                    case '\n' -> sb.append("\\n");
                    case '\r' -> sb.append("\\r");
                    case '\t' -> sb.append("\\t");
                    default -> {
                        if (c < 0x20) sb.append(f("\\u%04x", (int) c));
                        else sb.append(c);
                    }
                }
            }
            sb.append('"');
        }

        static Object parse(String s) {
            Parser p = new Parser(s);
            p.ws();
            Object v = p.value();
            p.ws();
            if (p.i != s.length()) throw new IllegalArgumentException("trailing data in JSON at " + p.i);
            return v;
        }

        @SuppressWarnings("unchecked")
        static Map<String, Object> parseObj(String s) {
            Object v = parse(s);
            if (!(v instanceof Map)) throw new IllegalArgumentException("JSON is not an object: " + s);
            return (Map<String, Object>) v;
        }

        static final class Parser {
            final String s;
            int i;

            Parser(String s) {
                this.s = s;
            }

            void ws() {
                while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
            }

            char peek() {
                if (i >= s.length()) throw new IllegalArgumentException("unexpected end of JSON");
                return s.charAt(i);
            }

            void expect(char c) {
                if (peek() != c) throw new IllegalArgumentException("expected '" + c + "' at " + i + " in JSON");
                i++;
            }

            Object value() {
                char c = peek();
                switch (c) {
                    case '{': {
                        i++;
                        Map<String, Object> m = new LinkedHashMap<>();
                        ws();
                        if (peek() == '}') {
                            i++;
                            return m;
                        }
                        while (true) {
                            ws();
                            String k = string();
                            ws();
                            expect(':');
                            ws();
                            m.put(k, value());
                            ws();
                            if (peek() == ',') {
                                i++;
                                continue;
                            }
                            expect('}');
                            return m;
                        }
                    }
                    case '[': {
                        i++;
                        List<Object> l = new ArrayList<>();
                        ws();
                        if (peek() == ']') {
                            i++;
                            return l;
                        }
                        while (true) {
                            ws();
                            l.add(value());
                            ws();
                            if (peek() == ',') {
                                i++;
                                continue;
                            }
                            expect(']');
                            return l;
                        }
                    }
                    case '"':
                        return string();
                    case 't':
                        lit("true");
                        return Boolean.TRUE;
                    case 'f':
                        lit("false");
                        return Boolean.FALSE;
                    case 'n':
                        lit("null");
                        return null;
                    default:
                        return number();
                }
            }

            void lit(String w) {
                if (!s.startsWith(w, i)) throw new IllegalArgumentException("bad literal at " + i);
                i += w.length();
            }

            String string() {
                expect('"');
                StringBuilder sb = new StringBuilder();
                while (true) {
                    char c = s.charAt(i++);
                    if (c == '"') return sb.toString();
                    if (c == '\\') {
                        char e = s.charAt(i++);
                        switch (e) {
                            case 'n' -> sb.append('\n');
                            case 't' -> sb.append('\t');
                            case 'r' -> sb.append('\r');
                            case 'b' -> sb.append('\b');
                            case 'f' -> sb.append('\f');
                            case 'u' -> {
                                sb.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                                i += 4;
                            }
                            default -> sb.append(e);
                        }
                    } else {
                        sb.append(c);
                    }
                }
            }

            Object number() {
                int st = i;
                while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) i++;
                String t = s.substring(st, i);
                if (t.isEmpty()) throw new IllegalArgumentException("bad JSON value at " + st);
                if (t.contains(".") || t.contains("e") || t.contains("E")) return Double.parseDouble(t);
                try {
                    return Long.parseLong(t);
                } catch (NumberFormatException e) {
                    return Double.parseDouble(t);
                }
            }
        }

        static double num(Map<String, Object> m, String k, double def) {
            Object v = m.get(k);
            return v instanceof Number n ? n.doubleValue() : def;
        }

        static long lng(Map<String, Object> m, String k, long def) {
            Object v = m.get(k);
            return v instanceof Number n ? n.longValue() : def;
        }

        static boolean bool(Map<String, Object> m, String k) {
            return Boolean.TRUE.equals(m.get(k));
        }

        /** Find a key anywhere in a JSON tree (breadth first); null if absent. */
        @SuppressWarnings("unchecked")
        static Object find(Object tree, String key) {
            List<Object> queue = new ArrayList<>();
            queue.add(tree);
            for (int qi = 0; qi < queue.size() && qi < 10_000; qi++) {
                Object n = queue.get(qi);
                if (n instanceof Map<?, ?> m) {
                    if (m.containsKey(key)) return m.get(key);
                    queue.addAll(((Map<String, Object>) m).values());
                } else if (n instanceof List<?> l) {
                    queue.addAll(l);
                }
            }
            return null;
        }

        /** Numeric leaves of a JSON tree as path -> value. */
        static Map<String, Double> leaves(Object tree) {
            Map<String, Double> out = new LinkedHashMap<>();
            leaves(tree, "", out, 0);
            return out;
        }

        private static void leaves(Object n, String path, Map<String, Double> out, int depth) {
            if (depth > 8) return;
            if (n instanceof Number x) {
                out.put(path.isEmpty() ? "value" : path, x.doubleValue());
            } else if (n instanceof Map<?, ?> m) {
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    leaves(e.getValue(), path.isEmpty() ? String.valueOf(e.getKey()) : path + "." + e.getKey(), out, depth + 1);
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------
    // wire protocol and stream content
    // ------------------------------------------------------------------------------------

    static final class Wire {
        static SocketChannel connect(String host, int port, int timeoutMs) throws IOException {
            SocketChannel ch = SocketChannel.open();
            try {
                ch.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
                ch.socket().connect(new InetSocketAddress(host, port), timeoutMs);
                return ch;
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
        }

        /** Reads exactly n bytes from a blocking channel, failing after timeoutMs in total. */
        static byte[] readN(SocketChannel ch, int n, int timeoutMs) throws IOException {
            Socket s = ch.socket();
            InputStream in = s.getInputStream();
            byte[] b = new byte[n];
            int off = 0;
            long dl = deadline(timeoutMs / 1000.0);
            while (off < n) {
                long left = remainingMs(dl);
                if (left <= 0) throw new SocketTimeoutException("timed out after " + off + " of " + n + " bytes");
                s.setSoTimeout((int) Math.max(1, left));
                int r = in.read(b, off, n - off);
                if (r < 0) throw new EOFException("closed after " + off + " of " + n + " bytes");
                off += r;
            }
            return b;
        }

        static int readRegister(SocketChannel ch, int timeoutMs) throws IOException {
            ByteBuffer bb = ByteBuffer.wrap(readN(ch, 12, timeoutMs));
            int magic = bb.getInt();
            int len = bb.getInt();
            if (magic != MAGIC || len != 4) {
                throw new IOException(f("bad REGISTER header: magic %08x length %d", magic, len));
            }
            return bb.getInt();
        }

        static void writeAll(SocketChannel ch, ByteBuffer b) throws IOException {
            while (b.hasRemaining()) ch.write(b);
        }

        static void sendBind(SocketChannel ch, int peer) throws IOException {
            ByteBuffer b = ByteBuffer.allocate(12).putInt(MAGIC).putInt(4).putInt(peer).flip();
            writeAll(ch, b);
        }

        record Reg(SocketChannel ch, int zid) {
        }

        /** Opens n relay connections in batches (to stay under the accept backlog) and reads REGISTER on each. */
        static List<Reg> connectRelay(String host, int port, int n, int batch, int timeoutMs) throws IOException {
            List<Reg> out = new ArrayList<>(n);
            try {
                for (int i = 0; i < n; i += batch) {
                    List<SocketChannel> b = new ArrayList<>();
                    try {
                        for (int j = 0; j < Math.min(batch, n - i); j++) b.add(connect(host, port, timeoutMs));
                        for (SocketChannel ch : b) out.add(new Reg(ch, readRegister(ch, timeoutMs)));
                    } catch (IOException e) {
                        for (SocketChannel ch : b) closeQuietly(ch);
                        throw new IOException("relay connection " + (out.size() + 1) + " of " + n + ": " + e, e);
                    }
                }
                return out;
            } catch (IOException e) {
                for (Reg r : out) closeQuietly(r.ch());
                throw e;
            }
        }

        static void closeQuietly(AutoCloseable c) {
            try {
                if (c != null) c.close();
            } catch (Exception ignored) {
                // best effort
            }
        }

        // Stream content: a fixed pseudo-random 4 KiB block repeated, with the first 8 bytes of
        // every 4 KiB block replaced by (salt << 40 | absolute offset). The content is a pure
        // function of (salt, offset), so a receiver can check stamps cheaply and regenerate the
        // whole stream for a CRC check after the timed window.
        static final byte[] FILL = new byte[BLOCK];

        static {
            long x = 0x9E3779B97F4A7C15L;
            for (int i = 0; i < BLOCK; i++) {
                x ^= x << 13;
                x ^= x >>> 7;
                x ^= x << 17;
                FILL[i] = (byte) x;
            }
        }

        static ByteBuffer patternBuffer(int size) {
            if (size <= 0 || size % BLOCK != 0) throw new IllegalArgumentException("write size must be a multiple of " + BLOCK);
            ByteBuffer b = ByteBuffer.allocateDirect(size);
            for (int p = 0; p < size; p += BLOCK) b.put(FILL);
            return b.clear();
        }

        /** Stamps buf[0, len) as the stream bytes at [offset, offset+len); offset is a multiple of BLOCK. */
        static void stamp(ByteBuffer buf, int len, long offset, long salt) {
            buf.clear();
            for (int p = 0; p < len; p += BLOCK) buf.putLong(p, (salt << 40) | (offset + p));
            buf.limit(len).position(0);
        }

        static long expectedCrc(long bytes, long salt) {
            int size = 1 << 20;
            ByteBuffer b = patternBuffer(size);
            CRC32C c = new CRC32C();
            for (long off = 0; off < bytes; off += size) {
                int len = (int) Math.min(size, bytes - off);
                stamp(b, len, off, salt);
                c.update(b);
            }
            return c.getValue();
        }
    }

    /** Receive-side verification state of one stream. */
    static final class Rx {
        final long expectSalt;   // 0 = unknown (direct mode: learnt from the first stamp)
        long pos;
        long salt = -1;
        long stampsOk, stampsBad, firstBadAt = -1;
        CRC32C crc;
        long tFirst, tEnd;
        String error;

        Rx(long expectSalt, boolean crc) {
            this.expectSalt = expectSalt;
            this.crc = crc ? new CRC32C() : null;
        }

        /** buf holds n fresh bytes at [0, n). */
        void consume(ByteBuffer buf, int n, boolean stamps) {
            if (crc != null) {
                buf.position(0).limit(n);
                crc.update(buf);
            }
            if (stamps) {
                long start = pos, end = pos + n;
                for (long b = (start + BLOCK - 1) / BLOCK * BLOCK; b + 8 <= end; b += BLOCK) {
                    long v = buf.getLong((int) (b - start));
                    long s = v >>> 40;
                    if (salt < 0) salt = s;
                    if (s == salt && (v & OFFSET_MASK) == b) {
                        stampsOk++;
                    } else {
                        stampsBad++;
                        if (firstBadAt < 0) firstBadAt = b;
                    }
                }
            }
            pos += n;
        }
    }

    // ------------------------------------------------------------------------------------
    // worker roles
    // ------------------------------------------------------------------------------------

    static final class Roles {
        static final BlockingQueue<String> CONTROL = new LinkedBlockingQueue<>();

        static boolean isWorker(String r) {
            return List.of("recv", "send", "echo", "ping", "hold").contains(r);
        }

        /** Reads coordinator commands from stdin; exits when stdin closes; a watchdog bounds the lifetime. */
        static void startControl(Opts o) {
            double max = o.d("max-seconds", 900);
            Thread t = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                    String l;
                    while ((l = r.readLine()) != null) CONTROL.add(l.trim());
                } catch (IOException ignored) {
                    // treated as closed
                }
                if (!o.m.containsKey("no-stdin-exit")) {
                    log("control input closed, exiting");
                    Runtime.getRuntime().halt(5);
                }
            }, "control");
            t.setDaemon(true);
            t.start();
            Thread w = new Thread(() -> {
                sleepMs((long) (max * 1000));
                log("watchdog: still running after %.0f s, exiting", max);
                emit(Json.write(Json.obj("role", role, "ok", false, "error", "watchdog after " + max + " s")));
                Runtime.getRuntime().halt(6);
            }, "watchdog");
            w.setDaemon(true);
            w.start();
        }

        static String await(String word, double seconds) {
            long dl = deadline(seconds);
            while (true) {
                long left = remainingMs(dl);
                if (left <= 0) throw new IllegalStateException("no '" + word + "' from the coordinator within " + seconds + " s");
                String l;
                try {
                    l = CONTROL.poll(left, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    throw new IllegalStateException("interrupted");
                }
                if (l == null) continue;
                if (l.equals(word) || l.startsWith(word + " ")) return l.substring(word.length()).trim();
                log("ignoring unexpected command '%s' while waiting for %s", l, word);
            }
        }

        static int[] ints(String s) {
            String t = s.trim();
            if (t.isEmpty()) return new int[0];
            return Arrays.stream(t.split("\\s+")).mapToInt(Integer::parseInt).toArray();
        }

        static String zids(List<Wire.Reg> regs) {
            StringBuilder sb = new StringBuilder("ZIDS");
            for (Wire.Reg r : regs) sb.append(' ').append(r.zid());
            return sb.toString();
        }

        /** Relay mode setup shared by recv/send/echo/ping: connect, REGISTER, report zids, BIND to the given peers. */
        static List<SocketChannel> relaySetup(Opts o, int n) throws IOException {
            List<Wire.Reg> regs = Wire.connectRelay(o.str("host", "127.0.0.1"), Integer.parseInt(o.req("port")), n,
                    o.i("batch", 100), o.i("timeout-ms", 10_000));
            emit(zids(regs));
            int[] peers = ints(await("PEERS", 120));
            if (peers.length != n) throw new IllegalStateException("got " + peers.length + " peers for " + n + " connections");
            List<SocketChannel> chans = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Wire.sendBind(regs.get(i).ch(), peers[i]);
                chans.add(regs.get(i).ch());
            }
            emit("BOUND");
            return chans;
        }

        /** Direct mode listener: report the port, accept n connections. */
        static List<SocketChannel> directAccept(Opts o, int n) throws IOException {
            try (ServerSocketChannel ss = ServerSocketChannel.open()) {
                ss.bind(new InetSocketAddress("127.0.0.1", o.i("listen-port", 0)), n + 64);
                emit("PORT " + ((InetSocketAddress) ss.getLocalAddress()).getPort());
                ServerSocket adaptor = ss.socket();
                long dl = deadline(o.d("accept-seconds", 120));
                List<SocketChannel> chans = new ArrayList<>();
                while (chans.size() < n) {
                    long left = remainingMs(dl);
                    if (left <= 0) throw new SocketTimeoutException("accepted " + chans.size() + " of " + n);
                    adaptor.setSoTimeout((int) Math.max(1, left));
                    SocketChannel ch = adaptor.accept().getChannel();
                    ch.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
                    chans.add(ch);
                }
                return chans;
            }
        }

        static List<SocketChannel> directConnect(Opts o, int n) throws IOException {
            List<SocketChannel> chans = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                chans.add(Wire.connect(o.str("host", "127.0.0.1"), Integer.parseInt(o.req("port")), o.i("timeout-ms", 10_000)));
            }
            emit("CONNECTED");
            return chans;
        }

        // ---- recv --------------------------------------------------------------------------

        static int recv(Opts o) throws Exception {
            startControl(o);
            String mode = o.str("mode", "relay");
            int n = o.i("conns", 1);
            long bytes = o.size("bytes", -1);
            String verify = o.str("verify", "stamp");
            boolean stamps = !verify.equals("off");
            boolean crc = verify.equals("crc");
            int rsize = (int) o.size("read-size", 256 << 10);
            double maxTransfer = o.d("transfer-seconds", 600);

            warmUp(rsize);
            List<SocketChannel> chans = mode.equals("relay") ? relaySetup(o, n) : directAccept(o, n);
            Rx[] st = new Rx[n];
            for (int i = 0; i < n; i++) st[i] = new Rx(mode.equals("relay") ? i + 1 : 0, crc);

            double cpu0 = selfCpu();
            long dl = deadline(maxTransfer);
            if (n == 1) {
                receiveBlocking(chans.get(0), st[0], stamps, rsize, bytes);
            } else {
                receiveSelector(chans, st, stamps, rsize, dl, bytes);
            }
            double cpu1 = selfCpu();

            long total = 0, tFirst = Long.MAX_VALUE, tEnd = 0, stampsOk = 0, stampsBad = 0;
            List<String> errors = new ArrayList<>();
            List<Long> salts = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Rx s = st[i];
                total += s.pos;
                if (s.tFirst != 0) tFirst = Math.min(tFirst, s.tFirst);
                tEnd = Math.max(tEnd, s.tEnd);
                stampsOk += s.stampsOk;
                stampsBad += s.stampsBad;
                if (s.error != null) errors.add("stream " + i + ": " + s.error);
                if (bytes >= 0 && s.pos != bytes) errors.add(f("stream %d: received %d bytes, expected %d", i, s.pos, bytes));
                if (s.stampsBad > 0) errors.add(f("stream %d: %d bad stamps, first at offset %d", i, s.stampsBad, s.firstBadAt));
                if (s.expectSalt > 0 && s.salt >= 0 && s.salt != s.expectSalt) {
                    errors.add(f("stream %d: carries stream %d's data (pairs crossed)", i, s.salt - 1));
                }
                salts.add(s.salt);
            }
            if (salts.stream().distinct().count() != salts.size()) errors.add("two streams carried the same sender's data");
            double verifySeconds = 0;
            if (crc) {
                long t = System.nanoTime();
                for (int i = 0; i < n && errors.size() < 20; i++) {
                    long exp = Wire.expectedCrc(st[i].pos, Math.max(st[i].salt, 0));
                    if (exp != st[i].crc.getValue()) errors.add(f("stream %d: CRC32C mismatch", i));
                }
                verifySeconds = (System.nanoTime() - t) / 1e9;
            }
            emit(Json.write(Json.obj("role", "recv", "mode", mode, "conns", n, "ok", errors.isEmpty(),
                    "bytes_total", total, "bytes_expected_each", bytes, "verify", verify,
                    "stamps_ok", stampsOk, "stamps_bad", stampsBad,
                    "t_first_ns", tFirst == Long.MAX_VALUE ? 0 : tFirst, "t_end_ns", tEnd,
                    "cpu_s", cpu1 - cpu0, "crc_check_s", verifySeconds,
                    "errors", errors.subList(0, Math.min(errors.size(), 20)))));
            for (SocketChannel ch : chans) Wire.closeQuietly(ch);
            return errors.isEmpty() ? 0 : 1;
        }

        /**
         * Reads one stream: up to its expected length (then closes it, which tells the sender it
         * got everything) or, when the length is unknown (limit < 0), to end of stream. Stopping at
         * the length rather than waiting for the sender's close is what makes the measurement work
         * for every relay alike: valkyrie closes both sockets of a pair with SO_LINGER 0 (a reset)
         * as soon as one side ends, which can discard the bytes still on their way to the other.
         */
        static void receiveBlocking(SocketChannel ch, Rx s, boolean stamps, int rsize, long limit) {
            ByteBuffer buf = ByteBuffer.allocateDirect(rsize);
            try {
                while (limit < 0 || s.pos < limit) {
                    buf.clear();
                    if (limit >= 0) buf.limit((int) Math.min(rsize, limit - s.pos));
                    int r = ch.read(buf);
                    if (r < 0) break;
                    if (r == 0) continue;
                    if (s.tFirst == 0) s.tFirst = System.nanoTime();
                    s.consume(buf, r, stamps);
                }
            } catch (IOException e) {
                s.error = e.toString();
            }
            s.tEnd = System.nanoTime();
            Wire.closeQuietly(ch);
        }

        static void receiveSelector(List<SocketChannel> chans, Rx[] st, boolean stamps, int rsize, long dl, long limit)
                throws IOException {
            try (Selector sel = Selector.open()) {
                for (int i = 0; i < chans.size(); i++) {
                    chans.get(i).configureBlocking(false);
                    chans.get(i).register(sel, SelectionKey.OP_READ, i);
                }
                ByteBuffer buf = ByteBuffer.allocateDirect(rsize);
                int open = chans.size();
                while (open > 0) {
                    if (System.nanoTime() > dl) throw new IOException("transfer deadline passed with " + open + " streams unfinished");
                    sel.select(1000);
                    Iterator<SelectionKey> it = sel.selectedKeys().iterator();
                    while (it.hasNext()) {
                        SelectionKey k = it.next();
                        it.remove();
                        Rx s = st[(Integer) k.attachment()];
                        SocketChannel ch = (SocketChannel) k.channel();
                        buf.clear();
                        if (limit >= 0) buf.limit((int) Math.min(rsize, limit - s.pos));
                        int r;
                        try {
                            r = ch.read(buf);
                        } catch (IOException e) {
                            s.error = e.toString();
                            r = -1;
                        }
                        if (r > 0) {
                            if (s.tFirst == 0) s.tFirst = System.nanoTime();
                            s.consume(buf, r, stamps);
                        }
                        if (r < 0 || (limit >= 0 && s.pos >= limit)) {
                            s.tEnd = System.nanoTime();
                            k.cancel();
                            ch.close();
                            open--;
                        }
                    }
                }
            }
        }

        // ---- send --------------------------------------------------------------------------

        static int send(Opts o) throws Exception {
            startControl(o);
            String mode = o.str("mode", "relay");
            int n = o.i("conns", 1);
            long bytes = Opts.parseSize(o.req("bytes"));
            int ws = (int) o.size("write-size", 256 << 10);
            warmUp(ws);
            List<SocketChannel> chans = mode.equals("relay") ? relaySetup(o, n) : directConnect(o, n);
            await("GO", o.d("go-seconds", 300));
            long t0 = System.nanoTime();
            double cpu0 = selfCpu();
            String error = null;
            long t1 = 0;
            try {
                if (n == 1) {
                    SocketChannel ch = chans.get(0);
                    ByteBuffer buf = Wire.patternBuffer(ws);
                    for (long off = 0; off < bytes; off += ws) {
                        Wire.stamp(buf, (int) Math.min(ws, bytes - off), off, 1);
                        Wire.writeAll(ch, buf);
                    }
                    t1 = System.nanoTime();
                    awaitClose(ch, deadline(o.d("transfer-seconds", 600)));
                } else {
                    t1 = sendSelector(chans, bytes, ws, deadline(o.d("transfer-seconds", 600)));
                }
            } catch (IOException e) {
                error = e.toString();
            }
            if (t1 == 0) t1 = System.nanoTime();
            double cpu1 = selfCpu();
            emit(Json.write(Json.obj("role", "send", "mode", mode, "conns", n, "ok", error == null,
                    "bytes_each", bytes, "write_size", ws, "t_start_ns", t0, "t_end_ns", t1, "cpu_s", cpu1 - cpu0,
                    "error", error)));
            for (SocketChannel ch : chans) Wire.closeQuietly(ch);
            return error == null ? 0 : 1;
        }

        /** Per-stream send position; all streams share one buffer that is restamped before each write. */
        static final class Tx {
            final long salt;
            long off;       // stream offset of the current chunk (a multiple of the write size)
            int sent;       // bytes of the current chunk already written

            Tx(long salt) {
                this.salt = salt;
            }
        }

        /**
         * After the last write: waits until the receiver closes (end of stream or a reset, which
         * valkyrie sends), so that the sender's own close cannot cut bytes still in flight.
         */
        static void awaitClose(SocketChannel ch, long dl) throws IOException {
            Socket s = ch.socket();
            InputStream in = s.getInputStream();
            byte[] b = new byte[4096];
            while (true) {
                long left = remainingMs(dl);
                if (left <= 0) throw new SocketTimeoutException("the receiver did not close within the transfer deadline");
                s.setSoTimeout((int) Math.max(1, left));
                try {
                    if (in.read(b) < 0) break;
                } catch (SocketTimeoutException e) {
                    throw e;
                } catch (IOException e) {
                    break;                               // reset by the relay: the receiver is done too
                }
            }
            ch.close();
        }

        /** Writes every stream, then waits for each receiver's close (see awaitClose); returns the time of the last write. */
        static long sendSelector(List<SocketChannel> chans, long bytes, int ws, long dl) throws IOException {
            ByteBuffer buf = Wire.patternBuffer(ws);     // one buffer for all streams keeps the footprint cache-sized
            try (Selector sel = Selector.open()) {
                int open = 0;
                long lastWrite = System.nanoTime();
                ByteBuffer scratch = ByteBuffer.allocate(4096);
                for (int i = 0; i < chans.size(); i++) {
                    if (bytes <= 0) {
                        chans.get(i).close();
                        continue;
                    }
                    chans.get(i).configureBlocking(false);
                    chans.get(i).register(sel, SelectionKey.OP_WRITE, new Tx(i + 1));
                    open++;
                }
                while (open > 0) {
                    if (System.nanoTime() > dl) throw new IOException("transfer deadline passed with " + open + " streams unfinished");
                    sel.select(1000);
                    Iterator<SelectionKey> it = sel.selectedKeys().iterator();
                    while (it.hasNext()) {
                        SelectionKey k = it.next();
                        it.remove();
                        Tx t = (Tx) k.attachment();
                        SocketChannel ch = (SocketChannel) k.channel();
                        if (t.off >= bytes) {                 // written: waiting for the receiver's close
                            int r;
                            try {
                                scratch.clear();
                                r = ch.read(scratch);
                            } catch (IOException e) {
                                r = -1;
                            }
                            if (r < 0) {
                                k.cancel();
                                ch.close();
                                open--;
                            }
                            continue;
                        }
                        int len = (int) Math.min(ws, bytes - t.off);
                        Wire.stamp(buf, len, t.off, t.salt);
                        buf.position(t.sent);
                        t.sent += ch.write(buf);
                        if (t.sent == len) {
                            t.off += len;
                            t.sent = 0;
                            if (t.off >= bytes) {
                                lastWrite = System.nanoTime();
                                k.interestOps(SelectionKey.OP_READ);
                            }
                        }
                    }
                }
                return lastWrite;
            }
        }

        /** Runs the verification and stamping code on a scratch buffer so that the timed part starts JIT-compiled. */
        static void warmUp(int size) {
            ByteBuffer b = Wire.patternBuffer(size);
            Rx rx = new Rx(0, false);
            for (int i = 0; i < 3000; i++) {
                Wire.stamp(b, size, (long) i * size, 1);
                rx.consume(b, size, true);
            }
            if (rx.stampsBad != 0) throw new IllegalStateException("self-check of the stream pattern failed");
        }

        // ---- echo / ping -------------------------------------------------------------------

        static int echo(Opts o) throws Exception {
            startControl(o);
            String mode = o.str("mode", "relay");
            SocketChannel ch = (mode.equals("relay") ? relaySetup(o, 1) : directAccept(o, 1)).get(0);
            ByteBuffer buf = ByteBuffer.allocateDirect(64 << 10);
            long total = 0;
            String error = null;
            try {
                while (true) {
                    buf.clear();
                    int r = ch.read(buf);
                    if (r < 0) break;
                    buf.flip();
                    Wire.writeAll(ch, buf);
                    total += r;
                }
            } catch (IOException e) {
                error = e.toString();
            }
            Wire.closeQuietly(ch);
            emit(Json.write(Json.obj("role", "echo", "mode", mode, "ok", error == null, "bytes", total, "error", error)));
            return 0;
        }

        static int ping(Opts o) throws Exception {
            startControl(o);
            String mode = o.str("mode", "relay");
            int size = o.i("size", 64);
            int warmup = o.i("warmup", 5000);
            int rounds = o.i("rounds", 20_000);
            SocketChannel ch = (mode.equals("relay") ? relaySetup(o, 1) : directConnect(o, 1)).get(0);
            await("GO", o.d("go-seconds", 300));
            ByteBuffer out = ByteBuffer.allocateDirect(size);
            ByteBuffer in = ByteBuffer.allocateDirect(size);
            for (int i = 0; i < size; i++) out.put(i, (byte) (i * 31 + 7));
            long[] lat = new long[rounds];
            long dl = deadline(o.d("transfer-seconds", 300));
            String error = null;
            double cpu0 = selfCpu();
            long tStart = System.nanoTime();
            int done = 0;
            try {
                for (int i = 0; i < warmup + rounds; i++) {
                    if ((i & 1023) == 0 && System.nanoTime() > dl) throw new IOException("deadline passed after " + i + " round trips");
                    out.putLong(0, i).clear();
                    in.clear();
                    long t = System.nanoTime();
                    Wire.writeAll(ch, out);
                    while (in.hasRemaining()) {
                        if (ch.read(in) < 0) throw new EOFException("echo closed after " + i + " round trips");
                    }
                    long rtt = System.nanoTime() - t;
                    if (in.getLong(0) != i || in.get(size - 1) != out.get(size - 1)) throw new IOException("echo mismatch at round " + i);
                    if (i >= warmup) lat[i - warmup] = rtt;
                    done = i + 1;
                }
            } catch (IOException e) {
                error = e.toString();
            }
            double seconds = (System.nanoTime() - tStart) / 1e9;
            double cpu = selfCpu() - cpu0;
            Wire.closeQuietly(ch);
            int measured = Math.max(0, done - warmup);
            long[] l = Arrays.copyOf(lat, measured);
            Arrays.sort(l);
            double sum = 0;
            for (long x : l) sum += x;
            emit(Json.write(Json.obj("role", "ping", "mode", mode, "ok", error == null, "size", size, "warmup", warmup,
                    "rounds", measured, "seconds", seconds, "cpu_s", cpu,
                    "min_us", us(l, 0), "p50_us", pct(l, 0.50), "p90_us", pct(l, 0.90), "p99_us", pct(l, 0.99),
                    "p999_us", pct(l, 0.999), "max_us", us(l, l.length - 1), "mean_us", l.length == 0 ? 0 : sum / l.length / 1e3,
                    "error", error)));
            return error == null ? 0 : 1;
        }

        static double us(long[] sorted, int idx) {
            return sorted.length == 0 || idx < 0 ? Double.NaN : sorted[idx] / 1e3;
        }

        static double pct(long[] sorted, double q) {
            if (sorted.length == 0) return Double.NaN;
            int idx = (int) Math.ceil(q * sorted.length) - 1;
            return sorted[Math.max(0, Math.min(sorted.length - 1, idx))] / 1e3;
        }

        // ---- hold --------------------------------------------------------------------------

        static int hold(Opts o) throws Exception {
            startControl(o);
            int pairs = o.i("pairs", 1000);
            int msg = o.i("ping-bytes", 64);
            long t0 = System.nanoTime();
            List<Wire.Reg> regs = Wire.connectRelay(o.str("host", "127.0.0.1"), Integer.parseInt(o.req("port")), 2 * pairs,
                    o.i("batch", 100), o.i("timeout-ms", 10_000));
            for (int i = 0; i < pairs; i++) {
                Wire.Reg a = regs.get(2 * i), b = regs.get(2 * i + 1);
                Wire.sendBind(a.ch(), b.zid());
                Wire.sendBind(b.ch(), a.zid());
            }
            // prove every pair is bound: one small message each way
            int ok = 0, failed = 0;
            String firstError = null;
            for (int i = 0; i < pairs; i++) {
                if (failed >= 3) {                 // the relay is probably gone: do not wait 10 s per pair
                    failed += pairs - i;
                    firstError += f(" (gave up after 3 failures; %d pairs unchecked)", pairs - i);
                    break;
                }
                SocketChannel a = regs.get(2 * i).ch(), b = regs.get(2 * i + 1).ch();
                try {
                    exchange(a, b, msg, i, o.i("timeout-ms", 10_000));
                    exchange(b, a, msg, ~i, o.i("timeout-ms", 10_000));
                    ok++;
                } catch (IOException e) {
                    failed++;
                    if (firstError == null) firstError = "pair " + i + ": " + e;
                }
            }
            double setup = (System.nanoTime() - t0) / 1e9;
            emit("READY " + Json.write(Json.obj("pairs", pairs, "sockets", 2 * pairs, "ping_ok", ok, "ping_failed", failed,
                    "setup_s", setup, "first_error", firstError)));
            try {
                await("CLOSE", o.d("hold-seconds", 600));
            } catch (IllegalStateException e) {
                log("no CLOSE received, closing after the hold time");
            }
            for (Wire.Reg r : regs) Wire.closeQuietly(r.ch());
            emit(Json.write(Json.obj("role", "hold", "ok", failed == 0, "pairs", pairs, "ping_ok", ok, "ping_failed", failed,
                    "setup_s", setup, "first_error", firstError)));
            return failed == 0 ? 0 : 1;
        }

        /** Writes a patterned message on a and reads it back on b. */
        static void exchange(SocketChannel a, SocketChannel b, int size, int seed, int timeoutMs) throws IOException {
            ByteBuffer m = ByteBuffer.allocate(size);
            for (int j = 0; j < size; j++) m.put(j, (byte) (seed * 131 + j * 7));
            Wire.writeAll(a, m.duplicate());
            byte[] got = Wire.readN(b, size, timeoutMs);
            if (!Arrays.equals(got, m.array())) throw new IOException("relayed bytes differ");
        }
    }

    // ------------------------------------------------------------------------------------
    // coordinator side: worker processes, the relay under test, report output
    // ------------------------------------------------------------------------------------

    static final class Proc implements AutoCloseable {
        static final List<Proc> ALL = new CopyOnWriteArrayList<>();
        static final String EOF = "\u0000EOF";

        static {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                for (Proc p : ALL) p.p.destroyForcibly();
            }));
        }

        final String name;
        final Process p;
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final BufferedWriter in;

        Proc(String name, List<String> cmd) throws IOException {
            this.name = name;
            this.p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            ALL.add(this);
            this.in = new BufferedWriter(new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8));
            Thread t = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    String l;
                    while ((l = r.readLine()) != null) lines.add(l);
                } catch (IOException ignored) {
                    // process gone
                }
                lines.add(EOF);
            }, "out-" + name);
            t.setDaemon(true);
            t.start();
        }

        /** Waits for a stdout line starting with prefix and returns the rest of it. */
        String expect(String prefix, double seconds) {
            long dl = deadline(seconds);
            while (true) {
                long left = remainingMs(dl);
                if (left <= 0) throw new IllegalStateException(name + ": no '" + prefix.trim() + "' within " + seconds + " s");
                String l;
                try {
                    l = lines.poll(left, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    throw new IllegalStateException("interrupted");
                }
                if (l == null) continue;
                if (l.equals(EOF)) {
                    lines.add(EOF);
                    String code = "?";
                    try {
                        if (p.waitFor(2, TimeUnit.SECONDS)) code = String.valueOf(p.exitValue());
                    } catch (InterruptedException ignored) {
                        // keep "?"
                    }
                    throw new IllegalStateException(name + " exited (code " + code + ") before '" + prefix.trim() + "'");
                }
                if (l.startsWith(prefix)) return l.substring(prefix.length()).trim();
                if (l.startsWith("{")) {
                    Map<String, Object> m = Json.parseObj(l);
                    if (m.containsKey("error") && m.get("error") != null) {
                        throw new IllegalStateException(name + " failed: " + m.get("error"));
                    }
                }
                log("%s: unexpected line: %s", name, l);
            }
        }

        Map<String, Object> result(double seconds) {
            return Json.parseObj("{" + expect("{", seconds));
        }

        void send(String line) {
            try {
                in.write(line);
                in.write('\n');
                in.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(name + ": cannot write to worker", e);
            }
        }

        @Override
        public void close() {
            if (p.isAlive()) {
                try {
                    in.close();
                } catch (IOException ignored) {
                    // already gone
                }
                try {
                    if (!p.waitFor(3, TimeUnit.SECONDS)) {
                        p.destroy();
                        if (!p.waitFor(3, TimeUnit.SECONDS)) p.destroyForcibly().waitFor(3, TimeUnit.SECONDS);
                    }
                } catch (InterruptedException e) {
                    p.destroyForcibly();
                }
            }
            ALL.remove(this);
        }
    }

    /** Access to the relay under test: ports, pid, /status, /proc. */
    static final class Relay {
        final String host;
        final int port;
        final int statusPort;
        final long pid;
        final int clkTck;
        final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(3)).build();

        Relay(Opts o) {
            host = o.str("host", "127.0.0.1");
            port = Integer.parseInt(o.req("relay-port"));
            statusPort = o.i("status-port", 0);
            pid = o.l("relay-pid", 0);
            clkTck = o.i("clk-tck", 100);
        }

        String get(String path, double timeoutSeconds) throws IOException {
            return get(http, path, timeoutSeconds);
        }

        /** GET over a new HTTP client, i.e. a new TCP connection rather than a pooled one. */
        String getFresh(String path, double timeoutSeconds) throws IOException {
            HttpClient c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofMillis((long) (timeoutSeconds * 1000))).build();
            try {
                return get(c, path, timeoutSeconds);
            } finally {
                c.shutdownNow();
            }
        }

        String get(HttpClient client, String path, double timeoutSeconds) throws IOException {
            if (statusPort <= 0) throw new IOException("no --status-port");
            HttpRequest req = HttpRequest.newBuilder(URI.create("http://" + host + ":" + statusPort + path))
                    .timeout(Duration.ofMillis((long) (timeoutSeconds * 1000))).GET().build();
            try {
                HttpResponse<String> r = client.send(req, HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200) throw new IOException("GET " + path + " -> HTTP " + r.statusCode());
                return r.body();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
        }

        Map<String, Object> status(double timeoutSeconds) throws IOException {
            return Json.parseObj(get("/status", timeoutSeconds));
        }

        Map<String, Object> statusOrNull() {
            try {
                return status(5);
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }

        static double statusNum(Map<String, Object> st, String key) {
            if (st == null) return Double.NaN;
            Object v = Json.find(st, key);
            return v instanceof Number n ? n.doubleValue() : Double.NaN;
        }

        boolean alive() {
            return pid <= 0 || ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        }

        double cpu() {
            return pid > 0 ? cpuSeconds(pid, clkTck) : -1;
        }

        /** CPU seconds of the relay JVM's JIT compiler threads; -1 if unknown or not a JVM. */
        double jitCpu() {
            return pid > 0 ? jitCpuSeconds(pid, clkTck) : -1;
        }

        /**
         * Another relay given with --<prefix>-port/--<prefix>-pid, or null: prefix ref, the C
         * reference relay (bench/zephyr/ref-relay.c); prefix valkyrie, AeroFS's original Go relay.
         */
        static Relay other(Opts o, String prefix) {
            if (o.i(prefix + "-port", 0) <= 0) return null;
            return new Relay(Opts.parse(new String[]{"--host", o.str("host", "127.0.0.1"), "--relay-port", o.req(prefix + "-port"),
                    "--relay-pid", o.str(prefix + "-pid", "0"), "--clk-tck", o.str("clk-tck", "100")}, 0));
        }

        /** A line of /proc/<pid>/status in KiB (VmRSS, RssAnon, ...); -1 if unknown. */
        long procKiB(String key) {
            try {
                for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                    if (l.startsWith(key + ":")) return Long.parseLong(l.substring(key.length() + 1).trim().split("\\s+")[0]);
                }
            } catch (IOException | RuntimeException ignored) {
                // unknown
            }
            return -1;
        }

        int openFds() {
            try (var s = Files.list(Path.of("/proc/" + pid + "/fd"))) {
                return (int) s.count();
            } catch (IOException | RuntimeException e) {
                return -1;
            }
        }

        String fdLimit() {
            try {
                for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/limits"))) {
                    if (l.startsWith("Max open files")) {
                        String[] p = l.substring("Max open files".length()).trim().split("\\s+");
                        return p[0] + " (hard " + p[1] + ")";
                    }
                }
            } catch (IOException | RuntimeException ignored) {
                // unknown
            }
            return "?";
        }

        String jcmd(String... args) {
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString());
            cmd.add(String.valueOf(pid));
            cmd.addAll(List.of(args));
            try {
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    return null;
                }
                return p.exitValue() == 0 ? out : null;
            } catch (IOException | InterruptedException e) {
                return null;
            }
        }

        /**
         * Live Java heap (KiB): the bytes of every class in `jcmd GC.class_histogram`, which runs a
         * full GC first, except the GC's own filler arrays (jdk.internal.vm.FillerElement). Those
         * pad unused heap space and are no object of the relay; `GC.heap_info`'s "used" counts
         * them, and after 8,000 connections had come and gone it showed about 11 MB of them as if
         * the closed connections were still reachable. -1 if unknown.
         */
        long heapUsedKiB() {
            String out = jcmd("GC.class_histogram");
            if (out == null) return -1;
            long sum = 0;
            boolean any = false;
            for (String l : out.split("\n")) {
                String[] fld = l.trim().split("\\s+");
                if (fld.length < 4 || !fld[0].endsWith(":") || fld[3].contains("FillerElement")) continue;
                try {
                    sum += Long.parseLong(fld[2]);
                    any = true;
                } catch (NumberFormatException ignored) {
                    // not a class line
                }
            }
            return any ? sum / 1024 : -1;
        }

        /** Polls /status until bound_pairs >= want (if the relay reports it); returns whether it was seen. */
        boolean waitBoundPairs(double want, double seconds) {
            long dl = deadline(seconds);
            while (System.nanoTime() < dl) {
                double b = statusNum(statusOrNull(), "bound_pairs");
                if (Double.isNaN(b)) {
                    sleepMs(500);
                    return false;
                }
                if (b >= want) return true;
                sleepMs(20);
            }
            return false;
        }

        boolean waitConnections(double atMost, double seconds) {
            long dl = deadline(seconds);
            while (System.nanoTime() < dl) {
                double c = statusNum(statusOrNull(), "connections");
                if (Double.isNaN(c) || c <= atMost) return !Double.isNaN(c);
                sleepMs(100);
            }
            return false;
        }
    }

    /** Report output of a scenario: markdown section, summary row, JSON. */
    static final class Report {
        final Opts o;
        final StringBuilder md = new StringBuilder();
        final Map<String, Object> json = new LinkedHashMap<>();

        Report(Opts o, String scenario) {
            this.o = o;
            json.put("scenario", scenario);
        }

        Report line(String s) {
            md.append(s).append('\n');
            return this;
        }

        void summary(String scenario, String result, String ratio, String target, String verdict) {
            String row = "| " + scenario + " | " + result + " | " + ratio + " | " + target + " | " + verdict + " |\n";
            append(o.str("summary", null), row);
        }

        void finish() {
            append(o.str("md", null), md + "\n");
            String j = Json.write(json);
            append(o.str("json", null), j + "\n");
            emit(j);
            System.err.println(md);
        }

        static void append(String file, String text) {
            if (file == null || file.isEmpty()) return;
            try {
                Files.writeString(Path.of(file), text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    // ------------------------------------------------------------------------------------
    // scenarios
    // ------------------------------------------------------------------------------------

    static final class Scenarios {
        private static String classpath;

        /** Class path for worker JVMs: ours if compiled, else compile this source file once into a temp dir. */
        static synchronized String classpath() throws IOException {
            if (classpath != null) return classpath;
            Path loc;
            try {
                loc = Path.of(ZephyrBench.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            } catch (Exception e) {
                loc = Path.of(System.getProperty("jdk.launcher.sourcefile", "bench/zephyr/ZephyrBench.java"));
            }
            if (!loc.toString().endsWith(".java")) {
                classpath = loc.toString();
                return classpath;
            }
            Path out = Files.createTempDirectory("zephyrbench-classes");
            var javac = javax.tools.ToolProvider.getSystemJavaCompiler();
            if (javac == null) throw new IOException("no javac in this Java runtime; run the compiled tool (bench/zephyr/run.sh)");
            int rc = javac.run(null, null, null, "-d", out.toString(), loc.toString());
            if (rc != 0) throw new IOException("compiling " + loc + " failed");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try (var s = Files.walk(out)) {
                    s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                } catch (IOException ignored) {
                    // temp dir
                }
            }));
            classpath = out.toString();
            return classpath;
        }

        static Proc worker(Opts o, String name, String roleName, String... args) throws IOException {
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            for (String s : o.str("worker-jvm", "-XX:+UseSerialGC -Xms64m -Xmx512m").trim().split("\\s+")) {
                if (!s.isEmpty()) cmd.add(s);
            }
            cmd.add("-cp");
            cmd.add(classpath());
            cmd.add("ZephyrBench");
            cmd.add(roleName);
            cmd.addAll(List.of(args));
            return new Proc(name, cmd);
        }

        static double median(List<Double> xs) {
            List<Double> s = xs.stream().filter(x -> !x.isNaN()).sorted().toList();
            if (s.isEmpty()) return Double.NaN;
            int n = s.size();
            return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
        }

        static String verdict(boolean ok) {
            return ok ? "meets target" : "**below target**";
        }

        // ---- streams -----------------------------------------------------------------------

        /**
         * One timed transfer. mode: direct, relay (the relay under test) or ref (the reference relay).
         * relayJitCores: the part of relayCores spent by the relay JVM's JIT compiler threads.
         */
        record StreamRun(String mode, int conns, long bytesEach, double seconds, double mbps, double relayCores,
                         double relayJitCores, double sendCores, double recvCores, double machineCores, String busyNote,
                         boolean ok, String problem) {
        }

        /** {busy, total} jiffies of the whole machine from /proc/stat. */
        static long[] machineJiffies() {
            try {
                String[] p = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
                long total = 0;
                for (int i = 1; i <= 8 && i < p.length; i++) total += Long.parseLong(p[i]);
                long idle = Long.parseLong(p[4]) + Long.parseLong(p[5]);
                return new long[]{total - idle, total};
            } catch (IOException | RuntimeException e) {
                return new long[]{0, 0};
            }
        }

        static double busyCores(long[] a, long[] b) {
            long dt = b[1] - a[1];
            return dt <= 0 ? Double.NaN : (b[0] - a[0]) / (double) dt * Runtime.getRuntime().availableProcessors();
        }

        /**
         * Waits (bounded) until the machine is quiet, i.e. other work (builds, tests of other people on a
         * shared machine) is not using the CPUs; returns null when quiet, else a note for the report.
         */
        static String waitQuiet(Opts o) {
            double max = o.d("quiet-seconds", 20), limit = o.d("quiet-cores", 0.3);
            if (max <= 0) return null;                 // QUICK: no waiting
            long dl = deadline(max);
            double c = Double.NaN;
            for (int i = 0; i < 1000 && System.nanoTime() < dl; i++) {
                long[] a = machineJiffies();
                sleepMs(500);
                c = busyCores(a, machineJiffies());
                if (!(c > limit)) return null;
            }
            String note = f("machine busy (%.2f cores) before the run, waited %.0f s", c, max);
            log("%s", note);
            return note;
        }

        static StreamRun runStream(Opts o, Relay relay, String mode, int conns, long bytesEach, int ws, String verify)
                throws Exception {
            String[] common = {"--conns", String.valueOf(conns), "--bytes", String.valueOf(bytesEach),
                    "--host", relay.host, "--write-size", String.valueOf(ws), "--verify", verify};
            long total = bytesEach * conns;
            double transfer = 60 + total / (20 * MB);
            boolean relayed = !mode.equals("direct");
            String wireMode = relayed ? "relay" : "direct";
            try (Proc recv = worker(o, "recv-" + mode, "recv", cat(common, "--mode", wireMode, "--port", String.valueOf(relay.port),
                    "--transfer-seconds", String.valueOf(transfer + 60)))) {
                Proc send = null;
                try {
                    if (relayed) {
                        send = worker(o, "send-" + mode, "send", cat(common, "--mode", "relay", "--port", String.valueOf(relay.port),
                                "--transfer-seconds", String.valueOf(transfer + 60)));
                        String rz = recv.expect("ZIDS", 120);
                        String sz = send.expect("ZIDS", 120);
                        recv.send("PEERS " + sz);
                        recv.expect("BOUND", 60);
                        send.send("PEERS " + rz);
                        send.expect("BOUND", 60);
                        if (!relay.waitBoundPairs(conns, 15)) sleepMs(300);
                    } else {
                        String port = recv.expect("PORT", 120);
                        send = worker(o, "send-direct", "send", cat(common, "--mode", "direct", "--port", port,
                                "--transfer-seconds", String.valueOf(transfer + 60)));
                        send.expect("CONNECTED", 120);
                    }
                    String busy = waitQuiet(o);
                    long[] j0 = machineJiffies();
                    double rc0 = relay.cpu(), jc0 = relay.jitCpu();
                    long w0 = System.nanoTime();
                    send.send("GO");
                    Map<String, Object> sr = send.result(transfer + 120);
                    Map<String, Object> rr = recv.result(transfer + 120);
                    double wall = (System.nanoTime() - w0) / 1e9;
                    double rc1 = relay.cpu(), jc1 = relay.jitCpu();
                    double machine = busyCores(j0, machineJiffies());
                    long tStart = Json.lng(sr, "t_start_ns", 0), tEnd = Json.lng(rr, "t_end_ns", 0);
                    double secs = (tEnd - tStart) / 1e9;
                    long got = Json.lng(rr, "bytes_total", -1);
                    boolean ok = Json.bool(sr, "ok") && Json.bool(rr, "ok") && got == total;
                    String problem = ok ? null : ("send: " + sr.get("error") + "; recv: " + rr.get("errors"));
                    double relayCores = relayed && rc0 >= 0 ? (rc1 - rc0) / wall : Double.NaN;
                    double jitCores = relayed && jc0 >= 0 && jc1 >= 0 ? (jc1 - jc0) / wall : Double.NaN;
                    StreamRun run = new StreamRun(mode, conns, bytesEach, secs, got / MB / secs, relayCores, jitCores,
                            Json.num(sr, "cpu_s", Double.NaN) / secs, Json.num(rr, "cpu_s", Double.NaN) / secs, machine, busy, ok,
                            problem);
                    log("%s x%d: %s in %.2f s = %.0f MB/s%s (cpu: relay %.2f%s, send %.2f, recv %.2f, machine %.2f cores)", mode,
                            conns, fmtBytes(total), secs, run.mbps(), ok ? "" : " FAILED " + problem, relayCores,
                            Double.isNaN(jitCores) ? "" : f(" of which JIT %.2f", jitCores), run.sendCores(), run.recvCores(), machine);
                    return run;
                } finally {
                    if (send != null) send.close();
                }
            }
        }

        static String[] cat(String[] a, String... b) {
            String[] r = Arrays.copyOf(a, a.length + b.length);
            System.arraycopy(b, 0, r, a.length, b.length);
            return r;
        }

        /** Throughputs of the runs whose data verified; failed runs are shown but not aggregated. */
        static List<Double> okRates(List<StreamRun> runs) {
            return runs.stream().filter(StreamRun::ok).map(StreamRun::mbps).toList();
        }

        static String cores(double c) {
            return Double.isNaN(c) ? "–" : f("%.2f", c);
        }

        /**
         * Unmeasured relayed runs of the measured shape until the relay's JIT has settled: until a
         * run in which the JIT compiler threads used under --jit-settled (default 3%) of the relay's
         * CPU, at least --relay-warmup-runs-min (2) and at most --relay-warmup-runs (8) runs. Every
         * run opens new connections, so connection set-up and teardown get compiled too; a JVM that
         * has run for a while has long compiled them, and JIT work during a measured run would
         * otherwise be counted as the relay's cost. Returns a one-line account for the report.
         */
        static String warmUp(Opts o, Relay relay, int conns, int ws, String verify) throws Exception {
            long warm = o.size("relay-warmup-bytes", 256L << 20);
            if (warm <= 0) return "no warm-up";
            long each = Math.max(ws, warm / conns / ws * ws);
            int min = o.i("relay-warmup-runs-min", 2), max = Math.max(min, o.i("relay-warmup-runs", 8));
            double settled = o.d("jit-settled", 0.03);
            List<String> shares = new ArrayList<>();
            for (int i = 1; i <= max; i++) {
                log("warming up the relay (not measured), run %d: %d x %s", i, conns, fmtBytes(each));
                StreamRun w = runStream(o, relay, RELAY, conns, each, ws, verify);
                if (!w.ok()) log("warm-up run failed: %s", w.problem());
                double share = w.relayJitCores() / w.relayCores();
                shares.add(Double.isNaN(share) ? "?" : f("%.0f%%", share * 100));
                if (i >= min && (Double.isNaN(share) || share < settled)) break;
            }
            return f("%d unmeasured relayed run(s) of %d x %s through the relay under test first; JIT share of its CPU in each: %s",
                    shares.size(), conns, fmtBytes(each), String.join(", ", shares));
        }

        // ---- contenders --------------------------------------------------------------------

        static final String DIRECT = "direct", RELAY = "relay", REF = "ref", VALKYRIE = "valkyrie";

        /**
         * One of the paths a scenario measures in every round: direct loopback TCP (no relay), the
         * relay under test, the C reference relay (bench/zephyr/ref-relay.c) and valkyrie, AeroFS's
         * original Go relay. A contender that is not available carries the reason (missing).
         */
        record Contender(String key, String label, Relay relay, String missing) {
            boolean measured() {
                return missing == null;
            }
        }

        /** The contenders in their order within round 1 (later rounds rotate it); withDirect: include direct TCP. */
        static List<Contender> contenders(Opts o, Relay relay, boolean withDirect) {
            List<Contender> c = new ArrayList<>();
            if (withDirect) c.add(new Contender(DIRECT, "direct loopback TCP", relay, null));
            c.add(new Contender(RELAY, "relay under test", relay, null));
            Relay ref = Relay.other(o, "ref");
            c.add(new Contender(REF, "C reference relay", ref, ref != null ? null : o.str("ref-missing", "not started")));
            Relay vk = Relay.other(o, "valkyrie");
            c.add(new Contender(VALKYRIE, "valkyrie (Go)", vk, vk != null ? null : o.str("valkyrie-missing", "not started")));
            return c;
        }

        static Contender contender(List<Contender> cs, String key) {
            return cs.stream().filter(c -> c.key().equals(key)).findFirst().orElseThrow();
        }

        /** The measured contenders of round i (0-based): round 1 in the given order, each later round starting one further. */
        static List<Contender> roundOrder(List<Contender> cs, int i) {
            List<Contender> m = cs.stream().filter(Contender::measured).toList();
            List<Contender> out = new ArrayList<>();
            for (int j = 0; j < m.size(); j++) out.add(m.get((i + j) % m.size()));
            return out;
        }

        static String orderText(List<Contender> cs) {
            return String.join(" → ", cs.stream().filter(Contender::measured).map(Contender::label).toList());
        }

        /** "not measured: <reason>" lines for the contenders that are missing. */
        static void missingLines(Report rep, List<Contender> cs) {
            for (Contender c : cs) {
                if (!c.measured()) rep.line("- " + c.label() + ": **not measured: " + c.missing() + "**");
            }
            if (cs.stream().anyMatch(c -> !c.measured())) rep.line("");
        }

        /** The median over rounds of x[i] / y[i], each ratio taken within one round (pairs with a NaN are left out). */
        static double pairedRatio(List<Double> x, List<Double> y) {
            List<Double> r = new ArrayList<>();
            for (int i = 0; i < Math.min(x.size(), y.size()); i++) r.add(x.get(i) / y.get(i));
            return median(r);
        }

        /** The median over rounds of x[i] - y[i], each difference taken within one round. */
        static double pairedDiff(List<Double> x, List<Double> y) {
            List<Double> r = new ArrayList<>();
            for (int i = 0; i < Math.min(x.size(), y.size()); i++) r.add(x.get(i) - y.get(i));
            return median(r);
        }

        /** Throughput per round, NaN for a run whose data check failed. */
        static List<Double> rates(List<StreamRun> runs) {
            return runs.stream().map(r -> r.ok() ? r.mbps() : Double.NaN).toList();
        }

        // ---- streams: rounds ---------------------------------------------------------------

        /**
         * Warm-up, then reps rounds; each round runs every available contender once, back to back
         * (round i starts with the i-th contender). Returns the runs per contender, index = round.
         */
        static Map<String, List<StreamRun>> alternate(Opts o, List<Contender> cs, int conns, long bytesEach, int ws, String verify,
                                                      int reps, Report rep) throws Exception {
            boolean warm = o.size("relay-warmup-bytes", 256L << 20) > 0;
            rep.line("Warm-up: " + warmUp(o, contender(cs, RELAY).relay(), conns, ws, verify) + (warm ? "; one unmeasured run of "
                    + fmtBytes(Math.max(ws, (64L << 20) / conns / ws * ws)) + " per stream through each other relay" : "") + ".").line("");
            for (Contender c : cs) {
                if (!warm || !c.measured() || c.key().equals(RELAY) || c.key().equals(DIRECT)) continue;
                StreamRun w = runStream(o, c.relay(), c.key(), conns, Math.max(ws, (64L << 20) / conns / ws * ws), ws, verify);
                if (!w.ok()) log("%s warm-up run failed: %s", c.key(), w.problem());
            }
            Map<String, List<StreamRun>> out = new LinkedHashMap<>();
            for (Contender c : cs) if (c.measured()) out.put(c.key(), new ArrayList<>());
            for (int i = 0; i < reps; i++) {
                log("round %d of %d", i + 1, reps);
                for (Contender c : roundOrder(cs, i)) out.get(c.key()).add(runStream(o, c.relay(), c.key(), conns, bytesEach, ws, verify));
            }
            return out;
        }

        static String verifyText(String v) {
            return switch (v) {
                case "off" -> "off (byte count only)";
                case "crc" -> "crc (byte count, 8-byte offset stamp every 4 KiB, and CRC32C of every byte computed inline by the receiver)";
                default -> "stamp (byte count, and an 8-byte offset+stream stamp every 4 KiB checked by the receiver: detects loss, duplication, reordering and crossed streams; not bit flips between stamps)";
            };
        }

        /**
         * The runs of one verification mode. Medians leave out failed runs; a ratio is the median of
         * the per-round ratios. ok() and failed() concern the relay under test and the direct
         * baseline; a reference or valkyrie run that fails is reported but does not fail the scenario.
         */
        record StreamSummary(List<Contender> contenders, Map<String, List<StreamRun>> runs, int rounds) {
            List<StreamRun> of(String k) {
                return runs.getOrDefault(k, List.of());
            }

            boolean measured(String k) {
                return runs.containsKey(k);
            }

            double median(String k) {
                return Scenarios.median(okRates(of(k)));
            }

            /** Median over rounds of a's throughput / b's throughput in the same round. */
            double ratio(String a, String b) {
                return pairedRatio(rates(of(a)), rates(of(b)));
            }

            boolean ok() {
                return Stream.of(DIRECT, RELAY).flatMap(k -> of(k).stream()).allMatch(StreamRun::ok);
            }

            int failed() {
                return (int) Stream.of(DIRECT, RELAY).flatMap(k -> of(k).stream()).filter(x -> !x.ok()).count();
            }

            String missing(String k) {
                return contender(contenders, k).missing();
            }
        }

        /** Writes the rounds' table and the medians of one verification mode; returns the figures. */
        static StreamSummary summarize(Report rep, List<Contender> cs, Map<String, List<StreamRun>> runs, String v, int reps) {
            StreamSummary sum = new StreamSummary(cs, runs, reps);
            rep.line("Verification " + verifyText(v) + ":").line("");
            rep.line("| round | contender | MB/s | of direct | relay under test / this | CPU cores: relay (JIT) | sender | receiver | machine |");
            rep.line("|---|---|---|---|---|---|---|---|---|");
            boolean busy = false;
            for (int i = 0; i < reps; i++) {
                for (Contender c : roundOrder(cs, i)) {
                    StreamRun x = sum.of(c.key()).get(i);
                    StreamRun d = sum.measured(DIRECT) ? sum.of(DIRECT).get(i) : null;
                    StreamRun r = sum.of(RELAY).get(i);
                    busy |= x.busyNote() != null;
                    rep.line(f("| %d%s | %s | %.0f%s | %s | %s | %s%s | %s | %s | %s |", i + 1, x.busyNote() != null ? " ¹" : "", c.label(),
                            x.mbps(), x.ok() ? "" : " (**FAILED**)", d == null ? "–" : f("%.2f", x.mbps() / d.mbps()),
                            c.key().equals(RELAY) ? "–" : f("%.2f", r.mbps() / x.mbps()),
                            cores(x.relayCores()), Double.isNaN(x.relayJitCores()) ? "" : " (" + cores(x.relayJitCores()) + ")",
                            cores(x.sendCores()), cores(x.recvCores()), cores(x.machineCores())));
                }
            }
            for (Contender c : cs) {
                if (!c.measured()) rep.line(f("| all | %s | not measured: %s | | | | | | |", c.label(), c.missing()));
            }
            for (Contender c : cs) {
                if (c.measured()) {
                    rep.line(f("| **median** | %s | **%.0f** | %s | %s | | | | |", c.label(), sum.median(c.key()),
                            sum.measured(DIRECT) ? f("%.2f", sum.ratio(c.key(), DIRECT)) : "–",
                            c.key().equals(RELAY) ? "–" : f("**%.2f**", sum.ratio(RELAY, c.key()))));
                }
            }
            rep.line("");
            if (busy) rep.line("¹ the machine was busy with other work before this transfer and did not quiet down within the wait.").line("");
            rep.line(f("Medians over %d round(s); the ratios in the median rows are medians of the per-round ratios (each round's "
                    + "two runs divided, then the median taken), not ratios of the medians.", reps)).line("");
            if (!sum.ok()) {
                List<String> out = new ArrayList<>();
                for (String k : List.of(DIRECT, RELAY)) {
                    for (int i = 0; i < sum.of(k).size(); i++) {
                        if (!sum.of(k).get(i).ok()) out.add(k + " run in round " + (i + 1) + ": " + sum.of(k).get(i).problem());
                    }
                }
                rep.line("**Data check failed** (run excluded from the medians): " + String.join("; ", out)).line("");
            }
            for (String k : List.of(REF, VALKYRIE)) {
                if (sum.of(k).stream().anyMatch(y -> !y.ok())) {
                    rep.line("A " + contender(cs, k).label() + " run failed its data check (excluded from its median): "
                            + sum.of(k).stream().filter(y -> !y.ok()).map(StreamRun::problem).findFirst().orElse("")).line("");
                }
            }
            return sum;
        }

        static String contendersText(Opts o, List<Contender> cs) {
            StringBuilder sb = new StringBuilder("Each round runs, back to back: " + orderText(cs) + " (round i starts with the "
                    + "i-th of them). The C reference relay (" + o.str("ref-name", "bench/zephyr/ref-relay.c") + ") is the simplest "
                    + "relay that can exist; valkyrie (" + o.str("valkyrie-name", "AeroFS's original Go relay") + ") is the relay this "
                    + "one replaces. Both speak the same zephyr handshake as the relay under test.");
            return sb.toString();
        }

        /** A summary row comparing the relay under test with another relay: median of per-round ratios against a target. */
        static void ratioRow(Report rep, String name, StreamSummary sum, String other, double target) {
            String label = contender(sum.contenders(), other).label();
            if (!sum.measured(other)) {
                rep.summary(name + " vs " + label, "not measured: " + sum.missing(other), "–", f("relay ≥ %.1f× %s", target, label),
                        "not measured");
                return;
            }
            double ratio = sum.ratio(RELAY, other);
            rep.summary(name + " vs " + label, f("%s %.0f MB/s vs relay %.0f MB/s (medians)", label, sum.median(other), sum.median(RELAY)),
                    f("%.2f", ratio), f("relay/%s ≥ %.1f", other.equals(REF) ? "C reference" : label, target), verdict(ratio >= target));
        }

        static void ratioLine(Report rep, StreamSummary sum, String other, double target) {
            String label = contender(sum.contenders(), other).label();
            if (!sum.measured(other)) {
                rep.line(f("- relay under test / %s: not measured: %s (target ≥ %.1f).", label, sum.missing(other), target));
            } else {
                double ratio = sum.ratio(RELAY, other);
                rep.line(f("- relay under test / %s: **%.2f** (median of per-round ratios; target ≥ %.1f: %s); %s alone: %.0f MB/s, "
                        + "%.2f of direct.", label, ratio, target, verdict(ratio >= target), label, sum.median(other),
                        sum.measured(DIRECT) ? sum.ratio(other, DIRECT) : Double.NaN));
            }
        }

        static Map<String, Object> streamJson(StreamSummary sum) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (String k : List.of(DIRECT, RELAY, REF, VALKYRIE)) {
                String name = k.equals(REF) ? "reference" : k;
                m.put(name + "_mbps", sum.measured(k) ? sum.median(k) : null);
                m.put(name + "_runs", sum.of(k).stream().map(StreamRun::mbps).toList());
                if (!sum.measured(k)) m.put(name + "_missing", sum.missing(k));
            }
            m.put("ratio", sum.ratio(RELAY, DIRECT));
            m.put("ratio_reference", sum.measured(REF) ? sum.ratio(RELAY, REF) : null);
            m.put("ratio_valkyrie", sum.measured(VALKYRIE) ? sum.ratio(RELAY, VALKYRIE) : null);
            m.put("relay_cores", sum.of(RELAY).stream().map(StreamRun::relayCores).toList());
            m.put("relay_jit_cores", sum.of(RELAY).stream().map(StreamRun::relayJitCores).toList());
            m.put("ok", sum.ok());
            return m;
        }

        static int single(Opts o) throws Exception {
            Relay relay = new Relay(o);
            List<Contender> cs = contenders(o, relay, true);
            long bytes = o.size("bytes", 2L << 30);
            int ws = (int) o.size("write-size", 256 << 10);
            int reps = o.i("reps", 3);
            String[] verifies = o.str("verify", "stamp").split(",");
            Report rep = new Report(o, "single");
            rep.line("## a. Single stream").line("");
            rep.line(f("One relayed pair vs one direct loopback TCP stream; %s per stream, %s writes; sender, receiver and relay "
                    + "are separate processes; %d round(s) per verification mode. Throughput = bytes / (receiver's last byte "
                    + "- sender's first write) in MB/s (10^6 B/s); the receiver closes once it has every byte and the sender "
                    + "then sees the close, the same for every contender. %s%s", fmtBytes(bytes), fmtBytes(ws), reps,
                    contendersText(o, cs), o.size("relay-warmup-bytes", 256L << 20) <= 0 ? "" : " Before the measured rounds of "
                    + "each mode, unmeasured relayed runs warm the relay under test up until its JIT has settled.")).line("");
            missingLines(rep, cs);
            boolean allOk = true;
            int failedCount = 0;
            List<Map<String, Object>> modes = new ArrayList<>();
            StreamSummary head = null;
            for (String v : verifies) {
                StreamSummary sum = summarize(rep, cs, alternate(o, cs, 1, bytes, ws, v, reps, rep), v, reps);
                failedCount += sum.failed();
                allOk &= sum.ok();
                if (head == null) head = sum;
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("verify", v);
                m.putAll(streamJson(sum));
                modes.add(m);
            }
            double target = o.d("target-ratio", 0.6), targetRef = o.d("target-ref", 1.0), targetVk = o.d("target-valkyrie", 1.5);
            double headRatio = head.ratio(RELAY, DIRECT);
            rep.line(f("Result (%s verification; medians of %d round(s)): relay under test %.0f MB/s, direct %.0f MB/s.", verifies[0],
                    reps, head.median(RELAY), head.median(DIRECT)));
            rep.line(f("- relay under test / direct: **%.2f** (median of per-round ratios; target ≥ %.2f: %s).", headRatio, target,
                    verdict(headRatio >= target)));
            ratioLine(rep, head, REF, targetRef);
            ratioLine(rep, head, VALKYRIE, targetVk);
            rep.line(f("- all bytes verified: %s.", allOk ? "yes" : "**NO**"));
            rep.json.put("modes", modes);
            rep.json.put("ratio", headRatio);
            rep.json.put("ratio_reference", head.measured(REF) ? head.ratio(RELAY, REF) : null);
            rep.json.put("ratio_valkyrie", head.measured(VALKYRIE) ? head.ratio(RELAY, VALKYRIE) : null);
            rep.json.put("verified", allOk);
            String name = "a. single stream (" + fmtBytes(bytes) + ")";
            rep.summary(name, f("relayed %.0f MB/s vs direct %.0f MB/s (medians of %d rounds)", head.median(RELAY), head.median(DIRECT), reps),
                    f("%.2f", headRatio), f("relayed/direct ≥ %.2f", target),
                    verdict(headRatio >= target) + (allOk ? "" : "; **data check FAILED** " + failedCount + " run(s)"));
            ratioRow(rep, name, head, REF, targetRef);
            ratioRow(rep, name, head, VALKYRIE, targetVk);
            rep.finish();
            return allOk ? 0 : 1;
        }

        static int pairs(Opts o) throws Exception {
            Relay relay = new Relay(o);
            List<Contender> cs = contenders(o, relay, true);
            int n = o.i("pairs", 100);
            long bytes = o.size("bytes", 20L << 20);
            int ws = (int) o.size("write-size", 256 << 10);
            int reps = o.i("reps", 3);
            String v = o.str("verify", "stamp");
            Report rep = new Report(o, "pairs");
            rep.line("## b. " + n + " concurrent pairs").line("");
            rep.line(f("%d relayed pairs at once vs %d direct loopback streams, %s per stream (%s in total), %s writes; one sender "
                    + "process (NIO, all %d connections) and one receiver process; %d round(s). Aggregate = all bytes / (last "
                    + "stream's last byte at the receiver - first sender write). %s%s", n, n, fmtBytes(bytes), fmtBytes(bytes * n),
                    fmtBytes(ws), n, reps, contendersText(o, cs), o.size("relay-warmup-bytes", 256L << 20) <= 0 ? "" : " Unmeasured "
                    + "relayed runs warm the relay under test up first, until its JIT has settled.")).line("");
            missingLines(rep, cs);
            StreamSummary sum = summarize(rep, cs, alternate(o, cs, n, bytes, ws, v, reps, rep), v, reps);
            double mr = sum.median(RELAY), md = sum.median(DIRECT);
            boolean ok = sum.ok();
            double target = o.d("target-mbps", 2000), targetRef = o.d("target-ref", 1.0), targetVk = o.d("target-valkyrie", 1.5);
            rep.line(f("Result (medians of %d round(s)): relay under test **%.0f MB/s** aggregate (target ≥ %.0f MB/s: %s), direct "
                    + "%.0f MB/s.", reps, mr, target, verdict(mr >= target), md));
            rep.line(f("- relay under test / direct: %.2f (median of per-round ratios).", sum.ratio(RELAY, DIRECT)));
            ratioLine(rep, sum, REF, targetRef);
            ratioLine(rep, sum, VALKYRIE, targetVk);
            rep.line(f("- all bytes verified: %s.", ok ? "yes" : "**NO**"));
            rep.json.putAll(streamJson(sum));
            rep.json.put("verified", ok);
            String name = f("b. %d pairs (%s each)", n, fmtBytes(bytes));
            rep.summary(name, f("relayed %.0f MB/s vs direct %.0f MB/s aggregate (medians of %d rounds)", mr, md, reps),
                    f("%.2f", sum.ratio(RELAY, DIRECT)), f("relayed ≥ %.0f MB/s", target),
                    verdict(mr >= target) + (ok ? "" : "; **data check FAILED** " + sum.failed() + " run(s)"));
            ratioRow(rep, name, sum, REF, targetRef);
            ratioRow(rep, name, sum, VALKYRIE, targetVk);
            rep.finish();
            return ok ? 0 : 1;
        }

        // ---- latency -----------------------------------------------------------------------

        static Map<String, Object> runPing(Opts o, Relay relay, String mode, int rounds, int warmup, int size) throws Exception {
            boolean relayed = !mode.equals(DIRECT);
            String[] common = {"--host", relay.host, "--rounds", String.valueOf(rounds), "--warmup", String.valueOf(warmup),
                    "--size", String.valueOf(size), "--mode", relayed ? "relay" : "direct"};
            try (Proc echo = worker(o, "echo-" + mode, "echo", cat(common, "--port", String.valueOf(relay.port)))) {
                Proc ping = null;
                try {
                    if (relayed) {
                        ping = worker(o, "ping-" + mode, "ping", cat(common, "--port", String.valueOf(relay.port)));
                        String ez = echo.expect("ZIDS", 120);
                        String pz = ping.expect("ZIDS", 120);
                        echo.send("PEERS " + pz);
                        echo.expect("BOUND", 60);
                        ping.send("PEERS " + ez);
                        ping.expect("BOUND", 60);
                        if (!relay.waitBoundPairs(1, 15)) sleepMs(300);
                    } else {
                        String port = echo.expect("PORT", 120);
                        ping = worker(o, "ping-direct", "ping", cat(common, "--port", port));
                        ping.expect("CONNECTED", 120);
                    }
                    String busy = waitQuiet(o);
                    double rc0 = relay.cpu();
                    ping.send("GO");
                    Map<String, Object> pr = ping.result(300);
                    double rc1 = relay.cpu();
                    echo.result(30);
                    pr.put("relay_cpu_s", relayed ? rc1 - rc0 : Double.NaN);
                    pr.put("busy_note", busy);
                    log("%s: p50 %.1f us, p99 %.1f us, p99.9 %.1f us over %s round trips", mode, Json.num(pr, "p50_us", 0),
                            Json.num(pr, "p99_us", 0), Json.num(pr, "p999_us", 0), pr.get("rounds"));
                    return pr;
                } finally {
                    if (ping != null) ping.close();
                }
            }
        }

        static final List<String> PCTS = List.of("p50_us", "p90_us", "p99_us", "p999_us", "max_us", "mean_us");

        static int latency(Opts o) throws Exception {
            Relay relay = new Relay(o);
            List<Contender> cs = contenders(o, relay, true);
            int rounds = o.i("rounds", 20_000);
            int warmup = o.i("warmup", 5000);
            int size = o.i("size", 64);
            int reps = o.i("reps", 3);
            Report rep = new Report(o, "latency");
            rep.line("## e. Latency").line("");
            rep.line(f("%d-byte ping-pong (TCP_NODELAY, blocking sockets, one round trip in flight): %d measured round trips after "
                    + "%d warm-up round trips, relayed (pinger and echoer both connected to the relay) vs direct; %d round(s), "
                    + "percentiles in microseconds. %s%s", size, rounds, warmup, reps, contendersText(o, cs),
                    o.i("relay-warmup-rounds", 20_000) <= 0 ? "" : f(" One unmeasured relayed run of %d round trips warms each "
                    + "relay up first.", o.i("relay-warmup-rounds", 20_000)))).line("");
            missingLines(rep, cs);
            rep.line("| round | contender | p50 µs | p90 µs | p99 µs | p99.9 µs | max µs | mean µs |");
            rep.line("|---|---|---|---|---|---|---|---|");
            Map<String, List<Map<String, Object>>> res = new LinkedHashMap<>();
            for (Contender c : cs) if (c.measured()) res.put(c.key(), new ArrayList<>());
            boolean ok = true;
            int relayWarm = o.i("relay-warmup-rounds", 20_000);
            if (relayWarm > 0) {
                for (Contender c : cs) {
                    if (!c.measured() || c.key().equals(DIRECT)) continue;
                    log("warming up %s (not measured): %d round trips", c.key(), relayWarm);
                    runPing(o, c.relay(), c.key(), relayWarm, 0, size);
                }
            }
            boolean busy = false;
            for (int i = 0; i < reps; i++) {
                for (Contender c : roundOrder(cs, i)) {
                    Map<String, Object> pr = runPing(o, c.relay(), c.key(), rounds, warmup, size);
                    if (!Json.bool(pr, "ok")) {
                        if (c.key().equals(DIRECT) || c.key().equals(RELAY)) ok = false;
                        for (String k : PCTS) pr.put(k, Double.NaN);   // a broken run counts in no median
                    }
                    res.get(c.key()).add(pr);
                    busy |= pr.get("busy_note") != null;
                    rep.line(f("| %d%s | %s | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f |%s", i + 1, pr.get("busy_note") != null ? " ¹" : "",
                            c.label(), Json.num(pr, "p50_us", Double.NaN), Json.num(pr, "p90_us", Double.NaN),
                            Json.num(pr, "p99_us", Double.NaN), Json.num(pr, "p999_us", Double.NaN), Json.num(pr, "max_us", Double.NaN),
                            Json.num(pr, "mean_us", Double.NaN), Json.bool(pr, "ok") ? "" : " **FAILED**: " + pr.get("error")));
                }
            }
            for (Contender c : cs) {
                if (!c.measured()) rep.line(f("| all | %s | not measured: %s | | | | | |", c.label(), c.missing()));
            }
            Map<String, Map<String, Double>> med = new LinkedHashMap<>();
            for (var e : res.entrySet()) {
                Map<String, Double> m = new LinkedHashMap<>();
                for (String k : PCTS) m.put(k, median(e.getValue().stream().map(x -> Json.num(x, k, Double.NaN)).toList()));
                med.put(e.getKey(), m);
                rep.line(f("| **median** | %s | **%.1f** | %.1f | **%.1f** | **%.1f** | %.1f | %.1f |", contender(cs, e.getKey()).label(),
                        m.get("p50_us"), m.get("p90_us"), m.get("p99_us"), m.get("p999_us"), m.get("max_us"), m.get("mean_us")));
            }
            if (busy) rep.line("").line("¹ the machine was busy with other work before this run and did not quiet down within the wait.");
            // added latency over direct: the median over rounds of (relay's percentile - direct's) in the same round
            Map<String, double[]> added = new LinkedHashMap<>();
            for (String k : res.keySet()) {
                if (k.equals(DIRECT)) continue;
                double[] a = new double[3];
                int j = 0;
                for (String p : List.of("p50_us", "p99_us", "p999_us")) {
                    a[j++] = pairedDiff(res.get(k).stream().map(x -> Json.num(x, p, Double.NaN)).toList(),
                            res.get(DIRECT).stream().map(x -> Json.num(x, p, Double.NaN)).toList());
                }
                added.put(k, a);
            }
            rep.line("").line("Added over direct, per round trip (each round trip crosses the relay twice); the median over rounds of "
                    + "the difference within each round:").line("");
            rep.line("| contender | p50 | p99 | p99.9 |");
            rep.line("|---|---|---|---|");
            for (var e : added.entrySet()) {
                rep.line(f("| %s | %+.1f µs | %+.1f µs | %+.1f µs |", contender(cs, e.getKey()).label(), e.getValue()[0], e.getValue()[1],
                        e.getValue()[2]));
            }
            double[] ours = added.get(RELAY);
            String vkText = added.containsKey(VALKYRIE) ? f("valkyrie adds %+.1f µs at p50 and %+.1f µs at p99", added.get(VALKYRIE)[0],
                    added.get(VALKYRIE)[1]) : "valkyrie not measured: " + contender(cs, VALKYRIE).missing();
            rep.line("").line(f("Result: the relay under test adds **%+.1f µs at p50**, **%+.1f µs at p99** and %+.1f µs at p99.9 per "
                    + "round trip; %s. All echoes verified (relay under test and direct): %s.", ours[0], ours[1], ours[2], vkText,
                    ok ? "yes" : "**NO**"));
            Map<String, Double> md = med.get(DIRECT), mr = med.get(RELAY);
            rep.json.put("direct", md);
            rep.json.put("relay", mr);
            rep.json.put("reference", med.get(REF));
            rep.json.put("valkyrie", med.get(VALKYRIE));
            rep.json.put("added_p50_us", ours[0]);
            rep.json.put("added_p99_us", ours[1]);
            rep.json.put("valkyrie_added_p50_us", added.containsKey(VALKYRIE) ? added.get(VALKYRIE)[0] : null);
            rep.json.put("valkyrie_added_p99_us", added.containsKey(VALKYRIE) ? added.get(VALKYRIE)[1] : null);
            rep.json.put("ok", ok);
            rep.summary(f("e. latency (%d B ping-pong)", size), f("p50 %.1f / p99 %.1f / p99.9 %.1f µs relayed vs %.1f / %.1f / %.1f µs direct (medians)",
                            mr.get("p50_us"), mr.get("p99_us"), mr.get("p999_us"), md.get("p50_us"), md.get("p99_us"), md.get("p999_us")),
                    f("%+.1f µs p50, %+.1f µs p99", ours[0], ours[1]), "(report)", ok ? "measured" : "**echo check FAILED**");
            if (added.containsKey(VALKYRIE)) {
                Map<String, Double> mv = med.get(VALKYRIE);
                rep.summary("e. latency vs valkyrie (Go)", f("valkyrie p50 %.1f / p99 %.1f µs (medians)", mv.get("p50_us"), mv.get("p99_us")),
                        f("valkyrie %+.1f µs p50, %+.1f µs p99 over direct", added.get(VALKYRIE)[0], added.get(VALKYRIE)[1]), "(report)",
                        "measured");
            } else {
                rep.summary("e. latency vs valkyrie (Go)", "not measured: " + contender(cs, VALKYRIE).missing(), "–", "(report)",
                        "not measured");
            }
            rep.finish();
            return ok ? 0 : 1;
        }

        // ---- idle memory -------------------------------------------------------------------

        record Mem(long rss, long rssAnon, long heapUsed, int fds) {
        }

        /** Waits before the idle samples (--settle-ms, --gc-settle-ms; QUICK shortens them). */
        static long settleMs = 1000, gcSettleMs = 1500;

        /** A sample of the relay's memory; gc: force a full GC first (jcmd GC.run; only for the relay under test, a JVM). */
        static Mem mem(Relay relay, boolean gc) {
            if (gc) {
                if (relay.jcmd("GC.run") == null) log("jcmd GC.run failed");
                sleepMs(gcSettleMs);
            } else {
                sleepMs(Math.min(500, settleMs));
            }
            return new Mem(relay.procKiB("VmRSS"), relay.procKiB("RssAnon"), gc ? relay.heapUsedKiB() : -1, relay.openFds());
        }

        static List<Proc> startHolders(Opts o, Relay relay, int pairs, int workers, String tag) throws IOException {
            List<Proc> ps = new ArrayList<>();
            int left = pairs;
            for (int w = 0; w < workers && left > 0; w++) {
                int mine = (int) Math.ceil(left / (double) (workers - w));
                left -= mine;
                ps.add(worker(o, tag + "-" + w, "hold", "--host", relay.host, "--port", String.valueOf(relay.port),
                        "--pairs", String.valueOf(mine), "--hold-seconds", String.valueOf(o.d("hold-seconds", 600))));
            }
            return ps;
        }

        /** Waits for READY from every holder; returns [pairs ok, pairs failed]. */
        static int[] awaitHolders(List<Proc> ps, double seconds) {
            int ok = 0, bad = 0;
            for (Proc p : ps) {
                Map<String, Object> m = Json.parseObj(p.expect("READY", seconds));
                ok += (int) Json.lng(m, "ping_ok", 0);
                bad += (int) Json.lng(m, "ping_failed", 0);
                if (m.get("first_error") != null) log("%s: %s", p.name, m.get("first_error"));
            }
            return new int[]{ok, bad};
        }

        static void closeHolders(List<Proc> ps) {
            for (Proc p : ps) p.send("CLOSE");
            for (Proc p : ps) {
                try {
                    p.result(60);
                } catch (RuntimeException e) {
                    log("%s: %s", p.name, e.getMessage());
                }
                p.close();
            }
        }

        /**
         * One idle round of one relay. jvm: the relay under test, whose samples are taken with and
         * without a forced GC; valkyrie's Go runtime cannot be told to collect from outside, so its
         * "after GC" sample is a second plain sample taken at the same point.
         */
        record IdleRound(String key, int round, Mem b0, Mem b1, Mem a0, Mem a1, Mem c1, int ok, int failed, double setup,
                         Map<String, Object> held, boolean emptied, int sockets) {
            double perNoGc() {
                return (a0.rss() - b0.rss()) / (double) sockets;
            }

            double perGc() {
                return (a1.rss() - b1.rss()) / (double) sockets;
            }

            double heapPer() {
                return a1.heapUsed() >= 0 && b1.heapUsed() >= 0 ? (a1.heapUsed() - b1.heapUsed()) / (double) sockets : Double.NaN;
            }

            double retained() {
                return c1.heapUsed() >= 0 && b1.heapUsed() >= 0 ? (c1.heapUsed() - b1.heapUsed()) / (double) sockets : Double.NaN;
            }

            double fdsPer() {
                return a0.fds() >= 0 && b0.fds() >= 0 ? (a0.fds() - b0.fds()) / (double) sockets : Double.NaN;
            }
        }

        static Map<String, Object> memJson(Mem m) {
            return Json.obj("rss", m.rss(), "rss_anon", m.rssAnon(), "heap_used", m.heapUsed(), "fds", m.fds());
        }

        @SuppressWarnings("unchecked")
        static Mem memOf(Object o) {
            Map<String, Object> m = (Map<String, Object>) o;
            return new Mem(Json.lng(m, "rss", -1), Json.lng(m, "rss_anon", -1), Json.lng(m, "heap_used", -1), (int) Json.lng(m, "fds", -1));
        }

        /** One round of one relay as a line of the state file that carries the rounds from one relay process to the next. */
        static String idleJson(IdleRound r) {
            return Json.write(Json.obj("key", r.key(), "round", r.round(), "b0", memJson(r.b0()), "b1", memJson(r.b1()),
                    "a0", memJson(r.a0()), "a1", memJson(r.a1()), "c1", memJson(r.c1()), "ok", r.ok(), "failed", r.failed(),
                    "setup", r.setup(), "held", r.held(), "emptied", r.emptied(), "sockets", r.sockets()));
        }

        @SuppressWarnings("unchecked")
        static IdleRound idleOf(String line) {
            Map<String, Object> m = Json.parseObj(line);
            return new IdleRound((String) m.get("key"), (int) Json.lng(m, "round", 0), memOf(m.get("b0")), memOf(m.get("b1")),
                    memOf(m.get("a0")), memOf(m.get("a1")), memOf(m.get("c1")), (int) Json.lng(m, "ok", 0), (int) Json.lng(m, "failed", 0),
                    Json.num(m, "setup", Double.NaN), (Map<String, Object>) m.get("held"), Json.bool(m, "emptied"),
                    (int) Json.lng(m, "sockets", 1));
        }

        static IdleRound idleRound(Opts o, Contender c, int round, int pairs, int workers) throws Exception {
            Relay relay = c.relay();
            boolean jvm = c.key().equals(RELAY);
            log("idle round %d: %s, %d pairs", round + 1, c.key(), pairs);
            if (jvm && !relay.waitConnections(0, 30)) log("relay still reports connections before the round (or no /status)");
            sleepMs(jvm ? settleMs : 2 * settleMs);
            Mem b0 = mem(relay, false);
            Mem b1 = mem(relay, jvm);
            long t0 = System.nanoTime();
            List<Proc> holders = startHolders(o, relay, pairs, workers, "hold-" + c.key());
            int[] res;
            Mem a0, a1;
            Map<String, Object> st1;
            double setup;
            try {
                res = awaitHolders(holders, o.d("setup-seconds", 600));
                setup = (System.nanoTime() - t0) / 1e9;
                st1 = relay.statusOrNull();
                sleepMs(2 * settleMs);
                a0 = mem(relay, false);
                a1 = mem(relay, jvm);
            } finally {
                closeHolders(holders);
            }
            boolean emptied = jvm ? relay.waitConnections(0, 60) : relay.openFds() <= b0.fds() + 2;
            Mem c1 = mem(relay, jvm);
            IdleRound r = new IdleRound(c.key(), round, b0, b1, a0, a1, c1, res[0], res[1], setup, st1, emptied, 2 * pairs);
            log("idle round %d, %s: +%.2f KiB/socket (no GC), +%.2f KiB/socket (%s)", round + 1, c.key(), r.perNoGc(), r.perGc(),
                    jvm ? "after GC" : "second sample");
            return r;
        }

        static int idle(Opts o) throws Exception {
            Relay relay = new Relay(o);
            if (relay.pid <= 0) throw new IllegalArgumentException("idle needs --relay-pid");
            List<Contender> cs = contenders(o, relay, false).stream().filter(c -> !c.key().equals(REF)).toList();
            int pairs = o.i("pairs", 4000);
            int warm = o.i("warmup-pairs", 200);
            int reps = o.i("reps", 1);
            // --state FILE --round R --rounds N: this invocation is round R of N on freshly started relays
            // (run.sh starts them anew for every round, so that no round measures on top of memory an
            // earlier one left behind); its results go to FILE, and round N reports all of them
            String state = o.str("state", null);
            int round = o.i("round", 1);
            if (state != null) reps = o.i("rounds", 1);
            settleMs = o.l("settle-ms", 1000);
            gcSettleMs = o.l("gc-settle-ms", 1500);
            // valkyrie splices: an idle bound pair holds its 2 sockets and 2 pipes (6 fds). Past its
            // open-file limit it could not accept (its accept loop then ends the process) or would fall
            // back to copying through 32 KiB buffers, so the pairs are kept within what it can hold,
            // for both relays alike (the per-socket figures are then paired on the same count).
            String lowered = null;
            long vkLimit = -1;
            try {
                vkLimit = Long.parseLong(o.str("valkyrie-fd-limit", "-1"));
            } catch (NumberFormatException e) {
                // unlimited or unknown
            }
            if (Relay.other(o, "valkyrie") != null && vkLimit > 0 && 6L * pairs + 64 > vkLimit) {
                int fit = (int) ((vkLimit - 64) / 6);
                lowered = f("The pairs were lowered from %d to %d for both relays so that valkyrie's sockets and splice pipes "
                        + "(6 descriptors per idle bound pair) fit in its open-file limit of %d.", pairs, fit, vkLimit);
                log("%s", lowered);
                pairs = fit;
            }
            int workers = o.i("workers", Math.max(1, (int) Math.ceil(pairs * 2 / 2000.0)));
            Report rep = new Report(o, "idle");
            rep.line("## c. Idle memory").line("");
            if (lowered != null) rep.line("**" + lowered + "**").line("");
            rep.line(f("%d round(s), each on freshly started relays%s. In each, %severy relay in turn (%s; round i starts "
                    + "with the i-th) holds %d idle bound pairs "
                    + "(%d relay sockets) from %d worker processes (≤ %d sockets each). Every pair carries one 64-byte message "
                    + "each way to prove it is bound, then stays idle. Resident memory is VmRSS from /proc/<pid>/status before "
                    + "and while the pairs are held; per socket = growth / %d. For the relay under test (a JVM), \"after GC\" "
                    + "means after `jcmd <pid> GC.run` (+" + gcSettleMs + " ms); valkyrie's Go runtime cannot be made to collect from outside, "
                    + "so its second sample is a plain one taken at the same point.", reps,
                    state == null ? " (here one process of each relay for all rounds)"
                            : o.m.containsKey("relay-reused") ? " (here the relay under test was started once, QUICK)" : "",
                    warm > 0 ? f("every relay is warmed up first: %d pairs opened, pinged and closed (class loading, JIT, buffer "
                            + "pools); then ", warm) : "with no warm-up (QUICK), ",
                    String.join(" → ", cs.stream().filter(Contender::measured).map(Contender::label).toList()), pairs, 2 * pairs,
                    workers, (int) Math.ceil(pairs * 2.0 / workers), 2 * pairs)).line("");
            rep.line("Relay JVM options: `" + o.str("relay-jvm", "?") + "`; valkyrie: " + o.str("valkyrie-name", "?")
                    + (o.str("valkyrie-fd-limit", null) != null ? "; its open-file limit " + o.str("valkyrie-fd-limit", null) : "")).line("");
            missingLines(rep, cs);

            if (warm > 0) {
                for (Contender c : cs) {
                    if (!c.measured()) continue;
                    List<Proc> w = startHolders(o, c.relay(), warm, 1, "warmup-" + c.key());
                    awaitHolders(w, 300);
                    closeHolders(w);
                }
            }
            // res: per relay, one entry per round (null where that relay did not run in that round)
            Map<String, List<IdleRound>> res = new LinkedHashMap<>();
            for (String k : List.of(RELAY, VALKYRIE)) {
                List<IdleRound> l = new ArrayList<>();
                for (int i = 0; i < reps; i++) l.add(null);
                res.put(k, l);
            }
            if (state == null) {
                for (int i = 0; i < reps; i++) {
                    for (Contender c : roundOrder(cs, i)) res.get(c.key()).set(i, idleRound(o, c, i, pairs, workers));
                }
            } else {
                boolean ok = true;
                for (Contender c : roundOrder(cs, round - 1)) {
                    IdleRound r = idleRound(o, c, round - 1, pairs, workers);
                    if (c.key().equals(RELAY)) ok &= r.failed() == 0 && r.ok() == pairs;
                    Report.append(state, idleJson(r) + "\n");
                }
                if (round < reps) {
                    log("idle round %d of %d done; the report follows after round %d", round, reps, reps);
                    return ok ? 0 : 1;
                }
                for (String line : Files.readAllLines(Path.of(state))) {
                    if (line.isBlank()) continue;
                    IdleRound r = idleOf(line);
                    if (res.containsKey(r.key()) && r.round() >= 0 && r.round() < reps) res.get(r.key()).set(r.round(), r);
                }
            }
            if (res.get(VALKYRIE).stream().allMatch(java.util.Objects::isNull)) res.remove(VALKYRIE);

            rep.line("| round | relay | VmRSS before KiB | held KiB | held, 2nd sample / after GC KiB | per socket, no GC | per socket, "
                    + "2nd sample / after GC | live heap per socket | fds per socket | pairs bound | setup s |");
            rep.line("|---|---|---|---|---|---|---|---|---|---|---|");
            List<String> keys = new ArrayList<>(res.keySet());
            for (int i = 0; i < reps; i++) {
                for (int j = 0; j < keys.size(); j++) {
                    String k = keys.get((i + j) % keys.size());
                    IdleRound r = res.get(k).get(i);
                    String label = contender(cs, k).label();
                    if (r == null) {
                        rep.line(f("| %d | %s | not measured in this round (see the run's logs) | | | | | | | | |", i + 1, label));
                        continue;
                    }
                    rep.line(f("| %d | %s | %d | %d | %d | %.2f KiB | %.2f KiB | %s | %s | %d of %d%s | %.1f |", i + 1, label, r.b0().rss(),
                            r.a0().rss(), r.a1().rss(), r.perNoGc(), r.perGc(), Double.isNaN(r.heapPer()) ? "–" : f("%.2f KiB", r.heapPer()),
                            fmtNum(r.fdsPer()), r.ok(), r.sockets() / 2, r.failed() > 0 ? " (**" + r.failed() + " failed**)" : "", r.setup()));
                }
            }
            if (!res.containsKey(VALKYRIE)) {
                rep.line(f("| all | %s | not measured: %s | | | | | | | | |", contender(cs, VALKYRIE).label(),
                        Objects.requireNonNullElse(contender(cs, VALKYRIE).missing(), "it did not run")));
            }
            List<IdleRound> ours = res.get(RELAY);
            double perGc = median(idleVals(ours, IdleRound::perGc));
            double perNoGc = median(idleVals(ours, IdleRound::perNoGc));
            double heapPer = median(idleVals(ours, IdleRound::heapPer));
            double retained = median(idleVals(ours, IdleRound::retained));
            rep.line(f("| **median** | relay under test | | | | **%.2f KiB** | **%.2f KiB** | %.2f KiB | | | |", perNoGc, perGc, heapPer));
            List<IdleRound> vk = res.get(VALKYRIE);
            double vkPer = Double.NaN, vkNoGc = Double.NaN, ratioGc = Double.NaN, ratioNoGc = Double.NaN;
            if (vk != null) {
                vkPer = median(idleVals(vk, IdleRound::perGc));
                vkNoGc = median(idleVals(vk, IdleRound::perNoGc));
                ratioGc = pairedRatio(idleVals(ours, IdleRound::perGc), idleVals(vk, IdleRound::perGc));
                ratioNoGc = pairedRatio(idleVals(ours, IdleRound::perNoGc), idleVals(vk, IdleRound::perNoGc));
                rep.line(f("| **median** | valkyrie (Go) | | | | **%.2f KiB** | **%.2f KiB** | | | | |", vkNoGc, vkPer));
            }
            rep.line("");
            IdleRound last = ours.stream().filter(Objects::nonNull).reduce((a, b) -> b).orElse(null);
            if (last != null) {
                rep.line(f("Relay under test, last round: /status while held: connections=%s, bound_pairs=%s; back to 0 connections after "
                                + "close: %s; Java heap still live after all closed: %.2f KiB per socket (median over rounds).",
                        fmtNum(Relay.statusNum(last.held(), "connections")), fmtNum(Relay.statusNum(last.held(), "bound_pairs")),
                        last.emptied() ? "yes" : "no/unknown", retained));
            }
            double target = o.d("target-kib", 4);
            rep.line(f("Result: relay under test **%.2f KiB per socket** after GC (%.2f KiB without forcing GC), medians of %d round(s); "
                    + "target ≤ %.0f KiB: %s.", perGc, perNoGc, reps, target, verdict(perGc <= target)));
            if (vk != null) {
                rep.line(f("valkyrie: **%.2f KiB per socket** (%.2f KiB in its first sample). Relay under test / valkyrie: **%.2f** "
                        + "(after GC vs valkyrie's second sample) and %.2f (no GC vs first sample), medians of per-round ratios.",
                        vkPer, vkNoGc, ratioGc, ratioNoGc));
            }
            if (retained > 0.25) {
                rep.line("").line(f("**Note:** after every pair was closed and a full GC, the relay's live heap stayed %.2f KiB per closed "
                        + "socket above the level before: closed connections are still reachable (see `jcmd <pid> GC.class_histogram`).",
                        retained));
            }
            boolean ok = ours.stream().allMatch(r -> r != null && r.failed() == 0 && r.ok() == r.sockets() / 2);
            boolean vkOk = vk == null || vk.stream().allMatch(r -> r != null && r.failed() == 0 && r.ok() == r.sockets() / 2);
            if (!vkOk) rep.line("").line("**valkyrie did not bind every pair, or did not run,** in some round (see the table).");
            List<Map<String, Object>> rounds = new ArrayList<>();
            for (var e : res.entrySet()) {
                for (IdleRound r : e.getValue()) {
                    if (r == null) continue;
                    rounds.add(Json.obj("relay", r.key(), "round", r.round() + 1, "rss_before_kib", r.b0().rss(), "rss_before_2_kib", r.b1().rss(),
                            "rss_held_kib", r.a0().rss(), "rss_held_2_kib", r.a1().rss(), "kib_per_socket", r.perNoGc(),
                            "kib_per_socket_2", r.perGc(), "heap_kib_per_socket", r.heapPer(), "fds_per_socket", r.fdsPer(),
                            "pairs_ok", r.ok(), "pairs_failed", r.failed()));
                }
            }
            rep.json.putAll(Json.obj("pairs", pairs, "sockets", 2 * pairs, "workers", workers, "rounds", reps,
                    "kib_per_socket", perNoGc, "kib_per_socket_gc", perGc, "heap_kib_per_socket", heapPer,
                    "heap_retained_kib_per_socket", retained, "valkyrie_kib_per_socket", vk == null ? null : vkPer,
                    "ratio_valkyrie", vk == null ? null : ratioGc, "ratio_valkyrie_no_gc", vk == null ? null : ratioNoGc,
                    "valkyrie_missing", vk != null ? null : contender(cs, VALKYRIE).missing(), "runs", rounds));
            rep.summary(f("c. idle memory (%d pairs)", pairs), f("+%.2f KiB/socket after GC (%.2f without; medians of %d rounds)", perGc,
                    perNoGc, reps), "–", f("≤ %.0f KiB/socket", target), ok ? verdict(perGc <= target) : "**pairs not all bound**");
            if (vk != null) {
                rep.summary("c. idle memory vs valkyrie (Go)", f("valkyrie +%.2f KiB/socket (medians)", vkPer),
                        f("%.2f (after GC; %.2f without)", ratioGc, ratioNoGc), "(report)", vkOk ? "measured" : "**valkyrie: pairs not all bound**");
            } else {
                rep.summary("c. idle memory vs valkyrie (Go)", "not measured: " + Objects.requireNonNullElse(contender(cs, VALKYRIE).missing(),
                        "it did not run"), "–", "(report)", "not measured");
            }
            rep.finish();
            return ok ? 0 : 1;
        }

        /** One figure per round, NaN where the relay did not run in that round. */
        static List<Double> idleVals(List<IdleRound> rs, java.util.function.ToDoubleFunction<IdleRound> f) {
            return rs.stream().map(r -> r == null ? Double.NaN : f.applyAsDouble(r)).toList();
        }

        static String fmtNum(double v) {
            return Double.isNaN(v) ? "?" : (v == Math.rint(v) ? String.valueOf((long) v) : f("%.2f", v));
        }

        // ---- fd limit ----------------------------------------------------------------------

        record Attempt(SocketChannel ch, int zid, String outcome) {
            boolean registered() {
                return ch != null;
            }
        }

        /** One connection attempt: registered (ch set) or the way it failed. */
        static Attempt attempt(Relay relay, int timeoutMs) {
            SocketChannel ch;
            try {
                ch = Wire.connect(relay.host, relay.port, timeoutMs);
            } catch (ConnectException e) {
                return new Attempt(null, 0, "connect refused");
            } catch (SocketTimeoutException e) {
                return new Attempt(null, 0, "connect timed out");
            } catch (IOException e) {
                return new Attempt(null, 0, "connect failed: " + e.getMessage());
            }
            try {
                return new Attempt(ch, Wire.readRegister(ch, timeoutMs), "registered");
            } catch (EOFException e) {
                Wire.closeQuietly(ch);
                return new Attempt(null, 0, "closed without REGISTER");
            } catch (SocketTimeoutException e) {
                Wire.closeQuietly(ch);
                return new Attempt(null, 0, "accepted by the kernel, no REGISTER within " + timeoutMs + " ms");
            } catch (IOException e) {
                Wire.closeQuietly(ch);
                String m = String.valueOf(e.getMessage());
                return new Attempt(null, 0, m.toLowerCase(Locale.ROOT).contains("reset") ? "reset without REGISTER" : "failed: " + m);
            }
        }

        record Pair(SocketChannel a, SocketChannel b) {
        }

        static Pair bindPair(Attempt a, Attempt b) throws IOException {
            Wire.sendBind(a.ch(), b.zid());
            Wire.sendBind(b.ch(), a.zid());
            return new Pair(a.ch(), b.ch());
        }

        /** Sends 1 KiB each way through every pair; returns the number of pairs that relayed correctly. */
        static int checkPairs(List<Pair> pairs, int from, int to, List<String> errors) {
            int ok = 0, failed = 0;
            for (int i = from; i < to; i++) {
                if (failed >= 3) {
                    errors.add((to - i) + " more pairs not checked after 3 failures");
                    break;
                }
                Pair p = pairs.get(i);
                try {
                    Roles.exchange(p.a(), p.b(), 1024, i, 5000);
                    Roles.exchange(p.b(), p.a(), 1024, ~i, 5000);
                    ok++;
                } catch (IOException e) {
                    failed++;
                    if (errors.size() < 5) errors.add("pair " + i + ": " + e);
                }
            }
            return ok;
        }

        static int fdlimit(Opts o) throws Exception {
            Relay relay = new Relay(o);
            int maxConns = o.i("max-conns", 4000);
            int tmo = o.i("register-timeout-ms", 3000);
            int probes = o.i("probes", 5);
            Report rep = new Report(o, "fdlimit");
            List<Map<String, Object>> checks = new ArrayList<>();
            Function<Object[], Void> check = a -> {
                checks.add(Json.obj("check", a[0], "pass", a[1], "detail", a[2]));
                log("%s %s: %s", Boolean.TRUE.equals(a[1]) ? "PASS" : (a[1] == null ? "INFO" : "FAIL"), a[0], a[2]);
                return null;
            };
            String limit = relay.fdLimit();
            int fdsStart = relay.openFds();
            Map<String, Object> st0 = relay.statusOrNull();
            Map<String, Double> refused0 = st0 == null || Json.find(st0, "refused") == null ? Map.of() : Json.leaves(Json.find(st0, "refused"));

            List<Pair> pairs = new ArrayList<>();
            Attempt leftover = null;
            String firstFailure = null;
            int attempts = 0;
            long t0 = System.nanoTime();
            try {
                while (attempts < maxConns) {
                    Attempt a = attempt(relay, tmo);
                    attempts++;
                    if (!a.registered()) {
                        firstFailure = a.outcome();
                        break;
                    }
                    Attempt b = attempt(relay, tmo);
                    attempts++;
                    if (!b.registered()) {
                        firstFailure = b.outcome();
                        leftover = a;
                        break;
                    }
                    pairs.add(bindPair(a, b));
                }
                double fillSeconds = (System.nanoTime() - t0) / 1e9;
                int fdsAtLimit = relay.openFds();
                check.apply(new Object[]{"limit reached", firstFailure != null,
                        f("relay fd limit %s, %d fds open at start; %d pairs (%d relay sockets%s) established in %.1f s, then "
                                        + "connection %d failed: %s; relay has %d fds open at the limit", limit, fdsStart, pairs.size(),
                                2 * pairs.size(), leftover != null ? " + 1 registered unbound" : "", fillSeconds, attempts,
                                firstFailure, fdsAtLimit)});
                if (firstFailure == null) throw new IllegalStateException("no failure within " + maxConns + " connections");

                // refused while at the limit
                double rc0 = relay.cpu();
                long w0 = System.nanoTime();
                Map<String, Integer> outcomes = new LinkedHashMap<>();
                int refusedOk = 0;
                for (int i = 0; i < probes; i++) {
                    Attempt p = attempt(relay, tmo);
                    if (p.registered()) {
                        Wire.closeQuietly(p.ch());
                        outcomes.merge("REGISTER received (not refused)", 1, Integer::sum);
                    } else {
                        refusedOk++;
                        outcomes.merge(p.outcome(), 1, Integer::sum);
                    }
                }
                double busy = (relay.cpu() - rc0) / ((System.nanoTime() - w0) / 1e9);
                check.apply(new Object[]{"new connections refused at the limit", refusedOk == probes,
                        f("%d of %d attempts got no REGISTER: %s; relay CPU meanwhile %.2f cores", refusedOk, probes, outcomes, busy)});
                check.apply(new Object[]{"relay alive at the limit", relay.alive(), "pid " + relay.pid});
                List<String> errs = new ArrayList<>();
                int good = checkPairs(pairs, 0, pairs.size(), errs);
                check.apply(new Object[]{"existing pairs relay data at the limit", good == pairs.size() && !pairs.isEmpty(),
                        f("%d of %d pairs carried 1 KiB each way intact %s", good, pairs.size(), errs.isEmpty() ? "" : errs)});
                String atLimit;
                try {
                    relay.getFresh("/status", 3);
                    atLimit = "answered on a new connection";
                } catch (IOException | RuntimeException e) {
                    atLimit = "no answer (" + e.getClass().getSimpleName() + ")";
                }
                check.apply(new Object[]{"/status at the limit (info)", null, atLimit});

                // free half and expect REGISTER again
                int half = pairs.size() / 2;
                for (int i = 0; i < half; i++) {
                    Wire.closeQuietly(pairs.get(i).a());
                    Wire.closeQuietly(pairs.get(i).b());
                }
                if (leftover != null) Wire.closeQuietly(leftover.ch());
                long r0 = System.nanoTime();
                Attempt again = null;
                List<String> seen = new ArrayList<>();
                for (int i = 0; i < 50 && remainingMs(r0 + 30_000_000_000L) > 0; i++) {
                    Attempt p = attempt(relay, Math.min(tmo, 2000));
                    if (p.registered()) {
                        again = p;
                        break;
                    }
                    seen.add(p.outcome());
                    sleepMs(200);
                }
                double recover = (System.nanoTime() - r0) / 1e9;
                check.apply(new Object[]{"REGISTER again after closing half", again != null,
                        again != null ? f("closed %d pairs; a new connection registered after %.2f s%s", half, recover,
                                seen.isEmpty() ? "" : " (earlier attempts: " + seen.stream().distinct().toList() + ")")
                                : "no REGISTER within 30 s: " + seen.stream().distinct().toList()});
                if (again != null) {
                    Attempt partner = attempt(relay, tmo);
                    boolean relays = false;
                    String why = partner.outcome();
                    if (partner.registered()) {
                        Pair np = bindPair(again, partner);
                        List<String> e2 = new ArrayList<>();
                        relays = checkPairs(List.of(np), 0, 1, e2) == 1;
                        why = relays ? "new pair carried 1 KiB each way intact" : e2.toString();
                        Wire.closeQuietly(np.a());
                        Wire.closeQuietly(np.b());
                    } else {
                        Wire.closeQuietly(again.ch());
                    }
                    check.apply(new Object[]{"new pair relays after recovery", relays, why});
                }
                errs.clear();
                int rest = checkPairs(pairs, half, pairs.size(), errs);
                check.apply(new Object[]{"remaining pairs still relay", rest == pairs.size() - half,
                        f("%d of %d %s", rest, pairs.size() - half, errs.isEmpty() ? "" : errs)});

                Map<String, Object> st1 = relay.statusOrNull();
                Object ref1 = st1 == null ? null : Json.find(st1, "refused");
                if (st1 == null) {
                    check.apply(new Object[]{"refused counter increased", false, "/status did not answer"});
                } else if (ref1 == null) {
                    check.apply(new Object[]{"refused counter increased", false, "/status has no 'refused' member: " + Json.write(st1)});
                } else {
                    Map<String, Double> refused1 = Json.leaves(ref1);
                    Map<String, Object> diff = new LinkedHashMap<>();
                    for (var e : refused1.entrySet()) {
                        double d = e.getValue() - refused0.getOrDefault(e.getKey(), 0.0);
                        if (d != 0) diff.put(e.getKey(), d);
                    }
                    check.apply(new Object[]{"refused counter increased", !diff.isEmpty(),
                            "refused before " + Json.write(refused0) + ", after " + Json.write(ref1) + ", increase " + Json.write(diff)});
                }
                String health;
                boolean up;
                try {
                    health = relay.get("/readyz", 5);
                    up = health.contains("\"UP\"");
                } catch (IOException e) {
                    health = e.toString();
                    up = false;
                }
                check.apply(new Object[]{"health UP afterwards", up, health.length() > 200 ? health.substring(0, 200) : health});
                check.apply(new Object[]{"relay alive at the end", relay.alive(), "pid " + relay.pid});
            } finally {
                for (Pair p : pairs) {
                    Wire.closeQuietly(p.a());
                    Wire.closeQuietly(p.b());
                }
                if (leftover != null) Wire.closeQuietly(leftover.ch());
            }

            long failed = checks.stream().filter(c -> Boolean.FALSE.equals(c.get("pass"))).count();
            long passed = checks.stream().filter(c -> Boolean.TRUE.equals(c.get("pass"))).count();
            rep.line("## d. Open-file limit").line("");
            rep.line("A second relay is started with its open-file limit lowered (`ulimit -n` in the launching subshell; "
                    + "`aero.zephyr.max-connections=0` so only the fd limit binds; bind and pairing deadlines raised so no "
                    + "connection times out during the test). Pairs are opened (each bound and carrying 1 KiB each way later) "
                    + "until a new connection gets no REGISTER within " + tmo + " ms; then the checks below. Relay JVM options: `"
                    + o.str("relay-jvm", "?") + "`.").line("");
            rep.line("| check | result | detail |");
            rep.line("|---|---|---|");
            for (Map<String, Object> c : checks) {
                Object p = c.get("pass");
                rep.line("| " + c.get("check") + " | " + (p == null ? "info" : Boolean.TRUE.equals(p) ? "PASS" : "**FAIL**") + " | "
                        + String.valueOf(c.get("detail")).replace("|", "\\|") + " |");
            }
            rep.line("").line(f("Result: %d passed, %d failed.", passed, failed));
            rep.json.put("checks", checks);
            rep.json.put("failed", failed);
            rep.summary("d. fd limit (ulimit -n " + limit.split(" ")[0] + ")", f("%d/%d checks pass", passed, passed + failed), "–",
                    "all checks pass", failed == 0 ? "pass" : "**" + failed + " FAILED**");
            rep.finish();
            return failed == 0 ? 0 : 1;
        }
    }

    // ------------------------------------------------------------------------------------
    // utilities
    // ------------------------------------------------------------------------------------

    static final class Util {
        /** Prints free loopback TCP ports chosen from 20000-32000 (below Linux's default ephemeral range). */
        static int freePorts(Opts o) throws IOException {
            int count = o.i("count", 2);
            List<ServerSocket> held = new ArrayList<>();
            StringBuilder sb = new StringBuilder();
            try {
                for (int tries = 0; held.size() < count && tries < 2000; tries++) {
                    int p = ThreadLocalRandom.current().nextInt(o.i("from", 20000), o.i("to", 32000));
                    try {
                        ServerSocket s = new ServerSocket();
                        s.bind(new InetSocketAddress("127.0.0.1", p));
                        held.add(s);
                        sb.append(sb.isEmpty() ? "" : " ").append(p);
                    } catch (IOException busy) {
                        // try another
                    }
                }
            } finally {
                for (ServerSocket s : held) s.close();
            }
            if (held.size() < count) throw new IOException("could not find " + count + " free ports");
            System.out.println(sb);
            return 0;
        }

        /** Waits until the relay answers with REGISTER (and /readyz is UP when a status port is given). */
        static int waitReady(Opts o) throws Exception {
            Relay relay = new Relay(o);
            double timeout = o.d("timeout", 120);
            long dl = deadline(timeout);
            String last = "nothing tried";
            boolean healthy = relay.statusPort <= 0;
            int attempts = 0;
            while (System.nanoTime() < dl && attempts++ < 10_000) {
                if (!relay.alive()) {
                    System.err.println("relay process " + relay.pid + " exited");
                    return 3;
                }
                if (!healthy) {
                    try {
                        healthy = relay.get("/readyz", 3).contains("\"UP\"");
                        if (!healthy) last = "health not UP";
                    } catch (IOException e) {
                        last = "health: " + e.getMessage();
                    }
                }
                if (healthy) {
                    try (SocketChannel ch = Wire.connect(relay.host, relay.port, 2000)) {
                        int zid = Wire.readRegister(ch, 3000);
                        System.out.println(Json.write(Json.obj("ready", true, "probe_zid", zid,
                                "seconds", timeout - remainingMs(dl) / 1000.0)));
                        return 0;
                    } catch (IOException e) {
                        last = "relay port: " + e;
                    }
                }
                sleepMs(250);
            }
            System.err.println("relay not ready after " + timeout + " s: " + last);
            return 1;
        }

        static int printStatus(Opts o) throws IOException {
            Relay relay = new Relay(Opts.parse(new String[]{"--relay-port", "0", "--status-port", o.req("status-port"),
                    "--host", o.str("host", "127.0.0.1")}, 0));
            System.out.println(relay.get("/status", 5));
            return 0;
        }
    }
}
