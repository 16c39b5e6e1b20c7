import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import javax.net.ssl.SSLContext;

import dev.aero.client.device.DeviceKeys;
import dev.aero.client.sp.DeviceCertificate;
import dev.aero.client.sp.RegisterDevice;
import dev.aero.client.sp.SignUp;
import dev.aero.client.sp.SpClient;
import dev.aero.client.ssmp.SsmpClient;
import dev.aero.client.ssmp.SsmpListener;
import dev.aero.common.auth.ServiceCredential;
import dev.aero.common.tls.CaTrust;
import dev.aero.common.id.DID;
import dev.aero.common.id.SID;
import dev.aero.common.ssmp.PlatformTopics;

/**
 * The sharing benchmark's load tool (bench/sp/sharing.sh; docs/benchmarks.md, "Sharing"). It
 * runs against a platform instance the launcher started (SP and verkehr, the real jars):
 *
 * <ol>
 * <li>signs up an admin, the measured user M and the changing user U through REST, registers
 * M's devices, then seeds SP's database in bulk with the rest of an organization of
 * {@code --users} users and {@code --folders} JOINED folders of 2 to 200 members (M in 50 of
 * them, U in one of exactly 200);</li>
 * <li>{@code acl}: {@code GET /acl?since=0} for M (the whole ACL) against
 * {@code GET /acl?since=<epoch>} (the epoch alone: the same listener, certificate check and
 * epoch read), alternating;</li>
 * <li>{@code push}: U leaves or joins the 200-member folder, and the tool, subscribed to the
 * 200 members' {@code acl/} topics as a service, times the REST answer (the commit) to the last
 * of the 200 new epochs; against 200 publishes the tool makes itself through verkehr's HTTP API
 * (what SP's outbox does, without SP), alternating;</li>
 * <li>{@code subscribe}: M's devices SUBSCRIBE/UNSUBSCRIBE a store topic (membership cached)
 * against their own {@code cmd/<did>}, alternating.</li>
 * </ol>
 */
public final class SharingBench {

    private final Map<String, String> o;
    private final PrintStream md;
    private final PrintStream summary;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private SharingBench(Map<String, String> options) throws IOException {
        this.o = options;
        this.md = new PrintStream(Files.newOutputStream(Path.of(options.get("md"))), true, StandardCharsets.UTF_8);
        this.summary = new PrintStream(Files.newOutputStream(Path.of(options.get("summary"))), true, StandardCharsets.UTF_8);
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        System.exit(new SharingBench(options).run());
    }

    private int integer(String name) {
        return Integer.parseInt(o.get(name));
    }

    private static void log(String format, Object... args) {
        System.out.printf(Locale.ROOT, "[sharing] " + format + "%n", args);
    }

    // ---- the organization ----

    private record Device(DID did, SSLContext tls) { }

    private final List<Device> devices = new ArrayList<>();
    private final List<SID> mFolders = new ArrayList<>();
    private final List<String> bigFolderMembers = new ArrayList<>();
    private SID bigFolder;
    private SpClient u;
    private SpClient mClient;
    private String mEmail;
    private String caPem;

    private int run() throws Exception {
        URI sp = URI.create(o.get("sp"));
        SpClient anonymous = SpClient.create(sp);
        String tag = Long.toString(System.currentTimeMillis(), 36);
        String admin = "bench-admin-" + tag + "@example.com";
        String m = "bench-m-" + tag + "@example.com";
        String uEmail = "bench-u-" + tag + "@example.com";
        String password = "correct horse battery staple";
        anonymous.signUp(SignUp.firstAdmin(admin, password, "Ada", "Admin", "Bench Org", o.get("setup-token")));
        anonymous.signUp(new SignUp(m, password, "Mia", "Measured", null, null));
        anonymous.signUp(new SignUp(uEmail, password, "Uli", "Changer", null, null));
        mClient = anonymous.withToken(anonymous.signIn(m, password).token());
        mEmail = m;
        u = anonymous.withToken(anonymous.signIn(uEmail, password).token());
        caPem = anonymous.caCertificatePem();
        for (int i = 0; i < integer("devices"); i++) {
            DID did = DID.random();
            DeviceKeys keys = DeviceKeys.generate();
            DeviceCertificate c = mClient.registerDevice(new RegisterDevice(keys.certificationRequestPem(did), "bench " + i, "Linux", "Debian"));
            devices.add(new Device(did, keys.sslContext(c.certificate(), c.caCertificate())));
        }
        long seeded = System.nanoTime();
        int members = seed(admin, m, uEmail);
        log("seeded %d users, %d folders, %d memberships in %d s", integer("users"), integer("folders"), members,
                (System.nanoTime() - seeded) / 1_000_000_000);
        md.printf(Locale.ROOT, "Organization: %,d users, %,d JOINED folders of 2 to 200 members (%,d memberships; the measured user in %d"
                + " of them, the changing user in one of 200), seeded in bulk after 3 REST sign-ups.%n%n",
                integer("users"), integer("folders"), members, mFolders.size());

        boolean ok = aclScenario();
        ok &= pushScenario();
        ok &= subscribeScenario();
        return ok ? 0 : 3; // 3: a target missed (bench/lib/runner.sh)
    }

    /** Bulk rows through JDBC: users, folders and JOINED memberships. Returns the number of memberships. */
    private int seed(String admin, String m, String uEmail) throws Exception {
        Random random = new Random(42);
        try (Connection db = DriverManager.getConnection(o.get("jdbc"), o.get("db-user"), o.get("db-password"))) {
            db.setAutoCommit(false);
            int org;
            try (PreparedStatement q = db.prepareStatement("SELECT organization_id FROM users WHERE id = ?")) {
                q.setString(1, admin);
                try (ResultSet r = q.executeQuery()) {
                    r.next();
                    org = r.getInt(1);
                }
            }
            Timestamp now = Timestamp.from(Instant.now());
            List<String> users = new ArrayList<>();
            int extra = integer("users") - 3;
            try (PreparedStatement ins = db.prepareStatement("INSERT INTO users (id, organization_id, first_name, last_name, password_hash,"
                    + " role, active, created_at) VALUES (?, ?, 'Bench', 'User', NULL, 'USER', TRUE, ?)")) {
                for (int i = 0; i < extra; i++) {
                    String id = String.format(Locale.ROOT, "bench-%05d-%s", i, m.substring("bench-m-".length()));
                    users.add(id);
                    ins.setString(1, id);
                    ins.setInt(2, org);
                    ins.setTimestamp(3, now);
                    ins.addBatch();
                    if (i % 1000 == 999) {
                        ins.executeBatch();
                    }
                }
                ins.executeBatch();
            }
            int folders = integer("folders");
            int memberships = 0;
            try (PreparedStatement f = db.prepareStatement("INSERT INTO shared_folders (sid, organization_id, name, created_by, created_at)"
                    + " VALUES (?, ?, ?, ?, ?)");
                    PreparedStatement mem = db.prepareStatement("INSERT INTO shared_folder_members (sid, user_id, permissions, state,"
                            + " invited_by, updated_at) VALUES (?, ?, ?, 'JOINED', NULL, ?)")) {
                for (int i = 0; i < folders; i++) {
                    SID sid = SID.random();
                    int size = i == 0 ? 200 : 2 + random.nextInt(199);
                    List<String> in = new ArrayList<>();
                    if (i == 0) {
                        bigFolder = sid;
                        in.add(uEmail);
                    } else if (i <= 50) {
                        mFolders.add(sid);
                        in.add(m);
                    }
                    while (in.size() < size) {
                        String pick = users.get(random.nextInt(users.size()));
                        if (!in.contains(pick)) {
                            in.add(pick);
                        }
                    }
                    if (i == 0) {
                        bigFolderMembers.addAll(in);
                    }
                    f.setString(1, sid.hex());
                    f.setInt(2, org);
                    f.setString(3, "Folder " + i);
                    f.setString(4, in.get(0));
                    f.setTimestamp(5, now);
                    f.addBatch();
                    for (int k = 0; k < in.size(); k++) {
                        mem.setString(1, sid.hex());
                        mem.setString(2, in.get(k));
                        // The first member owns it; U is an EDITOR (it must be free to leave).
                        mem.setInt(3, k == 0 && i != 0 ? 3 : (i == 0 && k == 1 ? 3 : 1));
                        mem.setTimestamp(4, now);
                        mem.addBatch();
                        memberships++;
                    }
                    if (i % 50 == 49) {
                        f.executeBatch();
                        mem.executeBatch();
                    }
                }
                f.executeBatch();
                mem.executeBatch();
            }
            db.commit();
            return memberships;
        }
    }

    // ---- GET /acl ----

    private boolean aclScenario() throws Exception {
        // The measured user's acl/ topic, followed as its devices do, for the reads after a change.
        mAclTopic = PlatformTopics.acl(mEmail);
        received.put(mAclTopic, new AtomicLong());
        receivedAt.put(mAclTopic, new AtomicLong());
        SsmpClient follower = listening("bench-acl-follower");
        follower.subscribe(mAclTopic, false);
        try {
            return aclReads();
        } finally {
            follower.close();
        }
    }

    private boolean aclReads() throws Exception {
        URI devicesUrl = URI.create(o.get("sp-devices"));
        HttpClient device = HttpClient.newBuilder().sslContext(devices.get(0).tls()).connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> whole = device.send(HttpRequest.newBuilder(devicesUrl.resolve("/api/v1/acl?since=0")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (whole.statusCode() != 200) {
            throw new IllegalStateException("GET /acl answered " + whole.statusCode() + ": " + whole.body());
        }
        long epoch = Long.parseLong(whole.body().replaceAll("(?s)^\\{\"epoch\":(\\d+).*", "$1"));
        int stores = whole.body().split("\"sid\"").length - 1;
        log("GET /acl: epoch %d, %d stores, %,d bytes", epoch, stores, whole.body().length());
        URI full = devicesUrl.resolve("/api/v1/acl?since=0");
        URI floor = devicesUrl.resolve("/api/v1/acl?since=" + epoch);
        int reps = integer("reps");
        List<Long> fullAll = new ArrayList<>();
        List<Long> floorAll = new ArrayList<>();
        List<Long> changedAll = new ArrayList<>();
        List<Long> changedFloorAll = new ArrayList<>();
        List<Double> ratios = new ArrayList<>();
        List<Double> changedRatios = new ArrayList<>();
        md.printf("## `GET /acl` for a user in %d folders (%,d-byte answer)%n%n", stores, whole.body().length());
        md.println("Four reads, alternated: the epoch alone (`since` = the epoch: the same listener, certificate check and epoch read;"
                + " the floor), the whole ACL again at an epoch already read (what every device of the user after the first gets),"
                + " the first read of the whole ACL after a change (the user renames one of its folders, untimed; once the new epoch's"
                + " `acl/` push arrives, as the SDK's follower waits for it, the read is timed), and the floor of that read: the same"
                + " change and wait, then the epoch alone (`since` = the pushed epoch), timed in the same moment after the change.");
        md.println();
        md.println("| run | epoch alone p50 / p99 (ms) | whole ACL, epoch read before, p50 / p99 (ms) | whole ACL, first read after a change,"
                + " p50 / p99 (ms) | epoch alone, first read after a change, p50 / p99 (ms) | p50 ratios to their floors |");
        md.println("|---|---|---|---|---|---|");
        for (int r = 1; r <= reps; r++) {
            long[] a = timeGets(device, floor);
            long[] b = timeGets(device, full);
            long[] c = timeAfterChanges(device, false);
            long[] d = timeAfterChanges(device, true);
            floorAll.addAll(list(a));
            fullAll.addAll(list(b));
            changedAll.addAll(list(c));
            changedFloorAll.addAll(list(d));
            double ratio = (double) pct(b, 50) / pct(a, 50);
            double changedRatio = (double) pct(c, 50) / pct(d, 50);
            ratios.add(ratio);
            changedRatios.add(changedRatio);
            md.printf(Locale.ROOT, "| %d | %s / %s | %s / %s | %s / %s (%d reads) | %s / %s (%d reads) | %.2f, %.2f |%n", r, ms(pct(a, 50)),
                    ms(pct(a, 99)), ms(pct(b, 50)), ms(pct(b, 99)), ms(pct(c, 50)), ms(pct(c, 99)), c.length, ms(pct(d, 50)),
                    ms(pct(d, 99)), d.length, ratio, changedRatio);
        }
        long[] fullSorted = sorted(fullAll);
        long[] floorSorted = sorted(floorAll);
        long[] changedSorted = sorted(changedAll);
        long[] changedFloorSorted = sorted(changedFloorAll);
        boolean met = pct(fullSorted, 99) < 20_000_000L && pct(changedSorted, 99) < 20_000_000L;
        md.printf(Locale.ROOT, "%nAll runs: epoch alone p50 %s ms, p99 %s ms; whole ACL at a read epoch p50 %s ms, p99 %s ms; first read after a"
                + " change p50 %s ms, p99 %s ms (target p99 under 20 ms: %s); epoch alone after a change p50 %s ms, p99 %s ms."
                + " Median ratios of p50s to their floors: %.2f and %.2f. %d client thread(s), %d s per window.%n%n",
                ms(pct(floorSorted, 50)), ms(pct(floorSorted, 99)), ms(pct(fullSorted, 50)), ms(pct(fullSorted, 99)),
                ms(pct(changedSorted, 50)), ms(pct(changedSorted, 99)), met ? "met" : "**not met**", ms(pct(changedFloorSorted, 50)),
                ms(pct(changedFloorSorted, 99)), median(ratios), median(changedRatios), integer("acl-threads"), integer("duration"));
        summary.printf(Locale.ROOT, "| GET /acl, 50 folders, epoch read before, p50 / p99 | %s / %s ms | epoch alone %s / %s ms | %.2f |%n",
                ms(pct(fullSorted, 50)), ms(pct(fullSorted, 99)), ms(pct(floorSorted, 50)), ms(pct(floorSorted, 99)), median(ratios));
        summary.printf(Locale.ROOT, "| GET /acl, 50 folders, first read after a change, p50 / p99 | %s / %s ms | epoch alone after a change"
                + " %s / %s ms | %.2f |%n", ms(pct(changedSorted, 50)), ms(pct(changedSorted, 99)), ms(pct(changedFloorSorted, 50)),
                ms(pct(changedFloorSorted, 99)), median(changedRatios));
        return met;
    }

    /**
     * For {@code duration} seconds: a change to the user's ACL (a rename, untimed), then, as the
     * SDK's ACL follower does, one timed read once the new epoch's push arrived: of the whole ACL,
     * or (the floor of that read, in the same moment after a change) of the pushed epoch alone.
     */
    private long[] timeAfterChanges(HttpClient client, boolean epochAlone) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(integer("duration"));
        URI devicesUrl = URI.create(o.get("sp-devices"));
        List<Long> times = new ArrayList<>();
        SID renamed = mFolders.get(1);
        while (System.nanoTime() < end) {
            long before = received.get(mAclTopic).get();
            // A new name every time (a rename to the same name changes nothing and moves no epoch).
            mClient.renameSharedFolder(renamed, "Renamed " + (++renames));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (received.get(mAclTopic).get() <= before) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("no acl/ push for the measured user within 10 s of a change");
                }
                Thread.onSpinWait();
            }
            long since = epochAlone ? received.get(mAclTopic).get() : 0;
            HttpRequest request = HttpRequest.newBuilder(devicesUrl.resolve("/api/v1/acl?since=" + since)).timeout(Duration.ofSeconds(10)).build();
            long start = System.nanoTime();
            HttpResponse<byte[]> r = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
            times.add(System.nanoTime() - start);
            if (r.statusCode() != 200 || epochAlone && r.body().length > 64) {
                throw new IllegalStateException("GET /acl?since=" + since + " answered " + r.statusCode() + " with " + r.body().length + " bytes");
            }
        }
        return sorted(times);
    }

    private long[] timeGets(HttpClient client, URI uri) throws Exception {
        int threads = integer("acl-threads");
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(integer("duration"));
        List<List<Long>> perThread = new ArrayList<>();
        List<Thread> running = new ArrayList<>();
        AtomicLong errors = new AtomicLong();
        for (int t = 0; t < threads; t++) {
            List<Long> mine = new ArrayList<>();
            perThread.add(mine);
            running.add(Thread.ofPlatform().start(() -> {
                HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build();
                while (System.nanoTime() < end) {
                    long start = System.nanoTime();
                    try {
                        HttpResponse<byte[]> r = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
                        if (r.statusCode() != 200) {
                            errors.incrementAndGet();
                        }
                    } catch (Exception e) {
                        errors.incrementAndGet();
                    }
                    mine.add(System.nanoTime() - start);
                }
            }));
        }
        for (Thread t : running) {
            t.join();
        }
        if (errors.get() > 0) {
            throw new IllegalStateException(errors.get() + " failed requests to " + uri);
        }
        List<Long> all = new ArrayList<>();
        perThread.forEach(all::addAll);
        return sorted(all);
    }

    // ---- commit to the last acl/ push ----

    private final Map<String, AtomicLong> received = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> receivedAt = new ConcurrentHashMap<>();
    private String mAclTopic;
    private int renames;

    /** A service connection that records the epochs arriving on the topics in {@link #received}. */
    private SsmpClient listening(String id) throws Exception {
        SsmpClient service = SsmpClient.builder("localhost", integer("ssmp-port")).sslContext(trusting(caPem))
                .login(id, "secret", o.get("secret")).reconnect(false).listener(new SsmpListener() {
                    @Override
                    public void onMulticast(String from, String topic, byte[] payload) {
                        long at = System.nanoTime();
                        AtomicLong value = received.get(topic);
                        if (value != null) {
                            long n = Long.parseLong(new String(payload, StandardCharsets.US_ASCII).strip());
                            value.accumulateAndGet(n, Math::max);
                            receivedAt.get(topic).set(at);
                        }
                    }
                }).build();
        service.connect();
        return service;
    }

    private boolean pushScenario() throws Exception {
        SsmpClient service = listening("bench-sharing");
        List<String> aclTopics = new ArrayList<>();
        List<String> floorTopics = new ArrayList<>();
        for (int i = 0; i < bigFolderMembers.size(); i++) {
            String acl = PlatformTopics.acl(bigFolderMembers.get(i));
            String floor = "svc/bench/" + i;
            aclTopics.add(acl);
            floorTopics.add(floor);
            for (String t : List.of(acl, floor)) {
                received.put(t, new AtomicLong());
                receivedAt.put(t, new AtomicLong());
                service.subscribe(t, false);
            }
        }
        int reps = integer("push-reps");
        long[] commitToLast = new long[reps];
        long[] floorToLast = new long[reps];
        List<Double> ratios = new ArrayList<>();
        boolean joined = true;
        for (int r = 0; r < reps; r++) {
            // SP: U leaves or joins the 200-member folder; each of its JOINED members gets a new epoch.
            Map<String, Long> before = new HashMap<>();
            aclTopics.forEach(t -> before.put(t, received.get(t).get()));
            // Timed from the request, not its answer: pushes may arrive before the answer does, so this
            // bounds commit-to-last-push from above by the request's own way to SP and the commit.
            long start = System.nanoTime();
            if (joined) {
                u.leaveSharedFolder(bigFolder);
            } else {
                u.joinSharedFolder(bigFolder);
            }
            joined = !joined;
            commitToLast[r] = awaitAll(aclTopics, before, start);
            // The floor: the same 200 messages published one by one through verkehr's HTTP API.
            Map<String, Long> floorBefore = new HashMap<>();
            floorTopics.forEach(t -> floorBefore.put(t, received.get(t).get()));
            long floorStart = System.nanoTime();
            for (String t : floorTopics) {
                publish(t, Long.toString(floorBefore.get(t) + 1));
            }
            floorToLast[r] = awaitAll(floorTopics, floorBefore, floorStart);
            ratios.add((double) commitToLast[r] / floorToLast[r]);
        }
        service.close();
        long[] sp = commitToLast.clone();
        Arrays.sort(sp);
        long[] fl = floorToLast.clone();
        Arrays.sort(fl);
        boolean met = pct(sp, 99) < 1_000_000_000L;
        md.printf("## A membership change in a 200-member folder: commit to the last member's `acl/` push%n%n");
        md.println("Timed from the moment the change's REST request is sent (pushes can arrive before its answer does), so the figure"
                + " is an upper bound of commit-to-last-push: it includes the request's way to SP and the change's transaction.");
        md.println();
        md.printf(Locale.ROOT, "%d changes (the changing user leaves, then joins, in turn), each moving 200 epochs; the tool holds the 200 `acl/`"
                + " topics on one SSMP connection as a service. Floor: the tool itself publishes 200 messages one by one"
                + " (`POST /v1/publish`) and waits for the last, alternating with the changes.%n%n", reps);
        md.println("| | p50 (ms) | p99 (ms) | max (ms) |");
        md.println("|---|---|---|---|");
        md.printf(Locale.ROOT, "| SP change: REST request to the last push | %s | %s | %s |%n", ms(pct(sp, 50)), ms(pct(sp, 99)), ms(sp[sp.length - 1]));
        md.printf(Locale.ROOT, "| floor: 200 publishes to the last arrival | %s | %s | %s |%n", ms(pct(fl, 50)), ms(pct(fl, 99)), ms(fl[fl.length - 1]));
        md.printf(Locale.ROOT, "%nTarget p99 under 1 s: %s. Median of per-change ratios (SP ÷ floor): %.2f.%n%n", met ? "met" : "**not met**",
                median(ratios));
        summary.printf(Locale.ROOT, "| 200-member change, commit to last push, p50 / p99 | %s / %s ms | 200 publishes %s / %s ms | %.2f |%n",
                ms(pct(sp, 50)), ms(pct(sp, 99)), ms(pct(fl, 50)), ms(pct(fl, 99)), median(ratios));
        return met;
    }

    private long awaitAll(List<String> topics, Map<String, Long> before, long start) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            boolean all = true;
            for (String t : topics) {
                if (received.get(t).get() <= before.get(t)) {
                    all = false;
                    break;
                }
            }
            if (all) {
                long last = 0;
                for (String t : topics) {
                    last = Math.max(last, receivedAt.get(t).get());
                }
                return Math.max(0, last - start);
            }
            Thread.sleep(1);
        }
        throw new IllegalStateException("not every topic got its message within 30 s");
    }

    private void publish(String topic, String payload) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(o.get("verkehr-http")).resolve("/v1/publish"))
                .header(ServiceCredential.HEADER, new ServiceCredential("bench", o.get("secret")).toHeaderValue())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"topic\":\"" + topic + "\",\"payload\":\"" + payload + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("publish answered " + r.statusCode() + ": " + r.body());
        }
    }

    private static SSLContext trusting(String caPem) throws Exception {
        X509Certificate ca = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new java.io.ByteArrayInputStream(caPem.getBytes(StandardCharsets.US_ASCII)));
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, CaTrust.trustManagers(ca), null);
        return context;
    }

    // ---- SUBSCRIBE rate ----

    private boolean subscribeScenario() throws Exception {
        List<SsmpClient> clients = new ArrayList<>();
        for (Device d : devices) {
            SsmpClient c = SsmpClient.builder("localhost", integer("ssmp-port")).sslContext(d.tls()).login(d.did().hex(), "cert", null)
                    .reconnect(false).build();
            c.connect();
            clients.add(c);
        }
        String store = mFolders.get(0).hex();
        // Warm: the first store SUBSCRIBE asks SP; the rest are answered from verkehr's cache.
        clients.get(0).subscribe(store, false);
        clients.get(0).unsubscribe(store);
        int reps = integer("reps");
        List<Double> ratios = new ArrayList<>();
        List<Double> cmdRates = new ArrayList<>();
        List<Double> storeRates = new ArrayList<>();
        md.printf("## verkehr: SUBSCRIBE to a store topic (membership cached) against SUBSCRIBE to `cmd/<did>`%n%n");
        md.printf(Locale.ROOT, "%d device connections (certificate logins) of the measured user, each SUBSCRIBE then UNSUBSCRIBE in a loop,"
                + " %d s per window.%n%n", clients.size(), integer("duration"));
        md.println("| run | `cmd/<did>` SUBSCRIBE/s | `<sid>` SUBSCRIBE/s | ratio |");
        md.println("|---|---|---|---|");
        for (int r = 1; r <= reps; r++) {
            double cmd = subscribeRate(clients, i -> "cmd/" + devices.get(i).did().hex());
            double sid = subscribeRate(clients, i -> store);
            cmdRates.add(cmd);
            storeRates.add(sid);
            ratios.add(sid / cmd);
            md.printf(Locale.ROOT, "| %d | %,.0f | %,.0f | %.2f |%n", r, cmd, sid, sid / cmd);
        }
        clients.forEach(SsmpClient::close);
        double ratio = median(ratios);
        boolean met = ratio >= 0.8;
        md.printf(Locale.ROOT, "%nMedian ratio %.2f (target at least 0.8: %s).%n%n", ratio, met ? "met" : "**not met**");
        summary.printf(Locale.ROOT, "| verkehr SUBSCRIBE `<sid>`/s (cached) | %,.0f | `cmd/<did>` %,.0f | %.2f |%n", median(storeRates),
                median(cmdRates), ratio);
        return met;
    }

    private double subscribeRate(List<SsmpClient> clients, java.util.function.IntFunction<String> topicOf) throws Exception {
        long window = TimeUnit.SECONDS.toNanos(integer("duration"));
        AtomicLong count = new AtomicLong();
        AtomicBoolean failed = new AtomicBoolean();
        CountDownLatch done = new CountDownLatch(clients.size());
        long start = System.nanoTime();
        for (int i = 0; i < clients.size(); i++) {
            SsmpClient c = clients.get(i);
            String topic = topicOf.apply(i);
            Thread.ofPlatform().start(() -> {
                try {
                    while (System.nanoTime() - start < window) {
                        c.subscribe(topic, false);
                        c.unsubscribe(topic);
                        count.incrementAndGet();
                    }
                } catch (RuntimeException e) {
                    failed.set(true);
                    e.printStackTrace();
                } finally {
                    done.countDown();
                }
            });
        }
        done.await();
        if (failed.get()) {
            throw new IllegalStateException("a SUBSCRIBE failed");
        }
        return count.get() / ((System.nanoTime() - start) / 1e9);
    }

    // ---- figures ----

    private double seconds() {
        return integer("duration");
    }

    private static List<Long> list(long[] values) {
        List<Long> out = new ArrayList<>(values.length);
        for (long v : values) {
            out.add(v);
        }
        return out;
    }

    private static long[] sorted(List<Long> values) {
        long[] out = values.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(out);
        return out;
    }

    /** The {@code p}th percentile (nearest rank) of sorted values. */
    private static long pct(long[] sortedValues, int p) {
        int rank = (int) Math.ceil(p / 100.0 * sortedValues.length);
        return sortedValues[Math.max(0, Math.min(sortedValues.length - 1, rank - 1))];
    }

    private static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.2f", nanos / 1e6);
    }

    private static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
