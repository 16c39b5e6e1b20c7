import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

import org.jivesoftware.smack.ConnectionConfiguration.SecurityMode;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.roster.Roster;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smack.tcp.XMPPTCPConnectionConfiguration;
import org.jivesoftware.smackx.muc.MultiUserChat;
import org.jivesoftware.smackx.muc.MultiUserChatManager;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.jid.parts.Resourcepart;

import dev.aero.client.device.DeviceKeys;
import dev.aero.client.sp.DeviceCertificate;
import dev.aero.client.sp.RegisterDevice;
import dev.aero.client.sp.SignUp;
import dev.aero.client.sp.SpClient;
import dev.aero.client.sp.XmppToken;
import dev.aero.client.ssmp.SsmpClient;
import dev.aero.client.ssmp.SsmpListener;
import dev.aero.common.id.DID;
import dev.aero.common.id.SID;
import dev.aero.common.ssmp.StoreMessage;
import dev.aero.common.xmpp.MaxcastFrame;

/**
 * The XMPP benchmark's load tool (bench/xmpp/run.sh; docs/benchmarks.md, section "XMPP"). Against
 * a running platform instance it builds what devices would: an account, three devices with
 * their certificates, a shared folder (its room kept by xmpp-bridge), and, as the physical limit,
 * a room of two devices that the bridge is not in. It measures, alternating the three paths:
 * <ul>
 * <li>{@code direct}: device A's group-chat message to device B through ejabberd alone;
 * <li>{@code xmpp-to-ssmp}: A's message in the store's room, relayed by the bridge to verkehr,
 * received by SSMP device C on the store topic as {@code mc A <frame>};
 * <li>{@code ssmp-to-xmpp}: C's {@code mc C <frame>} on the topic, relayed by the bridge into the
 * room, received by A;
 * </ul>
 * each at saturation (a window of messages sent and not yet received) and then paced at half of
 * its own saturated rate for latency; then the rooms: ROOMS more folders, the memory ejabberd and
 * the bridge take per room, and the time the bridge takes to be back in every room after
 * ejabberd is stopped and started again.
 */
public final class XmppBench {

    private static final String DIRECT = "direct";
    private static final String X2S = "xmpp-to-ssmp";
    private static final String S2X = "ssmp-to-xmpp";
    private static final String BRIDGE_NICK = "xmpp-bridge";

    private final Map<String, String> args;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final StringBuilder md = new StringBuilder();
    private final StringBuilder summary = new StringBuilder();
    private boolean targetMissed;

    // the current measurement: its id (in every payload), what it received, and the window it holds
    private volatile int runId;
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong stray = new AtomicLong();
    private volatile Semaphore window = new Semaphore(0);
    private volatile long[] latencies = new long[0];
    private final AtomicInteger latencyCount = new AtomicInteger();
    private volatile boolean[] seen = new boolean[0];
    private final AtomicLong duplicates = new AtomicLong();

    private XmppBench(Map<String, String> args) {
        this.args = args;
    }

    /** Smack's own logger, quietened (an ejabberd restart is expected here); held so that the setting stays. */
    private static final java.util.logging.Logger SMACK_LOG = java.util.logging.Logger.getLogger("org.jivesoftware");

    public static void main(String[] argv) throws Exception {
        SMACK_LOG.setLevel(java.util.logging.Level.SEVERE);
        Map<String, String> args = new HashMap<>();
        for (int i = 0; i + 1 < argv.length; i += 2) {
            args.put(argv[i].replaceFirst("^--", ""), argv[i + 1]);
        }
        Roster.setRosterLoadedAtLoginDefault(false);
        XmppBench bench = new XmppBench(args);
        try {
            bench.run();
        } finally {
            Files.writeString(Path.of(args.get("md")), bench.md.toString());
            Files.writeString(Path.of(args.get("summary")), bench.summary.toString());
        }
        System.exit(bench.targetMissed ? 3 : 0); // 3: a target missed (bench/lib/runner.sh)
    }

    private String arg(String name) {
        String v = args.get(name);
        if (v == null) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return v;
    }

    private int intArg(String name) {
        return Integer.parseInt(arg(name));
    }

    private static void log(String format, Object... values) {
        System.out.printf(Locale.ROOT, format + "%n", values);
        System.out.flush();
    }

    // --------------------------------------------------------------------------------------------
    // the platform side: an account, devices, a folder, a direct room
    // --------------------------------------------------------------------------------------------

    private record Device(DID did, DeviceKeys keys, DeviceCertificate certificate, SpClient asDevice) { }

    private Device device(SpClient user, String name) throws Exception {
        DID did = DID.random();
        DeviceKeys keys = DeviceKeys.generate();
        DeviceCertificate c = user.registerDevice(new RegisterDevice(keys.certificationRequestPem(did), name, "Linux", "Debian"));
        SpClient asDevice = SpClient.builder(URI.create(arg("sp-devices"))).sslContext(keys.sslContext(c.certificate(), c.caCertificate())).build();
        return new Device(did, keys, c, asDevice);
    }

    private static X509TrustManager trusting(String caPem) throws Exception {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        store.setCertificateEntry("platform-ca", CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(caPem.getBytes(StandardCharsets.US_ASCII))));
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        return (X509TrustManager) factory.getTrustManagers()[0];
    }

    private XMPPTCPConnection xmpp(Device d) throws Exception {
        XmppToken token = d.asDevice().xmppToken(d.did());
        XMPPTCPConnection c = new XMPPTCPConnection(XMPPTCPConnectionConfiguration.builder()
                .setXmppDomain(token.domain()).setHost(token.host()).setPort(token.port())
                .setUsernameAndPassword(d.did().hex(), token.token()).setResource("bench")
                .setSecurityMode(SecurityMode.required).setCustomX509TrustManager(trusting(d.certificate().caCertificate()))
                .setConnectTimeout(10_000).build());
        c.setReplyTimeout(10_000);
        c.setUseStreamManagement(Boolean.parseBoolean(args.getOrDefault("stream-management", "false")));
        c.connect().login();
        return c;
    }

    private MultiUserChat join(XMPPTCPConnection c, String room, DID nick) throws Exception {
        MultiUserChat muc = MultiUserChatManager.getInstanceFor(c).getMultiUserChat(JidCreate.entityBareFrom(room + "@c." + arg("domain")));
        muc.join(muc.getEnterConfigurationBuilder(Resourcepart.from(nick.hex())).requestMaxStanzasHistory(0).build());
        return muc;
    }

    private HttpResponse<String> ejabberdApi(String command, String json) throws Exception {
        String password = Files.readString(Path.of(arg("bridge-password-file"))).strip();
        String auth = Base64.getEncoder().encodeToString((BRIDGE_NICK + "@" + arg("domain") + ":" + password).getBytes(StandardCharsets.UTF_8));
        return http.send(HttpRequest.newBuilder(URI.create(arg("ejabberd-api") + "/" + command)).header("Authorization", "Basic " + auth)
                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private void api(String command, String json) throws Exception {
        HttpResponse<String> r = ejabberdApi(command, json);
        if (r.statusCode() != 200) {
            throw new IllegalStateException(command + " answered " + r.statusCode() + ": " + r.body());
        }
    }

    private static void await(BooleanSupplier condition, Duration within, String what) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no " + what + " within " + within);
            }
            Thread.sleep(20);
        }
    }

    /** The bridge's gauge {@code aero_xmpp_rooms_joined}, or -1 when the bridge does not answer. */
    private long bridgeRoomsJoined() {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(arg("bridge-management") + "/actuator/prometheus"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            for (String line : r.body().split("\n")) {
                if (line.startsWith("aero_xmpp_rooms_joined")) {
                    return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
        } catch (Exception e) {
            // not answering
        }
        return -1;
    }

    // --------------------------------------------------------------------------------------------
    // payloads: run id, sequence number, send time, padding
    // --------------------------------------------------------------------------------------------

    private String frame(int run, int seq, int size) {
        ByteBuffer b = ByteBuffer.allocate(size);
        b.putInt(run).putInt(seq).putLong(System.nanoTime());
        while (b.hasRemaining()) {
            b.put((byte) 'x');
        }
        return new MaxcastFrame(1, -1, b.array()).text();
    }

    /** A frame's payload arrived: counted (and timed) when it belongs to the current run. */
    private void arrived(String frameText) {
        long now = System.nanoTime();
        ByteBuffer b;
        try {
            b = ByteBuffer.wrap(MaxcastFrame.parse(frameText).payload());
        } catch (MaxcastFrame.InvalidFrameException e) {
            stray.incrementAndGet();
            return;
        }
        if (b.remaining() < 16 || b.getInt() != runId) {
            stray.incrementAndGet();
            return;
        }
        int seq = b.getInt();
        long sent = b.getLong();
        boolean[] s = seen;
        if (seq < 0 || seq >= s.length) {
            stray.incrementAndGet();
            return;
        }
        if (s[seq]) {
            duplicates.incrementAndGet();
            return;
        }
        s[seq] = true;
        received.incrementAndGet();
        long[] l = latencies;
        int i = latencyCount.getAndIncrement();
        if (i < l.length) {
            l[i] = now - sent;
        }
        window.release();
    }

    // --------------------------------------------------------------------------------------------
    // the measurement
    // --------------------------------------------------------------------------------------------

    private interface Sender {
        void send(String frame) throws Exception;
    }

    private record Saturation(String path, double rate, long lost, long dups, Map<String, Double> cores) { }

    private record Latency(String path, double rate, int samples, double p50, double p99, double max, long lost) { }

    private final Map<String, Long> pids = new HashMap<>();

    private static long cpuTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static long rssKib(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone
        }
        return -1;
    }

    private Saturation saturate(String path, Sender sender, int capacity, int seconds, int warmup) throws Exception {
        int run = ++runId;
        int window = intArg("window");
        this.seen = new boolean[capacity];
        this.latencies = new long[0];
        this.latencyCount.set(0);
        this.received.set(0);
        this.duplicates.set(0);
        this.window = new Semaphore(window);
        int payload = intArg("payload");
        long start = System.nanoTime();
        long measureFrom = start + TimeUnit.SECONDS.toNanos(warmup);
        long end = measureFrom + TimeUnit.SECONDS.toNanos(seconds);
        long receivedAtStart = -1;
        long startedAt = 0;
        Map<String, Long> ticksAtStart = new HashMap<>();
        int seq = 0;
        while (System.nanoTime() < end && seq < capacity) {
            long now = System.nanoTime();
            if (receivedAtStart < 0 && now >= measureFrom) {
                receivedAtStart = received.get();
                startedAt = now;
                pids.forEach((name, pid) -> ticksAtStart.put(name, cpuTicks(pid)));
            }
            if (!this.window.tryAcquire(5, TimeUnit.SECONDS)) {
                log("  %s: nothing arrived for 5 s with %d in flight: this measurement stops", path, window);
                break;
            }
            sender.send(frame(run, seq++, payload));
        }
        long stoppedAt = System.nanoTime();
        long count = receivedAtStart < 0 ? 0 : received.get() - receivedAtStart;
        double elapsed = receivedAtStart < 0 ? 1 : (stoppedAt - startedAt) / 1e9;
        Map<String, Double> cores = new HashMap<>();
        double hz = Double.parseDouble(args.getOrDefault("clk-tck", "100"));
        pids.forEach((name, pid) -> {
            long before = ticksAtStart.getOrDefault(name, -1L);
            long after = cpuTicks(pid);
            if (before >= 0 && after >= 0) {
                cores.put(name, (after - before) / hz / elapsed);
            }
        });
        // let the tail arrive before the next run starts
        int sent = seq;
        awaitQuietly(() -> received.get() >= sent, Duration.ofSeconds(5));
        runId++;
        return new Saturation(path, count / elapsed, sent - received.get(), duplicates.get(), cores);
    }

    private Latency paced(String path, Sender sender, double rate, int seconds) throws Exception {
        int run = ++runId;
        int total = (int) Math.max(1, rate * seconds);
        this.seen = new boolean[total];
        this.latencies = new long[total];
        this.latencyCount.set(0);
        this.received.set(0);
        this.duplicates.set(0);
        this.window = new Semaphore(Integer.MAX_VALUE / 2);
        int payload = intArg("payload");
        long interval = (long) (1e9 / rate);
        long start = System.nanoTime();
        for (int seq = 0; seq < total; seq++) {
            long due = start + seq * interval;
            long wait;
            while ((wait = due - System.nanoTime()) > 0) {
                if (wait > 200_000) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                } else {
                    Thread.onSpinWait();
                }
            }
            sender.send(frame(run, seq, payload));
        }
        awaitQuietly(() -> received.get() >= total, Duration.ofSeconds(10));
        runId++;
        int n = Math.min(latencyCount.get(), total);
        long[] l = Arrays.copyOf(latencies, n);
        Arrays.sort(l);
        return new Latency(path, rate, n, percentile(l, 0.50), percentile(l, 0.99), n == 0 ? Double.NaN : l[n - 1] / 1e6, total - n);
    }

    private static double percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)] / 1e6;
    }

    private static void awaitQuietly(BooleanSupplier condition, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    private static double median(List<Double> values) {
        List<Double> v = new ArrayList<>(values);
        v.sort(null);
        int n = v.size();
        return n == 0 ? Double.NaN : n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
    }

    // --------------------------------------------------------------------------------------------
    // the run
    // --------------------------------------------------------------------------------------------

    private void run() throws Exception {
        for (String p : List.of("ejabberd", "bridge", "verkehr")) {
            if (args.containsKey(p + "-pid")) {
                pids.put(p, Long.parseLong(args.get(p + "-pid")));
            }
        }
        pids.put("tool", ProcessHandle.current().pid());
        String email = "xmpp-bench-" + System.currentTimeMillis() + "@example.com";
        String password = "correct horse battery staple";
        SpClient anonymous = SpClient.create(URI.create(arg("sp")));
        anonymous.signUp(SignUp.firstAdmin(email, password, "Xavier", "Bench", "XMPP Bench Org", arg("setup-token")));
        SpClient user = anonymous.withToken(anonymous.signIn(email, password).token());
        Device a = device(user, "bench A (XMPP)");
        Device b = device(user, "bench B (XMPP, direct room)");
        Device c = device(user, "bench C (SSMP)");
        SID sid = SID.random();
        user.createSharedFolder("xmpp bench", sid);
        String direct = "benchdirect" + Long.toHexString(System.nanoTime());
        String domain = arg("domain");
        api("create_room_with_opts", "{\"name\":\"" + direct + "\",\"service\":\"c." + domain + "\",\"host\":\"" + domain
                + "\",\"options\":[{\"name\":\"members_only\",\"value\":\"true\"},{\"name\":\"moderated\",\"value\":\"false\"},"
                + "{\"name\":\"persistent\",\"value\":\"false\"}]}");
        for (Device d : List.of(a, b)) {
            api("set_room_affiliation", "{\"name\":\"" + direct + "\",\"service\":\"c." + domain + "\",\"jid\":\"" + d.did().hex() + "@"
                    + domain + "\",\"affiliation\":\"member\"}");
        }
        log("devices A %s, B %s, C %s; store %s; direct room %s", a.did(), b.did(), c.did(), sid, direct);

        // the store's room, with A a member, kept by the bridge from SP's feed
        XMPPTCPConnection ax = xmpp(a);
        XMPPTCPConnection bx = xmpp(b);
        MultiUserChat aDirect = join(ax, direct, a.did());
        MultiUserChat bDirect = join(bx, direct, b.did());
        long joinStart = System.nanoTime();
        MultiUserChat[] aStore = new MultiUserChat[1];
        await(() -> {
            try {
                aStore[0] = join(ax, sid.hex(), a.did());
                return true;
            } catch (Exception e) {
                return false;
            }
        }, Duration.ofSeconds(30), "A in the store's room");
        log("A in the store's room %d ms after the folder was created", (System.nanoTime() - joinStart) / 1_000_000);
        bDirect.addMessageListener(m -> {
            if (m.getBody() != null && !b.did().hex().equals(nick(m))) {
                arrived(m.getBody());
            }
        });
        aStore[0].addMessageListener(m -> {
            if (m.getBody() != null && BRIDGE_NICK.equals(nick(m))) {
                arrived(m.getBody());
            }
        });
        AtomicLong ssmpAcks = new AtomicLong();
        AtomicLong ssmpErrors = new AtomicLong();
        List<String> bridgeOnTopic = new java.util.concurrent.CopyOnWriteArrayList<>();
        SsmpClient cs = SsmpClient.builder("localhost", intArg("ssmp-port"))
                .sslContext(c.keys().sslContext(c.certificate().certificate(), c.certificate().caCertificate()))
                .login(c.did().hex(), "cert", null).listener(new SsmpListener() {
                    @Override
                    public void onMulticast(String from, String topic, byte[] payload) {
                        StoreMessage.parse(payload).ifPresent(m -> arrived(m.body()));
                    }

                    @Override
                    public void onPeerSubscribed(String id, String topic) {
                        if (id.startsWith(BRIDGE_NICK + "/")) {
                            bridgeOnTopic.add(topic);
                        }
                    }
                }).build();
        cs.connect();
        cs.subscribe(sid.hex(), true);
        await(() -> bridgeOnTopic.contains(sid.hex()), Duration.ofSeconds(30), "the bridge on the store topic");

        Map<String, Sender> senders = new HashMap<>();
        senders.put(DIRECT, aDirect::sendMessage);
        senders.put(X2S, aStore[0]::sendMessage);
        senders.put(S2X, frame -> {
            cs.mcastAsync(sid.hex(), new StoreMessage(StoreMessage.Kind.MAXCAST, c.did(), frame).payload()).whenComplete((ok, e) -> {
                if (e == null) {
                    ssmpAcks.incrementAndGet();
                } else {
                    ssmpErrors.incrementAndGet();
                }
            });
        });
        List<String> paths = List.of(DIRECT, X2S, S2X);

        // a short warm-up of every path (JIT, connections), not counted
        for (String p : paths) {
            saturate(p, senders.get(p), 2_000_000, 2, 0);
        }

        int reps = intArg("reps");
        int duration = intArg("duration");
        int warmup = intArg("warmup");
        Map<String, List<Saturation>> results = new HashMap<>();
        for (int rep = 1; rep <= reps; rep++) {
            for (String p : paths) {
                Saturation s = saturate(p, senders.get(p), 5_000_000, duration, warmup);
                results.computeIfAbsent(p, k -> new ArrayList<>()).add(s);
                log("rep %d %-13s %9.0f msg/s  lost %d dup %d  cores %s", rep, p, s.rate(), s.lost(), s.dups(), cores(s.cores()));
            }
        }
        md.append("## Maxcast at saturation\n\n");
        md.append(String.format(Locale.ROOT, "%d alternations of the three paths, %d s each after %d s of warm-up; %d-byte payloads "
                + "(frame %d characters of base64); at most %d messages sent and not yet received. Cores: CPU time of each process "
                + "over the window.%n%n", reps, duration, warmup, intArg("payload"), frame(0, 0, intArg("payload")).length(), intArg("window")));
        md.append("| rep | path | msg/s | ratio to direct (same rep) | lost | duplicates | ejabberd cores | bridge cores | verkehr cores | "
                + "load tool cores |\n");
        md.append("|---|---|---|---|---|---|---|---|---|---|\n");
        Map<String, List<Double>> ratios = new HashMap<>();
        for (int rep = 0; rep < reps; rep++) {
            double d = results.get(DIRECT).get(rep).rate();
            for (String p : paths) {
                Saturation s = results.get(p).get(rep);
                double ratio = s.rate() / d;
                if (!p.equals(DIRECT)) {
                    ratios.computeIfAbsent(p, k -> new ArrayList<>()).add(ratio);
                }
                md.append(String.format(Locale.ROOT, "| %d | %s | %.0f | %s | %d | %d | %s | %s | %s | %s |%n", rep + 1, p, s.rate(),
                        p.equals(DIRECT) ? "1" : String.format(Locale.ROOT, "%.2f", ratio), s.lost(), s.dups(),
                        core(s.cores(), "ejabberd"), core(s.cores(), "bridge"), core(s.cores(), "verkehr"), core(s.cores(), "tool")));
            }
        }
        Map<String, Double> medianRate = new HashMap<>();
        for (String p : paths) {
            medianRate.put(p, median(results.get(p).stream().map(Saturation::rate).toList()));
        }
        md.append("\n| path | median msg/s | median of per-rep ratios to direct | target |\n|---|---|---|---|\n");
        for (String p : paths) {
            String ratio = p.equals(DIRECT) ? "1" : String.format(Locale.ROOT, "%.2f", median(ratios.get(p)));
            boolean met = p.equals(DIRECT) || median(ratios.get(p)) >= 0.5;
            targetMissed |= !met;
            md.append(String.format(Locale.ROOT, "| %s | %.0f | %s | %s |%n", p, medianRate.get(p), ratio,
                    p.equals(DIRECT) ? "(the limit)" : met ? "at least 0.5: met" : "at least 0.5: **not met**"));
            summary.append(String.format(Locale.ROOT, "| %s msg/s at saturation | %.0f | direct room %.0f | %s |%n", p, medianRate.get(p),
                    medianRate.get(DIRECT), ratio));
        }
        md.append(String.format(Locale.ROOT, "%nSSMP MCASTs answered 200: %d, refused or failed: %d.%n%n", ssmpAcks.get(), ssmpErrors.get()));

        // latency at half of each path's own saturated rate
        int latSeconds = intArg("lat-duration");
        md.append("## Latency at half the saturated rate\n\nEach path paced at half its own median saturated rate; "
                + "send to receipt, in one process (one clock).\n\n");
        md.append("| path | rate (msg/s) | samples | p50 ms | p99 ms | max ms | lost |\n|---|---|---|---|---|---|---|\n");
        for (String p : paths) {
            Latency l = paced(p, senders.get(p), medianRate.get(p) / 2, latSeconds);
            log("latency %-13s at %6.0f msg/s: p50 %.2f ms p99 %.2f ms (n=%d, lost %d)", p, l.rate(), l.p50(), l.p99(), l.samples(), l.lost());
            md.append(String.format(Locale.ROOT, "| %s | %.0f | %d | %.2f | %.2f | %.2f | %d |%n", p, l.rate(), l.samples(), l.p50(), l.p99(),
                    l.max(), l.lost()));
            summary.append(String.format(Locale.ROOT, "| %s p50 / p99 at half rate (ms) | %.2f / %.2f | | |%n", p, l.p50(), l.p99()));
        }
        md.append("\n");

        rooms(user, a, ax, aStore[0], sid, cs);
        cs.close();
        ax.disconnect();
        bx.disconnect();
    }

    private static String nick(Message m) {
        return m.getFrom() == null || m.getFrom().getResourceOrNull() == null ? null : m.getFrom().getResourceOrNull().toString();
    }

    private static String core(Map<String, Double> cores, String name) {
        Double v = cores.get(name);
        return v == null ? "-" : String.format(Locale.ROOT, "%.2f", v);
    }

    private static String cores(Map<String, Double> cores) {
        StringBuilder s = new StringBuilder();
        cores.forEach((k, v) -> s.append(k).append('=').append(String.format(Locale.ROOT, "%.2f", v)).append(' '));
        return s.toString().strip();
    }

    // --------------------------------------------------------------------------------------------
    // rooms: memory per room, rejoin after an ejabberd restart
    // --------------------------------------------------------------------------------------------

    private long bridgeHeapAfterGc() {
        Long pid = pids.get("bridge");
        if (pid == null || !args.containsKey("jcmd")) {
            return -1;
        }
        try {
            Process gc = new ProcessBuilder(arg("jcmd"), pid.toString(), "GC.run").redirectErrorStream(true).start();
            gc.getInputStream().readAllBytes();
            gc.waitFor(60, TimeUnit.SECONDS);
            Process info = new ProcessBuilder(arg("jcmd"), pid.toString(), "GC.heap_info").redirectErrorStream(true).start();
            String out = new String(info.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            info.waitFor(60, TimeUnit.SECONDS);
            long used = 0;
            java.util.regex.Pattern usedK = java.util.regex.Pattern.compile("used (\\d+)K");
            // the generations' lines (def new generation, tenured generation) carry "used <n>K"; so do Metaspace's, left out
            for (String line : out.split("\n")) {
                java.util.regex.Matcher m = usedK.matcher(line);
                if (!line.contains("Metaspace") && !line.contains("class space") && m.find()) {
                    used += Long.parseLong(m.group(1));
                }
            }
            return used;
        } catch (IOException | InterruptedException e) {
            return -1;
        }
    }

    private long ejabberdRss() {
        Long pid = pids.get("ejabberd");
        return pid == null ? -1 : rssKib(pid);
    }

    private void rooms(SpClient user, Device a, XMPPTCPConnection ax, MultiUserChat aStore, SID sid, SsmpClient cs) throws Exception {
        int rooms = intArg("rooms");
        long joinedBefore = bridgeRoomsJoined();
        long ejBefore = ejabberdRss();
        long bridgeRssBefore = pids.containsKey("bridge") ? rssKib(pids.get("bridge")) : -1;
        long bridgeHeapBefore = bridgeHeapAfterGc();
        log("creating %d folders (rooms); the bridge is in %d room(s)", rooms, joinedBefore);
        long created = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> work = new ArrayList<>();
        AtomicInteger next = new AtomicInteger();
        for (int t = 0; t < 4; t++) {
            work.add(pool.submit(() -> {
                for (int i = next.getAndIncrement(); i < rooms; i = next.getAndIncrement()) {
                    user.createSharedFolder("room " + i, SID.random());
                }
                return null;
            }));
        }
        for (Future<?> f : work) {
            f.get();
        }
        pool.shutdown();
        double createSeconds = (System.nanoTime() - created) / 1e9;
        long target = joinedBefore + rooms;
        await(() -> bridgeRoomsJoined() >= target, Duration.ofSeconds(Math.max(120, rooms / 10)), "the bridge in every room");
        double inAllSeconds = (System.nanoTime() - created) / 1e9;
        log("%d folders created in %.1f s; the bridge in all %d rooms %.1f s after the first", rooms, createSeconds, target, inAllSeconds);
        long ejAfter = ejabberdRss();
        long bridgeRssAfter = pids.containsKey("bridge") ? rssKib(pids.get("bridge")) : -1;
        long bridgeHeapAfter = bridgeHeapAfterGc();

        md.append("## Rooms\n\n");
        md.append(String.format(Locale.ROOT, "%d folders created through SP (4 threads) in %.1f s; the bridge was in all %d rooms "
                + "%.1f s after the first was created (each room: SP's svc/stores event, the room made and its members set over "
                + "ejabberd's API, the bridge's join).%n%n", rooms, createSeconds, target, inAllSeconds));
        md.append("| memory | before | after | per room |\n|---|---|---|---|\n");
        md.append(memoryRow("ejabberd RSS", ejBefore, ejAfter, rooms));
        md.append(memoryRow("xmpp-bridge RSS", bridgeRssBefore, bridgeRssAfter, rooms));
        md.append(memoryRow("xmpp-bridge heap used after a full GC", bridgeHeapBefore, bridgeHeapAfter, rooms));
        md.append("\n");
        if (ejBefore > 0 && ejAfter > 0) {
            summary.append(String.format(Locale.ROOT, "| ejabberd memory per room (RSS) | %.1f KiB | | |%n", (ejAfter - ejBefore) / (double) rooms));
        }
        if (bridgeHeapBefore > 0 && bridgeHeapAfter > 0) {
            summary.append(String.format(Locale.ROOT, "| xmpp-bridge heap per room | %.2f KiB | | |%n", (bridgeHeapAfter - bridgeHeapBefore) / (double) rooms));
        }

        // ejabberd stopped and started again: the bridge back in every room
        String ctl = arg("ctl");
        run(ctl, "stop");
        run(ctl, "stopped");
        await(() -> bridgeRoomsJoined() == 0, Duration.ofSeconds(60), "the bridge out of every room");
        long started = System.nanoTime();
        run(ctl, "start");
        await(() -> bridgeRoomsJoined() >= target, Duration.ofSeconds(300), "the bridge back in every room");
        double rejoin = (System.nanoTime() - started) / 1e9;
        boolean met = rejoin < 30;
        targetMissed |= !met;
        log("ejabberd started again: the bridge back in all %d rooms after %.1f s", target, rejoin);
        md.append(String.format(Locale.ROOT, "**Rejoin after an ejabberd restart**: ejabberd stopped (`ctl stop`, `ctl stopped`); once the "
                + "bridge showed 0 rooms joined, `ctl start`; the bridge was back in all %d rooms **%.1f s** after `ctl start` was called "
                + "(target under 30 s: %s).%n%n", target, rejoin, met ? "met" : "**not met**"));
        summary.append(String.format(Locale.ROOT, "| rejoin of %d rooms after an ejabberd restart | %.1f s | target < 30 s | %s |%n", target,
                rejoin, met ? "met" : "not met"));

        // and relaying resumes: A signs in again, and its frame reaches C
        XMPPTCPConnection again = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (again == null) {
            try {
                again = xmpp(a);
            } catch (Exception e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(500);
            }
        }
        MultiUserChat room = join(again, sid.hex(), a.did());
        int run = ++runId;
        this.seen = new boolean[1];
        this.received.set(0);
        this.window = new Semaphore(0);
        room.sendMessage(frame(run, 0, intArg("payload")));
        await(() -> received.get() == 1, Duration.ofSeconds(10), "a frame relayed after the restart");
        md.append("After the restart a device's frame in the store's room reached the SSMP device through the bridge again.\n\n");
        again.disconnect();
    }

    private static String memoryRow(String what, long before, long after, int rooms) {
        if (before < 0 || after < 0) {
            return "| " + what + " | - | - | - |\n";
        }
        return String.format(Locale.ROOT, "| %s | %.1f MiB | %.1f MiB | %.2f KiB |%n", what, before / 1024.0, after / 1024.0,
                (after - before) / (double) rooms);
    }

    private static void run(String ctl, String command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(ctl, command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || (p.exitValue() != 0 && !command.equals("stopped"))) {
            throw new IllegalStateException("ctl " + command + " failed: " + out);
        }
    }
}
