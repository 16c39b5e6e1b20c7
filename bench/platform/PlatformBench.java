import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.aero.client.device.DeviceKeys;
import dev.aero.client.sp.DeviceCertificate;
import dev.aero.client.sp.RegisterDevice;
import dev.aero.client.sp.SignUp;
import dev.aero.client.sp.SpClient;
import dev.aero.common.auth.ServiceCredential;
import dev.aero.common.id.DID;
import dev.aero.common.id.SID;

/**
 * bench/platform: the platform capacity benchmark's coordinator (bench/platform/run.sh,
 * docs/benchmarks.md "Platform capacity").
 *
 * <p>Against a running launcher instance: makes (or reuses from the state directory) a simulated
 * organization of users, shared folders and devices registered through SP, then for each step N
 * of devices starts load processes ({@link LoadWorker}, at most {@code --per-worker} devices
 * each) until N devices are online, and measures: the CPU and memory of every process over an
 * idle window (devices connected and checking in, nothing else), membership changes in shared
 * folders until the last member device has read its new ACL, and a sweep of command rates
 * through command-server with every command checked to reach its device exactly once.
 *
 * <p>Writes {@code body.md}, {@code summary.md}, {@code resources.csv}, {@code sweep.csv} into
 * {@code --out}. Exit status: 0 every target evaluated was met, 1 one was missed, 2 the run broke,
 * 3 the cached organization does not match this instance (run.sh then starts it afresh).
 */
public final class PlatformBench {

    static final String ADMIN = "pb-admin@bench.aero.local";
    static final String PASSWORD = "bench-Passw0rd-platform-7f3a";
    static final Pattern EPOCH = Pattern.compile("\"epoch\"\\s*:\\s*(\\d+)");
    static final int STALE = 4;

    final Map<String, String> o;
    final Path out;
    final Path stateDir;
    final int offset;
    final String host = "localhost";
    final List<Integer> steps = new ArrayList<>();
    final int dpu;
    final int folderSize;
    final int perWorker;
    final long clockTicks;
    final Map<String, Long> servicePids = new LinkedHashMap<>();
    final PrintWriter md;
    final PrintWriter summary;
    final StringBuilder resourcesCsv = new StringBuilder("n,process,kind,cpu_cores,rss_mib,threads,fds\n");
    final StringBuilder sweepCsv = new StringBuilder("n,rate,sent,received,lost,p50_ms,p99_ms,ack_p50_ms,ack_p99_ms,enqueue_p50_ms,enqueue_p99_ms\n");
    final Events ev = new Events();
    final List<Worker> workers = new CopyOnWriteArrayList<>();
    ServerSocket control;
    String secret;
    Org org;
    boolean targetMissed;
    /** A command lost, misdelivered or carried out twice, or a membership change that missed a member device: at any N. */
    boolean incorrect;
    boolean broken;

    PlatformBench(Map<String, String> o) throws IOException {
        this.o = o;
        this.out = Path.of(req("out"));
        this.stateDir = Path.of(req("state"));
        this.offset = Integer.parseInt(o.getOrDefault("offset", "1600"));
        for (String s : o.getOrDefault("steps", "1000,5000,10000").split("[, ]+")) {
            if (!s.isBlank()) {
                steps.add(Integer.parseInt(s.trim()));
            }
        }
        Collections.sort(steps);
        this.dpu = Integer.parseInt(o.getOrDefault("devices-per-user", "2"));
        this.folderSize = Integer.parseInt(o.getOrDefault("folder-size", "50"));
        this.perWorker = Integer.parseInt(o.getOrDefault("per-worker", "2500"));
        this.clockTicks = Long.parseLong(o.getOrDefault("clock-ticks", "100"));
        for (String kv : o.getOrDefault("pids", "").split(",")) {
            if (kv.contains("=")) {
                String[] p = kv.split("=", 2);
                if (!p[1].isBlank()) {
                    servicePids.put(p[0], Long.parseLong(p[1].trim()));
                }
            }
        }
        Files.createDirectories(out);
        this.md = new PrintWriter(Files.newBufferedWriter(out.resolve("body.md")), true);
        this.summary = new PrintWriter(Files.newBufferedWriter(out.resolve("summary.md")), true);
    }

    String req(String k) {
        String v = o.get(k);
        if (v == null || v.isEmpty()) {
            throw new IllegalArgumentException("--" + k + " is required");
        }
        return v;
    }

    int i(String k, int d) {
        return Integer.parseInt(o.getOrDefault(k, String.valueOf(d)));
    }

    int port(int base) {
        return base + offset;
    }

    static void log(String f, Object... a) {
        System.out.printf(Locale.ROOT, "[platform] " + f + "%n", a);
        System.out.flush();
    }

    public static void main(String[] args) {
        Map<String, String> o = new HashMap<>();
        for (int k = 0; k + 1 < args.length; k += 2) {
            o.put(args[k].replaceFirst("^--", ""), args[k + 1]);
        }
        int status;
        PlatformBench b = null;
        try {
            b = new PlatformBench(o);
            status = b.run();
        } catch (StaleCache e) {
            System.err.println("PlatformBench: " + e.getMessage());
            status = STALE;
        } catch (Throwable e) {
            System.err.println("PlatformBench: " + e);
            e.printStackTrace();
            status = 2;
        } finally {
            if (b != null) {
                b.stopWorkers();
                b.md.flush();
                b.summary.flush();
            }
        }
        System.exit(status);
    }

    static final class StaleCache extends Exception {
        StaleCache(String m) {
            super(m);
        }
    }

    // ================================================================ run

    int run() throws Exception {
        secret = readSecret(Path.of(req("secret-file")));
        int nMax = steps.get(steps.size() - 1);
        org = ensureOrg(nMax);
        if (org.made) {
            bridgeSettle();
        }
        control = new ServerSocket(0, 200, java.net.InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon().name("accept").start(this::accept);
        md.printf(Locale.ROOT, "## Organization%n%n");
        md.printf(Locale.ROOT, "%s%n%n", org.describe());
        int connected = 0;
        List<StepResult> results = new ArrayList<>();
        for (int n : steps) {
            StepResult r = new StepResult(n);
            results.add(r);
            long t = System.nanoTime();
            while (connected < n) {
                int to = Math.min(n, connected + perWorker);
                startWorker(connected, to);
                connected = to;
            }
            awaitReady(n);
            r.connectSeconds = secs(System.nanoTime() - t);
            log("N=%d: %d devices online (%.1f s to connect the new ones); settling %d s", n, n, r.connectSeconds, i("settle", 30));
            sleepS(i("settle", 30));
            idle(r);
            acl(r);
            sweep(r);
            writeStep(r);
            if (broken) {
                break;
            }
        }
        finalCheck();
        writeSummary(results);
        Files.writeString(out.resolve("resources.csv"), resourcesCsv);
        Files.writeString(out.resolve("sweep.csv"), sweepCsv);
        // bench/lib/runner.sh's codes: 5 a correctness check failed, 3 a target missed.
        return broken ? 2 : incorrect ? 5 : targetMissed ? 3 : 0;
    }

    /**
     * After registering devices: each one certified moves its owner's folders' device lists, which
     * xmpp-bridge turns into ejabberd room affiliations, about 12 ms each (docs/benchmarks.md,
     * XMPP). Waits until the bridge and ejabberd are idle, so that the first idle window does not
     * measure that backlog.
     */
    void bridgeSettle() throws InterruptedException {
        int max = i("bridge-settle", 900);
        long start = System.nanoTime();
        long lastLog = start;
        Usage a = usage();
        while (true) {
            Thread.sleep(5_000);
            Usage b = usage();
            Map<String, Double> c = cores(a, b);
            double busy = c.getOrDefault("xmpp-bridge", 0.0) + c.getOrDefault("ejabberd", 0.0);
            double waited = secs(System.nanoTime() - start);
            if (busy < 0.05) {
                log("xmpp-bridge and ejabberd idle %.0f s after the registrations (%.3f cores)", waited, busy);
                md.printf(Locale.ROOT, "After the registrations, xmpp-bridge and ejabberd were busy with the new devices' room"
                        + " affiliations for %.0f s; the steps began once they were idle.%n%n", waited);
                return;
            }
            if (waited > max) {
                log("xmpp-bridge and ejabberd still busy (%.2f cores) %d s after the registrations; going on", busy, max);
                md.printf(Locale.ROOT, "After the registrations xmpp-bridge and ejabberd were still busy (%.2f cores) after %d s; the"
                        + " first step's windows include that work.%n%n", busy, max);
                return;
            }
            if (System.nanoTime() - lastLog > TimeUnit.SECONDS.toNanos(30)) {
                log("waiting for xmpp-bridge and ejabberd to finish the new devices' rooms (%.2f cores, %.0f s)", busy, waited);
                lastLog = System.nanoTime();
            }
            a = b;
        }
    }

    static String readSecret(Path f) throws IOException {
        for (String l : Files.readAllLines(f)) {
            if (l.startsWith("AERO_DEPLOYMENT_SECRET=")) {
                return l.substring("AERO_DEPLOYMENT_SECRET=".length()).trim().replaceAll("^['\"]|['\"]$", "");
            }
        }
        throw new IllegalStateException("no AERO_DEPLOYMENT_SECRET in " + f);
    }

    // ================================================================ the organization

    /** Users pb-00000... with their devices (index d belongs to user d / dpu), folders as sliding windows of users. */
    final class Org {
        int devices;
        int users;
        List<String> dids = new ArrayList<>();
        List<String> emails = new ArrayList<>();
        List<String> tokens = new ArrayList<>();
        List<String> sids = new ArrayList<>();
        int size;
        int stride;
        String adminToken;
        String reused;
        double registrationSeconds;
        String registrationLatency = "";
        boolean made;

        int[] members(int folder) {
            int[] m = new int[size];
            for (int k = 0; k < size; k++) {
                m[k] = folder * stride + k;
            }
            return m;
        }

        int churnUser(int folder) {
            return folder * stride + size - 1;
        }

        String describe() {
            return String.format(Locale.ROOT, "%,d devices of %,d users (%d devices each), %,d shared folders of %d JOINED members"
                    + " (windows of users moving by %d, so most users are in 2 folders; the first member owns it). %s", devices, users, dpu,
                    sids.size(), size, stride, reused);
        }
    }

    static String email(int u) {
        return String.format(Locale.ROOT, "pb-%05d@bench.aero.local", u);
    }

    Org ensureOrg(int n) throws Exception {
        Files.createDirectories(stateDir);
        Path meta = stateDir.resolve("meta.properties");
        SpClient sp = SpClient.create(URI.create("http://127.0.0.1:" + port(8080)));
        if (Files.exists(meta)) {
            Properties p = new Properties();
            try (var r = Files.newBufferedReader(meta)) {
                p.load(r);
            }
            int cached = Integer.parseInt(p.getProperty("devices"));
            if (cached < n || Integer.parseInt(p.getProperty("dpu")) != dpu || Integer.parseInt(p.getProperty("folder-size")) != folderSize) {
                throw new StaleCache("the cached organization (" + cached + " devices, " + p.getProperty("dpu") + " per user, folders of "
                        + p.getProperty("folder-size") + ") does not fit this run (" + n + ", " + dpu + ", " + folderSize + ")");
            }
            String ca = Files.readString(stateDir.resolve("ca.pem")).strip();
            String live;
            try {
                live = sp.caCertificatePem().strip();
            } catch (RuntimeException e) {
                throw new IllegalStateException("SP does not answer GET /ca/certificate: " + e, e);
            }
            if (!ca.equals(live)) {
                throw new StaleCache("the cached organization's CA is not this instance's CA (the instance was made anew)");
            }
            Org g = load(p);
            try {
                sp.withToken(g.adminToken).me();
            } catch (RuntimeException e) {
                throw new StaleCache("the cached admin session is refused (" + e.getMessage() + ")");
            }
            try (Connection db = db(); Statement s = db.createStatement();
                    ResultSet r = s.executeQuery("SELECT COUNT(*) FROM devices WHERE unlinked_at IS NULL AND id IN ('"
                            + g.dids.get(0) + "','" + g.dids.get(g.devices - 1) + "')")) {
                r.next();
                if (r.getInt(1) != 2) {
                    throw new StaleCache("the cached devices are not in SP's database");
                }
            }
            g.reused = String.format(Locale.ROOT, "Reused from the state directory (`%s`, made %s; registering its devices took %s s then).",
                    stateDir, p.getProperty("created"), p.getProperty("registration-seconds"));
            log("reusing the cached organization: %d devices, %d users, %d folders", g.devices, g.users, g.sids.size());
            return g;
        }
        return create(sp, n);
    }

    Org load(Properties p) throws IOException {
        Org g = new Org();
        g.devices = Integer.parseInt(p.getProperty("devices"));
        g.users = Integer.parseInt(p.getProperty("users"));
        g.size = Integer.parseInt(p.getProperty("size"));
        g.stride = Integer.parseInt(p.getProperty("stride"));
        g.adminToken = p.getProperty("admin-token");
        g.registrationSeconds = Double.parseDouble(p.getProperty("registration-seconds"));
        for (String l : Files.readAllLines(stateDir.resolve("users.tsv"))) {
            String[] f = l.split("\t");
            g.emails.add(f[1]);
            g.tokens.add(f[2]);
        }
        for (String l : Files.readAllLines(stateDir.resolve("folders.tsv"))) {
            g.sids.add(l.split("\t")[1]);
        }
        String[] dids = new String[g.devices];
        try (BufferedReader r = Files.newBufferedReader(stateDir.resolve("devices.tsv"))) {
            for (String l; (l = r.readLine()) != null; ) {
                String[] f = l.split("\t", 3);
                dids[Integer.parseInt(f[0])] = f[1];
            }
        }
        g.dids.addAll(Arrays.asList(dids));
        return g;
    }

    Connection db() throws Exception {
        return DriverManager.getConnection(req("jdbc"), o.getOrDefault("db-user", "aero"), o.getOrDefault("db-password", "aero"));
    }

    /** A fresh organization: the admin through REST, users, sessions and folders through JDBC, devices through REST. */
    Org create(SpClient sp, int n) throws Exception {
        String token = o.get("setup-token");
        if (token == null || token.isBlank()) {
            throw new StaleCache("no cached organization and no setup token (the instance has an admin already)");
        }
        Org g = new Org();
        g.devices = n;
        g.users = (n + dpu - 1) / dpu;
        g.size = Math.max(2, Math.min(folderSize, g.users));
        g.stride = Math.max(1, g.size / 2);
        int folders = g.users < 2 ? 0 : (g.users - g.size) / g.stride + 1;
        long t0 = System.nanoTime();
        sp.signUp(SignUp.firstAdmin(ADMIN, PASSWORD, "Bench", "Admin", "Platform bench", token));
        g.adminToken = sp.signIn(ADMIN, PASSWORD).token();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        Random random = new Random();
        try (Connection db = db()) {
            db.setAutoCommit(false);
            int orgId;
            try (PreparedStatement q = db.prepareStatement("SELECT organization_id FROM users WHERE id = ?")) {
                q.setString(1, ADMIN);
                try (ResultSet r = q.executeQuery()) {
                    r.next();
                    orgId = r.getInt(1);
                }
            }
            Timestamp ts = Timestamp.from(now);
            Timestamp expires = Timestamp.from(now.plus(3650, ChronoUnit.DAYS));
            try (PreparedStatement u = db.prepareStatement("INSERT INTO users (id, organization_id, first_name, last_name, password_hash,"
                    + " role, active, created_at) VALUES (?, ?, 'Bench', ?, NULL, 'USER', TRUE, ?)");
                    PreparedStatement s = db.prepareStatement("INSERT INTO sessions (token_hash, user_id, created_at, expires_at, client_address)"
                            + " VALUES (?, ?, ?, ?, NULL)")) {
                for (int k = 0; k < g.users; k++) {
                    String e = email(k);
                    byte[] raw = new byte[32];
                    random.nextBytes(raw);
                    String tok = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
                    g.emails.add(e);
                    g.tokens.add(tok);
                    u.setString(1, e);
                    u.setInt(2, orgId);
                    u.setString(3, String.format(Locale.ROOT, "User %05d", k));
                    u.setTimestamp(4, ts);
                    u.addBatch();
                    s.setString(1, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(tok.getBytes(StandardCharsets.UTF_8))));
                    s.setString(2, e);
                    s.setTimestamp(3, ts);
                    s.setTimestamp(4, expires);
                    s.addBatch();
                    if (k % 1000 == 999) {
                        u.executeBatch();
                        s.executeBatch();
                    }
                }
                u.executeBatch();
                s.executeBatch();
            }
            try (PreparedStatement f = db.prepareStatement("INSERT INTO shared_folders (sid, organization_id, name, created_by, created_at)"
                    + " VALUES (?, ?, ?, ?, ?)");
                    PreparedStatement m = db.prepareStatement("INSERT INTO shared_folder_members (sid, user_id, permissions, state,"
                            + " invited_by, updated_at) VALUES (?, ?, ?, 'JOINED', NULL, ?)")) {
                for (int k = 0; k < folders; k++) {
                    String sid = SID.random().hex();
                    g.sids.add(sid);
                    int first = k * g.stride;
                    f.setString(1, sid);
                    f.setInt(2, orgId);
                    f.setString(3, String.format(Locale.ROOT, "Folder %04d", k));
                    f.setString(4, email(first));
                    f.setTimestamp(5, ts);
                    f.addBatch();
                    for (int j = 0; j < g.size; j++) {
                        m.setString(1, sid);
                        m.setString(2, email(first + j));
                        m.setInt(3, j == 0 ? 3 : 1);
                        m.setTimestamp(4, ts);
                        m.addBatch();
                    }
                    if (k % 50 == 49) {
                        f.executeBatch();
                        m.executeBatch();
                    }
                }
                f.executeBatch();
                m.executeBatch();
            }
            db.commit();
        }
        log("seeded %d users with sessions and %d folders of %d members in %.1f s", g.users, g.sids.size(), g.size, secs(System.nanoTime() - t0));
        // Devices: each its own EC key and CSR, certified by SP's CA through POST /devices with its user's session.
        String ca = null;
        String[] lines = new String[n];
        long[] latency = new long[n];
        int threads = i("register-threads", 8);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        AtomicInteger done = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicReference<String> caRef = new AtomicReference<>();
        long r0 = System.nanoTime();
        CountDownLatch all = new CountDownLatch(n);
        for (int d = 0; d < n; d++) {
            int dev = d;
            pool.execute(() -> {
                try {
                    if (failure.get() != null) {
                        return;
                    }
                    int u = dev / dpu;
                    DID did = DID.random();
                    DeviceKeys keys = DeviceKeys.generate();
                    String csr = keys.certificationRequestPem(did);
                    SpClient user = sp.withToken(g.tokens.get(u));
                    DeviceCertificate c = null;
                    long t = System.nanoTime();
                    for (int attempt = 0; c == null; attempt++) {
                        try {
                            c = user.registerDevice(new RegisterDevice(csr, "bench " + dev, "Linux", "Bench OS", did));
                        } catch (RuntimeException e) {
                            if (attempt >= 3) {
                                throw e;
                            }
                            Thread.sleep(500);
                        }
                    }
                    latency[dev] = System.nanoTime() - t;
                    caRef.compareAndSet(null, c.caCertificate());
                    lines[dev] = dev + "\t" + did.hex() + "\t" + g.emails.get(u) + "\t"
                            + Base64.getEncoder().encodeToString(keys.keyPair().getPrivate().getEncoded()) + "\t"
                            + Base64.getEncoder().encodeToString(c.certificate().getBytes(StandardCharsets.US_ASCII));
                    int k = done.incrementAndGet();
                    if (k % 1000 == 0) {
                        log("registered %d of %d devices (%.0f/s)", k, n, k / secs(System.nanoTime() - r0));
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                } finally {
                    all.countDown();
                }
            });
        }
        all.await();
        pool.shutdown();
        if (failure.get() != null) {
            throw new IllegalStateException("registering devices failed: " + failure.get(), failure.get());
        }
        ca = caRef.get();
        g.registrationSeconds = secs(System.nanoTime() - r0);
        long[] sorted = latency.clone();
        Arrays.sort(sorted);
        g.registrationLatency = String.format(Locale.ROOT, "p50 %s / p99 %s ms", ms(pct(sorted, 50)), ms(pct(sorted, 99)));
        log("registered %d devices in %.1f s (%.0f/s, %d threads; POST /devices %s)", n, g.registrationSeconds, n / g.registrationSeconds,
                threads, g.registrationLatency);
        for (String l : lines) {
            g.dids.add(l.split("\t", 3)[1]);
        }
        // The cache: written whole, meta last.
        Files.deleteIfExists(stateDir.resolve("meta.properties"));
        Files.writeString(stateDir.resolve("ca.pem"), ca);
        writeLines(stateDir.resolve("devices.tsv"), Arrays.asList(lines));
        List<String> users = new ArrayList<>();
        for (int k = 0; k < g.users; k++) {
            users.add(k + "\t" + g.emails.get(k) + "\t" + g.tokens.get(k));
        }
        writeLines(stateDir.resolve("users.tsv"), users);
        List<String> fl = new ArrayList<>();
        for (int k = 0; k < g.sids.size(); k++) {
            fl.add(k + "\t" + g.sids.get(k));
        }
        writeLines(stateDir.resolve("folders.tsv"), fl);
        Properties p = new Properties();
        p.setProperty("devices", String.valueOf(n));
        p.setProperty("users", String.valueOf(g.users));
        p.setProperty("dpu", String.valueOf(dpu));
        p.setProperty("folder-size", String.valueOf(folderSize));
        p.setProperty("size", String.valueOf(g.size));
        p.setProperty("stride", String.valueOf(g.stride));
        p.setProperty("admin-token", g.adminToken);
        p.setProperty("registration-seconds", String.format(Locale.ROOT, "%.1f", g.registrationSeconds));
        p.setProperty("created", Instant.now().toString());
        Path tmp = stateDir.resolve("meta.properties.tmp");
        try (var w = Files.newBufferedWriter(tmp)) {
            p.store(w, "bench/platform organization cache");
        }
        Files.move(tmp, stateDir.resolve("meta.properties"), StandardCopyOption.REPLACE_EXISTING);
        g.made = true;
        g.reused = String.format(Locale.ROOT, "Made in this run: the admin signed up through REST with the setup token; users, their sessions"
                + " and the folders seeded through JDBC in one transaction; each device registered through SP's `POST /devices` with its"
                + " user's session and a CSR of its own EC P-256 key: %,d devices in %.1f s (%.0f/s, %d client threads; answers %s).",
                n, g.registrationSeconds, n / g.registrationSeconds, threads, g.registrationLatency);
        return g;
    }

    static void writeLines(Path f, List<String> lines) throws IOException {
        Files.write(f, lines, StandardCharsets.US_ASCII);
    }

    // ================================================================ load processes

    final class Worker {
        final String id;
        final int from;
        final int to;
        final Process process;
        final Path err;
        volatile OutputStream toWorker;
        volatile long pid;
        volatile String ready;
        volatile String stats;
        volatile String fatal;
        volatile int loaded = -1;

        Worker(String id, int from, int to, Process process, Path err) {
            this.id = id;
            this.from = from;
            this.to = to;
            this.process = process;
            this.err = err;
        }

        void send(String line) {
            OutputStream s = toWorker;
            if (s == null) {
                return;
            }
            try {
                synchronized (s) {
                    s.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
                    s.flush();
                }
            } catch (IOException e) {
                // the worker is gone; awaitReady / liveness checks say so
            }
        }

        String errTail() {
            String signal = !process.isAlive() && process.exitValue() > 128
                    ? "(exit status " + process.exitValue() + ": killed by signal " + (process.exitValue() - 128) + ")\n" : "";
            try {
                List<String> l = Files.readAllLines(err);
                return signal + (l.isEmpty() ? "(stderr is empty)" : String.join("\n", l.subList(Math.max(0, l.size() - 30), l.size())));
            } catch (IOException e) {
                return signal + "(no stderr: " + e + ")";
            }
        }
    }

    void startWorker(int from, int to) throws IOException {
        String id = "w" + (workers.size() + 1);
        List<String> cmd = new ArrayList<>();
        cmd.add(req("java"));
        for (String s : o.getOrDefault("worker-java-opts", "-XX:+UseSerialGC -Xmx1g").split("\\s+")) {
            if (!s.isBlank()) {
                cmd.add(s);
            }
        }
        cmd.addAll(List.of("-cp", req("cp"), "LoadWorker", "--control", String.valueOf(control.getLocalPort()), "--id", id,
                "--state", stateDir.toString(), "--from", String.valueOf(from), "--to", String.valueOf(to), "--host", host,
                "--ssmp-port", String.valueOf(port(29438)), "--commands-port", String.valueOf(port(9021)),
                "--devman-port", String.valueOf(port(8702)), "--sp-port", String.valueOf(port(8443)),
                "--keepalive", o.getOrDefault("keepalive", "30"), "--connect-parallel", o.getOrDefault("connect-parallel", "16")));
        Path err = out.resolve(id + ".err");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.resolve(id + ".out").toFile()).redirectError(err.toFile()).start();
        Worker w = new Worker(id, from, to, p, err);
        w.pid = p.pid();
        workers.add(w);
        Files.writeString(out.resolve("workers.pids"), p.pid() + "\n", java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
        log("load process %s (pid %d): devices %d-%d", id, p.pid(), from, to - 1);
    }

    void accept() {
        while (true) {
            Socket s;
            try {
                s = control.accept();
            } catch (IOException e) {
                return;
            }
            Thread.ofPlatform().daemon().name("worker-reader").start(() -> read(s));
        }
    }

    void read(Socket s) {
        Worker w = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII), 1 << 16)) {
            for (String l; (l = r.readLine()) != null; ) {
                if (l.isEmpty()) {
                    continue;
                }
                char c = l.charAt(0);
                if (l.length() > 1 && l.charAt(1) == ' ' && c != 'F') {
                    ev.on(l);
                    continue;
                }
                if (l.startsWith("hello ")) {
                    String id = l.split(" ")[1];
                    for (Worker x : workers) {
                        if (x.id.equals(id)) {
                            w = x;
                        }
                    }
                    if (w != null) {
                        w.toWorker = s.getOutputStream();
                    }
                } else if (w == null) {
                    continue;
                } else if (l.startsWith("ready ")) {
                    w.ready = l;
                } else if (l.startsWith("F ")) {
                    w.stats = l;
                } else if (l.startsWith("loaded ")) {
                    w.loaded = Integer.parseInt(l.split(" ")[1]);
                } else if (l.startsWith("fatal ")) {
                    w.fatal = l;
                } else if (l.startsWith("progress ")) {
                    log("%s: %s devices online", w.id, l.substring(9));
                }
            }
        } catch (IOException e) {
            // the worker ended; liveness is checked where it matters
        }
    }

    void awaitReady(int n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(i("connect-timeout", 1800));
        while (true) {
            boolean all = true;
            for (Worker w : workers) {
                if (!w.process.isAlive()) {
                    throw new IllegalStateException("load process " + w.id + " (pid " + w.pid + ") died with status " + w.process.exitValue()
                            + (w.fatal != null ? " (" + w.fatal + ")" : "") + "; its stderr (" + w.err + "):\n" + w.errTail());
                }
                if (w.ready == null) {
                    all = false;
                }
            }
            if (all) {
                break;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the load processes did not bring " + n + " devices online within " + i("connect-timeout", 1800) + " s");
            }
            Thread.sleep(200);
        }
        int failed = 0;
        for (Worker w : workers) {
            String[] f = w.ready.split(" ");
            failed += Integer.parseInt(f[2]);
        }
        if (failed > 0) {
            throw new IllegalStateException(failed + " devices could not connect (first errors: " + ev.firstErrors() + ")");
        }
    }

    void checkWorkers() {
        for (Worker w : workers) {
            if (!w.process.isAlive()) {
                throw new IllegalStateException("load process " + w.id + " (pid " + w.pid + ") died with status " + w.process.exitValue()
                        + "; its stderr (" + w.err + "):\n" + w.errTail());
            }
        }
    }

    void stopWorkers() {
        for (Worker w : workers) {
            w.send("stop");
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        for (Worker w : workers) {
            try {
                long left = Math.max(1, deadline - System.nanoTime());
                if (!w.process.waitFor(left, TimeUnit.NANOSECONDS)) {
                    w.process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                w.process.destroyForcibly();
            }
        }
    }

    Map<String, String> workerStats() throws InterruptedException {
        for (Worker w : workers) {
            w.stats = null;
            w.send("stats");
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        Map<String, String> m = new LinkedHashMap<>();
        for (Worker w : workers) {
            while (w.stats == null && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            m.put(w.id, w.stats);
        }
        return m;
    }

    // ================================================================ events from the load processes

    static final class Cmd {
        final int dev;
        final long due;
        volatile long answered;
        volatile int status;
        volatile long epoch = -1;
        volatile long push;
        volatile long handled;
        volatile long acked;
        final AtomicInteger pushes = new AtomicInteger();
        final AtomicInteger handles = new AtomicInteger();
        final AtomicInteger acks = new AtomicInteger();
        final AtomicInteger wrong = new AtomicInteger();
        volatile String results = "";
        final AtomicInteger ackFailures = new AtomicInteger();

        Cmd(int dev, long due) {
            this.dev = dev;
            this.due = due;
        }

        long receipt() {
            long p = push;
            long h = handled;
            if (p == 0) {
                return h;
            }
            return h == 0 ? p : Math.min(p, h);
        }
    }

    /** A timed sample: when, how long (µs), status, and a small tag. */
    record Sample(long t, long us, int status, int tag) { }

    final class Events {
        final ConcurrentHashMap<Long, Cmd> cmds = new ConcurrentHashMap<>();
        final List<Sample> checkins = Collections.synchronizedList(new ArrayList<>());
        final List<Sample> aclGets = Collections.synchronizedList(new ArrayList<>());
        final List<Sample> cmdRequests = Collections.synchronizedList(new ArrayList<>());
        /** Per device: {t, epoch} of every ACL the follower handed over, and of every acl/ push. */
        final ConcurrentHashMap<Integer, List<long[]>> acls = new ConcurrentHashMap<>();
        final ConcurrentHashMap<Integer, List<long[]>> aclPushes = new ConcurrentHashMap<>();
        final List<Long> disconnects = Collections.synchronizedList(new ArrayList<>());
        final AtomicLong reconnects = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        final AtomicLong foreignCommands = new AtomicLong();
        final List<String> errorSamples = new CopyOnWriteArrayList<>();

        void on(String l) {
            String[] f = l.split(" ", 7);
            try {
                switch (f[0]) {
                    case "P" -> {
                        Cmd c = cmds.get(Long.parseLong(f[2]));
                        if (c == null) {
                            foreignCommands.incrementAndGet();
                            return;
                        }
                        if (c.dev != Integer.parseInt(f[1])) {
                            c.wrong.incrementAndGet();
                            return;
                        }
                        if (c.pushes.getAndIncrement() == 0) {
                            c.push = Long.parseLong(f[3]);
                        }
                    }
                    case "H" -> {
                        Cmd c = cmds.get(Long.parseLong(f[2]));
                        if (c == null) {
                            foreignCommands.incrementAndGet();
                            return;
                        }
                        if (c.dev != Integer.parseInt(f[1])) {
                            c.wrong.incrementAndGet();
                            return;
                        }
                        if (c.handles.getAndIncrement() == 0) {
                            c.handled = Long.parseLong(f[3]);
                        }
                        c.results = c.results + f[4] + ":" + f[5] + " ";
                        if (f[5].equals("ack-failed")) {
                            c.ackFailures.incrementAndGet();
                        }
                        if (f[5].equals("acked") && c.acks.getAndIncrement() == 0) {
                            c.acked = Long.parseLong(f[6].trim());
                        }
                    }
                    case "A" -> acls.computeIfAbsent(Integer.parseInt(f[1]), k -> Collections.synchronizedList(new ArrayList<>()))
                            .add(new long[] {Long.parseLong(f[3]), Long.parseLong(f[2])});
                    case "B" -> aclPushes.computeIfAbsent(Integer.parseInt(f[1]), k -> Collections.synchronizedList(new ArrayList<>()))
                            .add(new long[] {Long.parseLong(f[3]), Long.parseLong(f[2])});
                    case "I" -> checkins.add(new Sample(Long.parseLong(f[5]), Long.parseLong(f[2]), Integer.parseInt(f[3]), Integer.parseInt(f[4])));
                    case "G" -> aclGets.add(new Sample(Long.parseLong(f[4]), Long.parseLong(f[2]), Integer.parseInt(f[3]), 0));
                    case "Q" -> cmdRequests.add(new Sample(Long.parseLong(f[5]), Long.parseLong(f[2]), Integer.parseInt(f[3]), f[4].equals("ack") ? 1 : 0));
                    case "D" -> disconnects.add(Long.parseLong(f[2]));
                    case "R" -> reconnects.incrementAndGet();
                    case "X" -> {
                        errors.incrementAndGet();
                        if (errorSamples.size() < 10) {
                            errorSamples.add(l);
                        }
                    }
                    default -> { }
                }
            } catch (RuntimeException e) {
                if (errorSamples.size() < 10) {
                    errorSamples.add("unparsed: " + l);
                }
            }
        }

        String firstErrors() {
            return errorSamples.isEmpty() ? "none reported" : String.join(" | ", errorSamples);
        }

        List<Sample> window(List<Sample> all, long from, long to) {
            List<Sample> w = new ArrayList<>();
            synchronized (all) {
                for (Sample s : all) {
                    if (s.t() >= from && s.t() < to) {
                        w.add(s);
                    }
                }
            }
            return w;
        }

        long disconnectsIn(long from, long to) {
            long n = 0;
            synchronized (disconnects) {
                for (long t : disconnects) {
                    if (t >= from && t < to) {
                        n++;
                    }
                }
            }
            return n;
        }
    }

    // ================================================================ CPU and memory

    record Proc(String name, String kind, long pid) { }

    record Usage(Map<Proc, long[]> ticks, long machineBusy, long machineAll, long at) { }

    List<Proc> processes() {
        List<Proc> l = new ArrayList<>();
        servicePids.forEach((k, v) -> l.add(new Proc(k, k.equals("redis") || k.equals("mariadb") ? "store" : "service", v)));
        for (Worker w : workers) {
            l.add(new Proc("load " + w.id, "load", w.pid));
        }
        l.add(new Proc("coordinator", "load", ProcessHandle.current().pid()));
        return l;
    }

    Usage usage() {
        Map<Proc, long[]> m = new LinkedHashMap<>();
        for (Proc p : processes()) {
            m.put(p, new long[] {procTicks(p.pid())});
        }
        long[] machine = machineTicks();
        return new Usage(m, machine[0], machine[1], System.nanoTime());
    }

    static long procTicks(long pid) {
        try {
            String s = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    static long[] machineTicks() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long busy = 0;
            long all = 0;
            for (int k = 1; k < f.length && k <= 8; k++) {
                long v = Long.parseLong(f[k]);
                all += v;
                if (k != 4 && k != 5) {
                    busy += v;
                }
            }
            return new long[] {busy, all};
        } catch (IOException e) {
            return new long[] {0, 0};
        }
    }

    static long statusField(long pid, String field) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (l.startsWith(field + ":")) {
                    return Long.parseLong(l.substring(field.length() + 1).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone
        }
        return -1;
    }

    static long fds(long pid) {
        try (var s = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return s.count();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Cores used by each process between two samples, the machine's too (key "machine") and what no listed process used ("other"). */
    Map<String, Double> cores(Usage a, Usage b) {
        double seconds = (b.at() - a.at()) / 1e9;
        Map<String, Double> m = new LinkedHashMap<>();
        double listed = 0;
        for (Map.Entry<Proc, long[]> e : b.ticks().entrySet()) {
            long[] before = a.ticks().get(e.getKey());
            if (before == null || before[0] < 0 || e.getValue()[0] < 0) {
                continue;
            }
            double c = (e.getValue()[0] - before[0]) / (double) clockTicks / seconds;
            m.put(e.getKey().name(), c);
            listed += c;
        }
        long all = b.machineAll() - a.machineAll();
        double machine = all <= 0 ? 0 : (b.machineBusy() - a.machineBusy()) / (double) all * Runtime.getRuntime().availableProcessors();
        m.put("machine", machine);
        m.put("other", Math.max(0, machine - listed));
        return m;
    }

    // ================================================================ results of a step

    final class StepResult {
        final int n;
        double connectSeconds;
        Map<String, Double> idleCores;
        Map<String, long[]> idleMem = new LinkedHashMap<>();
        Map<String, String> workerStats;
        String checkin = "";
        double idleSeconds;
        String idleLine = "";
        String idleSlices = "";
        double platformIdle;
        double loadIdle;
        List<String> aclRows = new ArrayList<>();
        String aclSummary = "";
        String aclGet = "";
        String aclRest = "";
        List<String> sweepRows = new ArrayList<>();
        int bestRate = -1;
        String sweepNote = "";
        long disconnects;

        StepResult(int n) {
            this.n = n;
        }
    }

    // ================================================================ idle

    void idle(StepResult r) throws Exception {
        checkWorkers();
        int seconds = i("idle", 60);
        log("N=%d: idle window, %d s (devices connected and checking in, nothing else)", r.n, seconds);
        // The window in slices: the platform's CPU in each, and what else the machine did meanwhile.
        int slices = Math.max(1, i("idle-slices", 3));
        Usage a = usage();
        long t0 = System.nanoTime();
        List<double[]> perSlice = new ArrayList<>();
        Usage prev = a;
        for (int k = 0; k < slices; k++) {
            Thread.sleep(seconds * 1000L / slices);
            Usage u = usage();
            Map<String, Double> c = cores(prev, u);
            double p = 0;
            for (Proc x : processes()) {
                if (!x.kind().equals("load")) {
                    p += c.getOrDefault(x.name(), 0.0);
                }
            }
            perSlice.add(new double[] {p, c.get("other")});
            prev = u;
        }
        long t1 = System.nanoTime();
        Usage b = prev;
        checkWorkers();
        StringBuilder sl = new StringBuilder();
        double[] plat = new double[perSlice.size()];
        for (int k = 0; k < perSlice.size(); k++) {
            double[] x = perSlice.get(k);
            plat[k] = x[0];
            sl.append(String.format(Locale.ROOT, "%s%.3f%s", k == 0 ? "" : ", ", x[0], x[1] > 0.3 ? String.format(Locale.ROOT,
                    " (disturbed: other work %.2f cores)", x[1]) : ""));
        }
        Arrays.sort(plat);
        r.idleSlices = String.format(Locale.ROOT, "platform cores in %d slices of %d s: %s; median %.3f", slices, seconds / slices, sl,
                plat[plat.length / 2]);
        r.idleSeconds = (t1 - t0) / 1e9;
        r.idleCores = cores(a, b);
        for (Proc p : processes()) {
            r.idleMem.put(p.name(), new long[] {statusField(p.pid(), "VmRSS"), statusField(p.pid(), "Threads"), fds(p.pid())});
        }
        r.workerStats = workerStats();
        double platform = 0;
        double load = 0;
        for (Proc p : processes()) {
            double c = r.idleCores.getOrDefault(p.name(), 0.0);
            long[] mem = r.idleMem.get(p.name());
            if (p.kind().equals("load")) {
                load += c;
            } else {
                platform += c;
            }
            resourcesCsv.append(String.format(Locale.ROOT, "%d,%s,%s,%.4f,%.1f,%d,%d%n", r.n, p.name(), p.kind(), c, mem[0] / 1024.0, mem[1], mem[2]));
        }
        r.platformIdle = platform;
        r.loadIdle = load;
        List<Sample> ci = ev.window(ev.checkins, t0, t1);
        long[] us = ci.stream().filter(s -> s.status() == 200).mapToLong(Sample::us).sorted().toArray();
        long fresh = ci.stream().filter(s -> s.tag() == 1).count();
        long failed = ci.stream().filter(s -> s.status() != 200).count();
        r.checkin = String.format(Locale.ROOT, "%,d check-ins (%.1f/s), p50 / p99 %s / %s ms, %d%% on a new TLS connection, %d failed",
                ci.size(), ci.size() / r.idleSeconds, ms(pct(us, 50) * 1000), ms(pct(us, 99) * 1000),
                ci.isEmpty() ? 0 : Math.round(100.0 * fresh / ci.size()), failed);
        r.idleLine = String.format(Locale.ROOT, "platform %.3f cores (%.1f%% of 2), load processes %.3f, machine %.3f, other %.3f",
                platform, platform * 50, load, r.idleCores.get("machine"), r.idleCores.get("other"));
        log("N=%d idle: %s; %s", r.n, r.idleLine, r.checkin);
        // The target: the platform's CPU at idle under 25% of the 2 cores with 10,000 devices.
        if (r.n >= 10_000 && platform >= 0.5) {
            targetMissed = true;
        }
    }

    // ================================================================ ACL changes

    void acl(StepResult r) throws Exception {
        int changes = i("acl-changes", 20);
        if (changes <= 0 || org.sids.isEmpty()) {
            r.aclSummary = "not run";
            return;
        }
        int connectedUsers = (r.n + dpu - 1) / dpu;
        List<Integer> chosen = new ArrayList<>();
        for (int f = 0; f < org.sids.size() && chosen.size() < i("acl-folders", 10); f++) {
            if (f * org.stride < connectedUsers) {
                chosen.add(f);
            }
        }
        SpClient sp = SpClient.create(URI.create("http://127.0.0.1:" + port(8080)));
        // Every chosen folder's changing member JOINED (joining again changes nothing), unmeasured.
        for (int f : chosen) {
            int u = org.churnUser(f);
            sp.withToken(org.tokens.get(u)).joinSharedFolder(SID.of(org.sids.get(f)));
        }
        sleepS(3);
        int interval = i("acl-interval-ms", 3000);
        long timeout = TimeUnit.SECONDS.toNanos(i("acl-timeout", 10));
        log("N=%d: %d membership changes, one every %d ms at most (each after the last one reached every member device), over %d folders"
                + " of %d members", r.n, changes, interval, chosen.size(), org.size);
        boolean[] joined = new boolean[chosen.size()];
        Arrays.fill(joined, true);
        long[] last = new long[changes];
        long[] lastPush = new long[changes];
        long[] restUs = new long[changes];
        int missing = 0;
        int devicesTotal = 0;
        int done = 0;
        Usage a = usage();
        long p0 = System.nanoTime();
        for (int c = 0; c < changes; c++) {
            int k = c % chosen.size();
            int f = chosen.get(k);
            // The folder's members' connected devices, and the newest ACL epoch each has handed over and been pushed so far.
            List<Integer> devs = new ArrayList<>();
            for (int u : org.members(f)) {
                for (int d = u * dpu; d < (u + 1) * dpu && d < r.n; d++) {
                    devs.add(d);
                }
            }
            long[] before = new long[devs.size()];
            long[] beforePush = new long[devs.size()];
            long now = System.nanoTime();
            for (int j = 0; j < devs.size(); j++) {
                before[j] = epochBefore(ev.acls.get(devs.get(j)), now);
                beforePush[j] = epochBefore(ev.aclPushes.get(devs.get(j)), now);
            }
            SpClient user = sp.withToken(org.tokens.get(org.churnUser(f)));
            SID sid = SID.of(org.sids.get(f));
            boolean leave = joined[k];
            long t = System.nanoTime();
            try {
                if (leave) {
                    user.leaveSharedFolder(sid);
                } else {
                    user.joinSharedFolder(sid);
                }
                joined[k] = !joined[k];
            } catch (RuntimeException e) {
                ev.errors.incrementAndGet();
                ev.errorSamples.add("membership change: " + e);
                r.aclRows.add(String.format(Locale.ROOT, "| %d | %s | failed: %s | | |", c + 1, leave ? "leave" : "join", e.getMessage()));
                continue;
            }
            restUs[c] = (System.nanoTime() - t) / 1000;
            // Until every member device has handed over a newer ACL, or the timeout.
            int left;
            long latest;
            long latestPush;
            while (true) {
                left = 0;
                latest = 0;
                latestPush = 0;
                for (int j = 0; j < devs.size(); j++) {
                    long doneAt = firstAfter(ev.acls.get(devs.get(j)), t, before[j]);
                    long pushAt = firstAfter(ev.aclPushes.get(devs.get(j)), t, beforePush[j]);
                    if (doneAt < 0) {
                        left++;
                    } else {
                        latest = Math.max(latest, doneAt - t);
                    }
                    if (pushAt >= 0) {
                        latestPush = Math.max(latestPush, pushAt - t);
                    }
                }
                if (left == 0 || System.nanoTime() - t > timeout) {
                    break;
                }
                Thread.sleep(20);
            }
            done++;
            devicesTotal += devs.size();
            missing += left;
            last[c] = left > 0 ? Long.MAX_VALUE : latest;
            lastPush[c] = latestPush;
            r.aclRows.add(String.format(Locale.ROOT, "| %d | %s | %d | %s ms | %s ms | %s |", c + 1, leave ? "leave" : "join", devs.size(),
                    ms(restUs[c] * 1000), ms(latestPush), left > 0 ? left + " devices not within " + i("acl-timeout", 10) + " s" : ms(latest) + " ms"));
            long next = t + TimeUnit.MILLISECONDS.toNanos(interval);
            while (System.nanoTime() < next) {
                LockSupport.parkNanos(next - System.nanoTime());
            }
        }
        long p1 = System.nanoTime();
        Usage b = usage();
        for (int k = 0; k < chosen.size(); k++) {
            if (!joined[k]) {
                sp.withToken(org.tokens.get(org.churnUser(chosen.get(k)))).joinSharedFolder(SID.of(org.sids.get(chosen.get(k))));
            }
        }
        long[] sortedLast = Arrays.stream(last, 0, changes).sorted().toArray();
        long[] sortedPush = Arrays.stream(lastPush, 0, changes).sorted().toArray();
        long[] rest = Arrays.stream(restUs, 0, changes).map(x -> x * 1000).sorted().toArray();
        int perChange = done == 0 ? 0 : devicesTotal / done;
        r.aclSummary = String.format(Locale.ROOT, "%d changes (%d member devices each on average): change to the last member device's refetch"
                + " p50 / p99 / max %s / %s / %s ms; to the last acl/ push %s / %s ms; %d device refetches missing",
                changes, perChange, ms(pct(sortedLast, 50)), ms(pct(sortedLast, 99)), ms(sortedLast.length == 0 ? 0 : sortedLast[sortedLast.length - 1]),
                ms(pct(sortedPush, 50)), ms(pct(sortedPush, 99)), missing);
        r.aclRest = String.format(Locale.ROOT, "leave/join `POST /shared-folders/{sid}/leave|join` p50 / p99 %s / %s ms",
                ms(pct(rest, 50)), ms(pct(rest, 99)));
        List<Sample> gets = ev.window(ev.aclGets, p0, p1);
        long[] g = gets.stream().filter(s -> s.status() == 200).mapToLong(s -> s.us() * 1000).sorted().toArray();
        r.aclGet = String.format(Locale.ROOT, "devices' `GET /acl` %,d answers p50 / p99 %s / %s ms (%d failed)", g.length, ms(pct(g, 50)),
                ms(pct(g, 99)), gets.size() - g.length);
        Map<String, Double> cpu = cores(a, b);
        r.aclSummary += String.format(Locale.ROOT, "; CPU over the changes: SP %.2f, verkehr %.2f, MariaDB %.2f cores",
                cpu.getOrDefault("sp-service", 0.0), cpu.getOrDefault("verkehr-push", 0.0), cpu.getOrDefault("mariadb", 0.0));
        if (missing > 0 || done < changes) {
            incorrect = true;
        }
        log("N=%d ACL: %s; %s; %s", r.n, r.aclSummary, r.aclRest, r.aclGet);
    }

    static long epochBefore(List<long[]> events, long t) {
        long e = 0;
        if (events == null) {
            return 0;
        }
        synchronized (events) {
            for (long[] x : events) {
                if (x[0] < t) {
                    e = Math.max(e, x[1]);
                }
            }
        }
        return e;
    }

    static long firstAfter(List<long[]> events, long t, long epochAbove) {
        long first = -1;
        if (events == null) {
            return -1;
        }
        synchronized (events) {
            for (long[] x : events) {
                if (x[0] >= t && x[1] > epochAbove && (first < 0 || x[0] < first)) {
                    first = x[0];
                }
            }
        }
        return first;
    }

    // ================================================================ command rate sweep

    final ThreadLocal<HttpsLink> serviceLink = new ThreadLocal<>();

    void sweep(StepResult r) throws Exception {
        List<Integer> rates = new ArrayList<>();
        for (String s : o.getOrDefault("rates", "100,250,500,1000,2000").split("[, ]+")) {
            if (!s.isBlank()) {
                rates.add(Integer.parseInt(s.trim()));
            }
        }
        int warmup = i("warmup", 5);
        int duration = i("step-seconds", 20);
        double lostAfter = Double.parseDouble(o.getOrDefault("lost-after", "10"));
        double targetMs = Double.parseDouble(o.getOrDefault("p99-target-ms", "100"));
        int senders = i("senders", 64);
        ExecutorService pool = Executors.newFixedThreadPool(senders, Thread.ofPlatform().daemon().name("sender-", 0).factory());
        String auth = new ServiceCredential("bench", secret).toHeaderValue();
        int[] perm = new int[r.n];
        for (int k = 0; k < r.n; k++) {
            perm[k] = k;
        }
        Random random = new Random(r.n);
        for (int k = r.n - 1; k > 0; k--) {
            int j = random.nextInt(k + 1);
            int x = perm[k];
            perm[k] = perm[j];
            perm[j] = x;
        }
        AtomicLong seqs = new AtomicLong(ev.cmds.size() + (long) r.n * 10_000_000L);
        try {
            for (int rate : rates) {
                checkWorkers();
                int total = (warmup + duration) * rate;
                log("N=%d: commands at %d/s for %d s (%d s warm-up)", r.n, rate, warmup + duration, warmup);
                long[] seq = new long[total];
                CountDownLatch answered = new CountDownLatch(total);
                long t0 = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
                long measuredFrom = t0 + TimeUnit.SECONDS.toNanos(warmup);
                Usage a = null;
                long lagMax = 0;
                for (int k = 0; k < total; k++) {
                    long due = t0 + Math.round(k * 1e9 / rate);
                    for (long w; (w = due - System.nanoTime()) > 0; ) {
                        LockSupport.parkNanos(w);
                    }
                    if (a == null && due >= measuredFrom) {
                        a = usage();
                    }
                    lagMax = Math.max(lagMax, System.nanoTime() - due);
                    int dev = perm[k % r.n];
                    long s = seqs.incrementAndGet();
                    seq[k] = s;
                    Cmd c = new Cmd(dev, due);
                    ev.cmds.put(s, c);
                    pool.execute(() -> {
                        try {
                            enqueue(c, s, auth);
                        } finally {
                            answered.countDown();
                        }
                    });
                }
                long t1 = System.nanoTime();
                Usage b = usage();
                if (a == null) {
                    a = b;
                }
                if (!answered.await(120, TimeUnit.SECONDS)) {
                    throw new IllegalStateException(answered.getCount() + " enqueues still unanswered 120 s after the schedule ended");
                }
                // Stragglers: wait until every command is in or lost-after has passed since the last was due.
                long until = t1 + Math.round(lostAfter * 1e9);
                while (System.nanoTime() < until) {
                    boolean allIn = true;
                    for (long s : seq) {
                        Cmd c = ev.cmds.get(s);
                        if (c.status / 100 == 2 && c.acked == 0) {
                            allIn = false;
                            break;
                        }
                    }
                    if (allIn) {
                        break;
                    }
                    Thread.sleep(100);
                }
                Thread.sleep(300);
                Map<String, Double> cpu = cores(a, b);
                // Figures over the commands due in the measured window; losses and duplicates over all.
                long lostNanos = Math.round(lostAfter * 1e9);
                List<Long> lat = new ArrayList<>();
                List<Long> ack = new ArrayList<>();
                List<Long> enq = new ArrayList<>();
                int sent = 0;
                int ok = 0;
                int errors = 0;
                int lost = 0;
                int notAcked = 0;
                int dupHandled = 0;
                int dupAcked = 0;
                int wrong = 0;
                int measured = 0;
                for (long s : seq) {
                    Cmd c = ev.cmds.get(s);
                    sent++;
                    if (c.status / 100 != 2) {
                        errors++;
                        continue;
                    }
                    ok++;
                    long rc = c.receipt();
                    boolean in = rc != 0 && rc - c.due <= lostNanos;
                    if (!in) {
                        lost++;
                    }
                    if (c.acks.get() == 0) {
                        notAcked++;
                    }
                    if (c.handles.get() > 1) {
                        dupHandled++;
                    }
                    if (c.acks.get() > 1) {
                        dupAcked++;
                    }
                    wrong += c.wrong.get();
                    if (c.due >= measuredFrom) {
                        measured++;
                        lat.add(in ? rc - c.due : Long.MAX_VALUE);
                        ack.add(c.acked != 0 ? c.acked - c.due : Long.MAX_VALUE);
                        enq.add(c.answered - c.due);
                    }
                }
                long[] l = lat.stream().mapToLong(Long::longValue).sorted().toArray();
                long[] k2 = ack.stream().mapToLong(Long::longValue).sorted().toArray();
                long[] e = enq.stream().mapToLong(Long::longValue).sorted().toArray();
                List<Sample> q = ev.window(ev.cmdRequests, measuredFrom, t1);
                long[] qs = q.stream().filter(x -> x.status() == 200).mapToLong(x -> x.us() * 1000).sorted().toArray();
                boolean met = pct(l, 99) < targetMs * 1e6 && lost == 0 && errors == 0 && wrong == 0 && notAcked == 0;
                String row = String.format(Locale.ROOT, "| %,d | %,d | %,d / %d | %d | %d / %d | %s / **%s** / %s | %s / %s | %s / %s | %s / %s |"
                        + " %.2f / %.2f / %.2f / %.2f | %.2f / %.2f | %s |",
                        rate, sent, errors, wrong, lost, dupHandled, dupAcked,
                        ms(pct(l, 50)), ms(pct(l, 99)), ms(l.length == 0 ? 0 : l[l.length - 1]), ms(pct(k2, 50)), ms(pct(k2, 99)),
                        ms(pct(e, 50)), ms(pct(e, 99)), ms(pct(qs, 50)), ms(pct(qs, 99)),
                        cpu.getOrDefault("command-server", 0.0), cpu.getOrDefault("verkehr-push", 0.0), cpu.getOrDefault("redis", 0.0),
                        loadCores(cpu), cpu.get("machine"), cpu.get("other"), met ? "met" : "**missed**");
                r.sweepRows.add(row);
                sweepCsv.append(String.format(Locale.ROOT, "%d,%d,%d,%d,%d,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f%n", r.n, rate, sent, ok - lost, lost,
                        pct(l, 50) / 1e6, Math.min(pct(l, 99), 1e12) / 1e6, pct(k2, 50) / 1e6, Math.min(pct(k2, 99), 1e12) / 1e6,
                        pct(e, 50) / 1e6, pct(e, 99) / 1e6));
                log("N=%d rate %d/s: sent %d, errors %d, lost %d, handled twice %d; receipt p50/p99 %s/%s ms, acked p99 %s ms,"
                        + " enqueue answer p99 %s ms (schedule lag max %s ms); %s", r.n, rate, sent, errors, lost, dupHandled,
                        ms(pct(l, 50)), ms(pct(l, 99)), ms(pct(k2, 99)), ms(pct(e, 99)), ms(lagMax), met ? "met" : "MISSED");
                if (met) {
                    r.bestRate = rate;
                } else {
                    if (r.n >= 10_000 && rate <= 2000) {
                        targetMissed = true;
                    }
                    if (!o.getOrDefault("stop-on-miss", "1").equals("0")) {
                        r.sweepNote = "The sweep stopped at the first rate that missed (STOP_ON_MISS=0 goes on).";
                        break;
                    }
                }
                // Let queues and the machine settle before the next rate.
                sleepS(i("between-rates", 5));
            }
        } finally {
            pool.shutdownNow();
        }
        if (r.n >= 10_000 && r.bestRate < 2000) {
            targetMissed = true;
        }
    }

    static double loadCores(Map<String, Double> cpu) {
        double s = 0;
        for (Map.Entry<String, Double> e : cpu.entrySet()) {
            if (e.getKey().startsWith("load ") || e.getKey().equals("coordinator")) {
                s += e.getValue();
            }
        }
        return s;
    }

    void enqueue(Cmd c, long s, String auth) {
        HttpsLink link = serviceLink.get();
        if (link == null) {
            link = new HttpsLink(null, "127.0.0.1", port(9020), 10_000);
            serviceLink.set(link);
        }
        String body = "{\"type\":\"UPLOAD_LOGS\",\"upload_logs\":{\"defect_id\":\"pb" + s + "\",\"expiry_time\":"
                + (System.currentTimeMillis() + 3_600_000L) + "}}";
        try {
            HttpsLink.Response r = link.exchange("POST", "/v1/devices/" + org.dids.get(c.dev) + "/commands",
                    "Authorization: " + auth + "\r\nContent-Type: application/json\r\n", body.getBytes(StandardCharsets.US_ASCII));
            c.status = r.status();
            Matcher m = EPOCH.matcher(r.text());
            if (m.find()) {
                c.epoch = Long.parseLong(m.group(1));
            }
            if (r.status() / 100 != 2 && ev.errorSamples.size() < 10) {
                ev.errorSamples.add("enqueue answered " + r.status() + ": " + r.text());
            }
        } catch (IOException | RuntimeException e) {
            c.status = -1;
            if (ev.errorSamples.size() < 10) {
                ev.errorSamples.add("enqueue failed: " + e);
            }
        } finally {
            c.answered = System.nanoTime();
        }
    }

    /**
     * Every command of the run, once the last had time to arrive: never received by its device
     * (lost), received but never acknowledged, received by another device, handled twice.
     */
    void finalCheck() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(i("final-wait", 30));
        while (System.nanoTime() < deadline) {
            boolean all = true;
            for (Cmd c : ev.cmds.values()) {
                if (c.status / 100 == 2 && c.acks.get() == 0) {
                    all = false;
                    break;
                }
            }
            if (all) {
                break;
            }
            Thread.sleep(200);
        }
        long sent = 0;
        long enqueued = 0;
        long lost = 0;
        long unacked = 0;
        long wrong = 0;
        long twice = 0;
        long ackedTwice = 0;
        long ackUnanswered = 0;
        long late = 0;
        long lostNanos = Math.round(Double.parseDouble(o.getOrDefault("lost-after", "10")) * 1e9);
        List<String> odd = new ArrayList<>();
        for (Map.Entry<Long, Cmd> e : ev.cmds.entrySet()) {
            Cmd c = e.getValue();
            sent++;
            if (c.status / 100 != 2) {
                if (odd.size() < 5) {
                    odd.add(String.format(Locale.ROOT, "pb%d to device %d: enqueue answered %d after %s ms; pushes %d, handled %d (%s)", e.getKey(),
                            c.dev, c.status, ms(c.answered - c.due), c.pushes.get(), c.handles.get(), c.results.trim()));
                }
                continue;
            }
            enqueued++;
            if ((c.receipt() == 0 || c.acks.get() != 1 || c.wrong.get() > 0) && odd.size() < 10) {
                odd.add(String.format(Locale.ROOT, "pb%d to device %d (epoch %d): pushes %d, handled %d, ack answers [%s], at other devices %d",
                        e.getKey(), c.dev, c.epoch, c.pushes.get(), c.handles.get(), c.results.trim(), c.wrong.get()));
            }
            long rc = c.receipt();
            if (rc == 0) {
                lost++;
            } else if (rc - c.due > lostNanos) {
                late++;
            }
            if (c.acks.get() == 0) {
                if (c.ackFailures.get() > 0) {
                    ackUnanswered++;
                } else {
                    unacked++;
                }
            }
            if (c.acks.get() > 1) {
                ackedTwice++;
            }
            if (c.handles.get() > 1) {
                twice++;
            }
            wrong += c.wrong.get();
        }
        String waiting = "?";
        try {
            HttpsLink link = new HttpsLink(null, "127.0.0.1", port(9020), 10_000);
            HttpsLink.Response r = link.exchange("GET", "/v1/stats", "Authorization: " + new ServiceCredential("bench", secret).toHeaderValue()
                    + "\r\n", null);
            Matcher m = Pattern.compile("\"commands_waiting\"\\s*:\\s*(\\d+)").matcher(r.text());
            waiting = m.find() ? m.group(1) : r.status() + " " + r.text();
            link.close();
        } catch (IOException | RuntimeException e) {
            waiting = "not read (" + e + ")";
        }
        // A command whose only ack got no answer (a timeout) was carried out; command-server may have taken the ack all the
        // same, and then it is gone from the queue: that is exactly once too, if the queues are empty at the end.
        boolean ok = lost == 0 && unacked == 0 && wrong == 0 && ackedTwice == 0 && (ackUnanswered == 0 || waiting.equals("0"));
        if (!ok) {
            incorrect = true;
        }
        md.printf(Locale.ROOT, "## Every command of the run%n%n%,d commands sent, %,d enqueued (2xx); at the end: **%,d never reached their device**,"
                + " %,d never acknowledged (and %,d whose ack got no answer in 15 s: carried out, and gone from the queue if"
                + " `commands_waiting` is 0), %,d reached a wrong device, %,d acknowledged twice; %,d arrived later than the lost-after bound"
                + " (counted as lost in their rate's figures); %,d were carried out twice by their device (a push of a command the device had"
                + " already taken from its queue: the SDK's loop acts on every push; the second ack answers `stale`). command-server's"
                + " `commands_waiting` at the end: %s. Exactly once: %s.%n%n", sent, enqueued, lost, unacked, ackUnanswered, wrong, ackedTwice, late, twice, waiting,
                ok ? "yes" : "**no**");
        if (!odd.isEmpty()) {
            md.printf(Locale.ROOT, "Commands that were not enqueued, or not received and acknowledged once (at most 10; ack answers as"
                    + " `via:result`, p = on its push, d = from the queue):%n%n");
            for (String x : odd) {
                md.printf(Locale.ROOT, "- %s%n", x);
            }
            md.println();
        }
        log("every command: %d sent, %d enqueued, %d never received, %d never acked (%d more whose ack got no answer), %d wrong device, %d acked twice, %d late, %d handled twice;"
                + " commands_waiting %s", sent, enqueued, lost, unacked, ackUnanswered, wrong, ackedTwice, late, twice, waiting);
    }

    // ================================================================ writing

    void writeStep(StepResult r) throws InterruptedException {
        md.printf(Locale.ROOT, "## N = %,d devices%n%n", r.n);
        md.printf(Locale.ROOT, "- devices online: %,d in %d load processes; the newly started ones connected in %.1f s%n", r.n, workers.size(), r.connectSeconds);
        md.printf(Locale.ROOT, "- verkehr connections lost during the step: %d (reconnects so far %d); errors reported by the devices: %d%s%n",
                ev.disconnects.size() - disconnectsSeen, ev.reconnects.get(), ev.errors.get(),
                ev.errors.get() > 0 ? " (first: " + ev.firstErrors() + ")" : "");
        disconnectsSeen = ev.disconnects.size();
        md.printf(Locale.ROOT, "%n### Idle (%.0f s window: devices connected, checking in every 60 s, nothing else)%n%n", r.idleSeconds);
        md.printf(Locale.ROOT, "%s. %s. Check-ins in the window: %s.%n%n", r.idleLine, r.idleSlices, r.checkin);
        md.printf(Locale.ROOT, "| process | CPU, cores | CPU, %% of 2 cores | RSS, MiB | threads | open fds |%n|---|---|---|---|---|---|%n");
        for (Proc p : processes()) {
            long[] m = r.idleMem.get(p.name());
            if (m == null) {
                continue;
            }
            double c = r.idleCores.getOrDefault(p.name(), 0.0);
            md.printf(Locale.ROOT, "| %s | %.3f | %.1f | %.1f | %d | %d |%n", p.name() + (p.kind().equals("load") ? " (load)" : ""), c, c * 50,
                    m[0] / 1024.0, m[1], m[2]);
        }
        md.printf(Locale.ROOT, "| **platform (services, Redis, MariaDB)** | **%.3f** | **%.1f** | | | |%n", r.platformIdle, r.platformIdle * 50);
        md.printf(Locale.ROOT, "| load processes (reported apart) | %.3f | %.1f | | | |%n", r.loadIdle, r.loadIdle * 50);
        md.printf(Locale.ROOT, "| everything else on the machine | %.3f | %.1f | | | |%n%n", r.idleCores.get("other"), r.idleCores.get("other") * 50);
        if (r.workerStats != null) {
            md.printf(Locale.ROOT, "Load processes (fds, threads, devices online, open HTTPS keep-alive connections, heap used MiB, devices):");
            r.workerStats.forEach((k, v) -> md.printf(Locale.ROOT, " %s `%s`;", k, v));
            md.printf(Locale.ROOT, "%n%n");
        }
        md.printf(Locale.ROOT, "### Membership changes%n%n%s.%n%n- SP's REST answers: %s; %s.%n%n", r.aclSummary, r.aclRest, r.aclGet);
        if (!r.aclRows.isEmpty()) {
            md.printf(Locale.ROOT, "| change | kind | member devices | REST answer | to the last member device's acl/ push | to its refetch done |%n|---|---|---|---|---|---|%n");
            r.aclRows.forEach(md::println);
            md.println();
        }
        md.printf(Locale.ROOT, "### Command rates%n%n");
        md.printf(Locale.ROOT, "| commands/s | sent | enqueue errors / to a wrong device | lost | handled twice / acked twice | enqueue → receipt p50 / p99 / max, ms |"
                + " enqueue → acked p50 / p99, ms | enqueue answer p50 / p99, ms | device's head/ack answers p50 / p99, ms |"
                + " CPU cores: command-server / verkehr / Redis / load | machine / other | p99 < %s ms, none lost |%n",
                o.getOrDefault("p99-target-ms", "100"));
        md.printf(Locale.ROOT, "|---|---|---|---|---|---|---|---|---|---|---|---|%n");
        r.sweepRows.forEach(md::println);
        md.printf(Locale.ROOT, "%nHighest rate meeting the target at N = %,d: **%s**. %s%n%n", r.n, r.bestRate < 0 ? "none" : r.bestRate + "/s", r.sweepNote);
        md.flush();
    }

    long disconnectsSeen;

    void writeSummary(List<StepResult> results) {
        summary.printf(Locale.ROOT, "| N | connect s | platform idle cores (%% of 2) | load idle cores | check-in p50/p99 | ACL change → last refetch | best command rate (p99 < %s ms, none lost) |%n",
                o.getOrDefault("p99-target-ms", "100"));
        summary.printf(Locale.ROOT, "|---|---|---|---|---|---|---|%n");
        for (StepResult r : results) {
            summary.printf(Locale.ROOT, "| %,d | %.1f | %.3f (%.1f%%) | %.3f | %s | %s | %s |%n", r.n, r.connectSeconds, r.platformIdle, r.platformIdle * 50,
                    r.loadIdle, r.checkin.replaceAll(".*p50 / p99 ([^,]*),.*", "$1"),
                    r.aclSummary.replaceAll(".*refetch p50 / p99 / max ([^;]*);.*", "$1"), r.bestRate < 0 ? "none" : r.bestRate + "/s");
        }
        int nMax = results.get(results.size() - 1).n;
        StepResult top = results.get(results.size() - 1);
        if (nMax >= 10_000) {
            summary.printf(Locale.ROOT, "%nTargets at N = %,d: platform at idle under 25%% of the 2 cores (0.5 cores): %s (%.3f);"
                    + " 2,000 commands/s with p99 under %s ms and none lost: %s (best rate %s); every membership change reached every"
                    + " member device: see above.%n", nMax, top.platformIdle < 0.5 ? "met" : "**missed**", top.platformIdle,
                    o.getOrDefault("p99-target-ms", "100"), top.bestRate >= 2000 ? "met" : "**missed**",
                    top.bestRate < 0 ? "none" : top.bestRate + "/s");
        } else {
            summary.printf(Locale.ROOT, "%nThe targets (idle platform under 25%% of 2 cores, 2,000 commands/s with p99 under %s ms) are for"
                    + " 10,000 devices: not evaluated in this run (largest N = %,d). Lost commands, commands not acked, commands at a wrong"
                    + " device and membership changes that did not reach every member device fail the run at any N.%n",
                    o.getOrDefault("p99-target-ms", "100"), nMax);
        }
        summary.flush();
        md.printf(Locale.ROOT, "## Summary%n%n");
        try {
            md.print(Files.readString(out.resolve("summary.md")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        md.flush();
    }

    // ================================================================ helpers

    static double secs(long nanos) {
        return nanos / 1e9;
    }

    static void sleepS(int s) throws InterruptedException {
        Thread.sleep(s * 1000L);
    }

    /** The p-th percentile of sorted values (nearest rank); 0 for none. */
    static long pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int k = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, k))];
    }

    static String ms(long nanos) {
        if (nanos == Long.MAX_VALUE || nanos >= 1e15) {
            return "lost";
        }
        double v = nanos / 1e6;
        return v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.2f", v);
    }
}
