import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import javax.security.auth.x500.X500Principal;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import dev.aero.client.device.DeviceKeys;
import dev.aero.client.sp.DeviceCertificate;
import dev.aero.client.sp.RegisterDevice;
import dev.aero.client.sp.Session;
import dev.aero.client.sp.SignUp;
import dev.aero.client.sp.SpApiException;
import dev.aero.client.sp.SpClient;
import dev.aero.client.sp.SpTransportException;
import dev.aero.common.id.DID;

/**
 * Load tool of the sp-service benchmark (bench/sp/run.sh, docs/benchmarks.md "sp-service").
 *
 * <pre>
 * SpBench freeport
 * SpBench run --url http://127.0.0.1:PORT --sp-pid PID [options]   (see help)
 * </pre>
 *
 * {@code run} waits for SP's health, creates the users, then alternates the physical limit (computed
 * in this JVM on {@code --limit-threads} threads) with the measured scenario: limit, scenario, limit
 * (more with {@code --reps}). Each scenario's ratio is taken against the mean of the limits measured
 * right before and right after it. Needs the client module, common and Bouncy Castle on the class path.
 * Exit status: 0 ok, 1 a check failed (more than 1% errors), 2 the run broke.
 */
public final class SpBench {

    // The same defaults as SP's PasswordHasher / SpProperties.Argon2 (OWASP: 19 MiB, 2 passes, 1 lane).
    static final int ARGON2_MEMORY_KIB = 19456;
    static final int ARGON2_ITERATIONS = 2;
    static final int ARGON2_PARALLELISM = 1;
    static final String PASSWORD = "bench-Passw0rd-7d3f9a21";
    static final double MAX_ERROR_RATE = 0.01;

    public static void main(String[] args) {
        if (args.length == 0 || args[0].equals("help") || args[0].equals("--help")) {
            help();
            return;
        }
        try {
            Map<String, String> o = options(args);
            switch (args[0]) {
                case "freeport" -> System.out.println(freePort());
                case "run" -> System.exit(new SpBench(o).run());
                default -> {
                    System.err.println("unknown command " + args[0]);
                    help();
                    System.exit(2);
                }
            }
        } catch (Exception e) {
            System.err.println("SpBench: " + e);
            e.printStackTrace();
            System.exit(2);
        }
    }

    static void help() {
        System.out.println("""
                SpBench freeport                       print a free loopback TCP port
                SpBench run --url URL --sp-pid PID --setup-token-file FILE
                                                       the benchmark (FILE: where SP writes its
                                                       first-run setup token); options (defaults):
                  --concurrency 8        client threads (virtual) against SP
                  --duration 20          seconds of each measured window
                  --warmup 5             seconds of unmeasured load before each window
                  --users 200            users created first, signed in round-robin
                  --limit-threads 2      threads of the in-process physical limit
                  --limit-duration 10    seconds of each limit window (after --limit-warmup 2)
                  --reps 1               limit/scenario alternations per scenario
                  --ready-timeout 180    seconds to wait for SP's /readyz
                  --clk-tck 100          for the CPU figures from /proc
                  --quiet-wait 20        seconds to wait before each window for < 0.3 busy cores
                  --jstat PATH           jstat binary, to follow SP's GC time (jstat -gc -t PID 250)
                  --md FILE --summary FILE --json FILE   outputs (markdown sections, figure rows, JSON)
                """);
    }

    static Map<String, String> options(String[] args) {
        Map<String, String> o = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value, got " + args[i]);
            }
            o.put(args[i].substring(2), args[++i]);
        }
        return o;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        }
    }

    // ------------------------------------------------------------------------------------------
    // settings
    // ------------------------------------------------------------------------------------------

    final URI url;
    final long spPid;
    final int concurrency;
    final Duration duration;
    final Duration warmup;
    final int users;
    final int limitThreads;
    final Duration limitDuration;
    final Duration limitWarmup;
    final int reps;
    final int readyTimeout;
    final int clkTck;
    final int quietWait;
    final GcWatch spGc;
    final Path md;
    final Path summary;
    final Path json;
    final SpClient sp;
    final boolean[] failed = {false};

    /** Where SP writes its first-run setup token, which the first sign-up needs. */
    private final Path setupTokenFile;

    SpBench(Map<String, String> o) {
        url = URI.create(required(o, "url"));
        spPid = Long.parseLong(required(o, "sp-pid"));
        setupTokenFile = Path.of(required(o, "setup-token-file"));
        concurrency = Integer.parseInt(o.getOrDefault("concurrency", "8"));
        duration = Duration.ofMillis((long) (Double.parseDouble(o.getOrDefault("duration", "20")) * 1000));
        warmup = Duration.ofMillis((long) (Double.parseDouble(o.getOrDefault("warmup", "5")) * 1000));
        users = Integer.parseInt(o.getOrDefault("users", "200"));
        limitThreads = Integer.parseInt(o.getOrDefault("limit-threads", "2"));
        limitDuration = Duration.ofMillis((long) (Double.parseDouble(o.getOrDefault("limit-duration", "10")) * 1000));
        limitWarmup = Duration.ofMillis((long) (Double.parseDouble(o.getOrDefault("limit-warmup", "2")) * 1000));
        reps = Integer.parseInt(o.getOrDefault("reps", "1"));
        readyTimeout = Integer.parseInt(o.getOrDefault("ready-timeout", "180"));
        clkTck = Integer.parseInt(o.getOrDefault("clk-tck", "100"));
        quietWait = Integer.parseInt(o.getOrDefault("quiet-wait", "20"));
        spGc = o.containsKey("jstat") ? new GcWatch(o.get("jstat"), spPid) : null;
        md = o.containsKey("md") ? Path.of(o.get("md")) : null;
        summary = o.containsKey("summary") ? Path.of(o.get("summary")) : null;
        json = o.containsKey("json") ? Path.of(o.get("json")) : null;
        if (concurrency < 1 || users < concurrency || reps < 1 || limitThreads < 1 || duration.isZero()) {
            throw new IllegalArgumentException("need concurrency >= 1, users >= concurrency, reps >= 1, limit-threads >= 1, duration > 0");
        }
        // Under overload a request queues behind others for a while; 60 s is far beyond any healthy latency.
        sp = SpClient.builder(url).requestTimeout(Duration.ofSeconds(60)).build();
    }

    static String required(Map<String, String> o, String name) {
        String v = o.get(name);
        if (v == null) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return v;
    }

    static String email(int i) {
        return String.format(Locale.ROOT, "bench-user-%05d@example.com", i);
    }

    // ------------------------------------------------------------------------------------------
    // the run
    // ------------------------------------------------------------------------------------------

    int run() throws Exception {
        waitReady();
        if (spGc != null) {
            spGc.start();
        }
        StringBuilder out = new StringBuilder();

        // users ------------------------------------------------------------------------------
        log("creating %d users (%d threads)", users, concurrency);
        Phase signUps = createUsers();
        log("  %d created in %.1f s, %d errors %s", signUps.ok(), signUps.seconds(), signUps.errorCount(), signUps.errors);
        if (signUps.errorCount() > 0 || signUps.ok() != users) {
            failed[0] = true;
        }

        // sign-ins ---------------------------------------------------------------------------
        List<Phase> argon2 = new ArrayList<>();
        List<Phase> signIns = new ArrayList<>();
        for (int r = 0; r < reps; r++) {
            argon2.add(limit("raw Argon2id hashes", this::argon2Op));
            AtomicLong next = new AtomicLong();
            signIns.add(load("sign-ins", concurrency, warmup, duration, (t, q) -> {
                String email = email((int) (next.getAndIncrement() % users));
                Session s = sp.signIn(email, PASSWORD);
                if (s.token() == null || s.token().isEmpty()) {
                    throw new BadAnswer("no token");
                }
            }));
        }
        argon2.add(limit("raw Argon2id hashes", this::argon2Op));

        // registrations ----------------------------------------------------------------------
        SpClient[] tokens = new SpClient[concurrency];
        for (int i = 0; i < concurrency; i++) {
            tokens[i] = sp.withToken(sp.signIn(email(i), PASSWORD).token());
        }
        CaForLimit ca = new CaForLimit();
        List<Phase> sigs = new ArrayList<>();
        List<Phase> certs = new ArrayList<>();
        List<Phase> regs = new ArrayList<>();
        List<String> poolNotes = new ArrayList<>();
        AtomicLong deviceSeq = new AtomicLong();
        for (int r = 0; r < reps; r++) {
            sigs.add(limit("raw ECDSA P-256 signatures", ca::signOp));
            certs.add(limit("raw certificate builds", ca::certOp));
            // Warm-up with CSRs made on the spot (not measured); it also sizes the pool for the window.
            LongAdder reqNanos = new LongAdder();
            LongAdder reqCount = new LongAdder();
            Phase w = load("registration warm-up", concurrency, Duration.ZERO, warmup, (t, q) -> {
                DID did = DID.random();
                String csr = DeviceKeys.generate().certificationRequestPem(did);
                long t0 = System.nanoTime();
                register(tokens[t % tokens.length], did, csr, deviceSeq.incrementAndGet());
                reqNanos.add(System.nanoTime() - t0);
                reqCount.increment();
            });
            double estimate = reqNanos.sum() == 0 ? 50 : concurrency * reqCount.sum() / (reqNanos.sum() / 1e9);
            Duration ramp = Duration.ofSeconds(1);
            int poolSize = (int) Math.min(500_000, Math.ceil(estimate * (duration.toMillis() + ramp.toMillis()) / 1000.0 * 3) + 1000);
            long g0 = System.nanoTime();
            Csr[] pool = makeCsrs(poolSize);
            double genSeconds = (System.nanoTime() - g0) / 1e9;
            log("  %d CSRs (fresh EC P-256 keys) made in %.1f s on %d threads, before the window", poolSize, genSeconds, limitThreads);
            AtomicInteger take = new AtomicInteger();
            Phase reg = load("device registrations", concurrency, ramp, duration, (t, q) -> {
                int i = take.getAndIncrement();
                if (i >= pool.length) {
                    throw new PoolExhausted();
                }
                register(tokens[t % tokens.length], pool[i].did, pool[i].pem, deviceSeq.incrementAndGet());
            });
            w.warmupErrors.forEach((k, v) -> reg.warmupErrors.merge(k, v, Long::sum));
            w.errors.forEach((k, v) -> reg.warmupErrors.merge(k, v, Long::sum));
            reg.warmupOk.add(w.ok() + w.warmupOk.sum());
            regs.add(reg);
            poolNotes.add(String.format(Locale.ROOT, "%,d CSRs made in %.1f s before the window (warm-up estimate %.0f/s), %,d used%s",
                    poolSize, genSeconds, estimate, Math.min(take.get(), poolSize),
                    reg.exhausted ? "; **the pool ran out: the window was cut short**" : ""));
        }
        sigs.add(limit("raw ECDSA P-256 signatures", ca::signOp));
        certs.add(limit("raw certificate builds", ca::certOp));

        // checks -----------------------------------------------------------------------------
        for (Phase p : concat(signIns, regs)) {
            if (p.errorRate() > MAX_ERROR_RATE) {
                failed[0] = true;
            }
        }

        // report -----------------------------------------------------------------------------
        double signInRate = median(signIns.stream().mapToDouble(Phase::rate).toArray());
        double regRate = median(regs.stream().mapToDouble(Phase::rate).toArray());
        double[] signInRatios = ratios(signIns, argon2);
        double[] regRatios = ratios(regs, certs);
        double[] regSigRatios = ratios(regs, sigs);
        double hashRate = median(argon2.stream().mapToDouble(Phase::rate).toArray());
        double certRate = median(certs.stream().mapToDouble(Phase::rate).toArray());
        double sigRate = median(sigs.stream().mapToDouble(Phase::rate).toArray());
        Phase si = pickMedian(signIns);
        Phase rg = pickMedian(regs);

        out.append("## Figures\n\n");
        out.append(String.format(Locale.ROOT,
                "%d client threads against SP; each window %s s after %s s of warm-up; physical limits on %d threads in the load tool's JVM, "
                        + "%s s windows after %s s of warm-up, measured right before and right after each scenario window; ratios are "
                        + "against the mean of the two.%s\n\n",
                concurrency, secs(duration), secs(warmup), limitThreads, secs(limitDuration), secs(limitWarmup),
                reps > 1 ? " " + reps + " alternations; the medians are shown." : ""));
        out.append("| figure | SP | physical limit (same run) | ratio |\n|---|---|---|---|\n");
        StringBuilder rows = new StringBuilder();
        rows.append(String.format(Locale.ROOT, "| sign-ins/s (POST /sessions) | **%.1f** | %.1f raw Argon2id hashes/s (m=%d KiB, t=%d, p=%d) | **%.2f** |\n",
                signInRate, hashRate, ARGON2_MEMORY_KIB, ARGON2_ITERATIONS, ARGON2_PARALLELISM, median(signInRatios)));
        rows.append(String.format(Locale.ROOT, "| sign-in latency p50 / p99 | %.1f / %.1f ms | | |\n", si.p(0.50), si.p(0.99)));
        rows.append(String.format(Locale.ROOT, "| device registrations/s (POST /devices) | **%.1f** | %.1f raw certificate builds/s (JcaX509v3CertificateBuilder, SHA256withECDSA) | **%.3f** |\n",
                regRate, certRate, median(regRatios)));
        rows.append(String.format(Locale.ROOT, "| | | %.1f raw ECDSA P-256 signatures/s (SHA256withECDSA) | %.3f |\n", sigRate, median(regSigRatios)));
        rows.append(String.format(Locale.ROOT, "| registration latency p50 / p99 | %.1f / %.1f ms | | |\n", rg.p(0.50), rg.p(0.99)));
        rows.append(String.format(Locale.ROOT, "| errors (non-2xx or no answer) | sign-up %d/%d, sign-in %d/%d, registration %d/%d | | %s |\n",
                signUps.errorCount(), signUps.attempts(), sumErrors(signIns), sumAttempts(signIns), sumErrors(regs), sumAttempts(regs),
                failed[0] ? "**FAIL** (> 1% or a failed sign-up)" : "ok (limit 1%)"));
        out.append(rows).append('\n');

        out.append("## Windows\n\n");
        out.append("Rates count the successes completed inside the window. CPU is in cores over the window (the machine has "
                + Runtime.getRuntime().availableProcessors() + "): SP and the load tool from `/proc/<pid>/stat`; *others* is the rest of "
                + "`/proc/stat`'s busy time: MariaDB and Redis, and anything else running on the machine. *Quiet before*: whether the "
                + "machine was under 0.3 busy cores just before the window (waited for up to " + quietWait + " s). *GC pauses*: the share "
                + "of the window SP's and the load tool's JVMs spent in stop-the-world GC pauses (SP's from `jstat -gc`, sampled every "
                + "250 ms; the tool's from its GC MXBeans).\n\n");
        out.append("| window | rate/s | completed | p50 ms | p99 ms | max ms | errors (window / warm-up) | SP cores | tool cores | others cores | GC pauses SP / tool | quiet before | load avg before |\n");
        out.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        out.append(signUps.row());
        for (int r = 0; r <= reps; r++) {
            out.append(argon2.get(r).row());
            if (r < reps) {
                out.append(signIns.get(r).row());
            }
        }
        for (int r = 0; r <= reps; r++) {
            out.append(sigs.get(r).row());
            out.append(certs.get(r).row());
            if (r < reps) {
                out.append(regs.get(r).row());
            }
        }
        out.append('\n');
        out.append("Ratios per alternation: sign-ins/hashes ").append(fmtList(signInRatios, "%.2f"))
                .append("; registrations/cert builds ").append(fmtList(regRatios, "%.3f")).append(".\n\n");
        for (String n : poolNotes) {
            out.append("- registration CSR pool: ").append(n).append('\n');
        }
        Map<String, Long> allErrors = new TreeMap<>();
        for (Phase p : concat(List.of(signUps), concat(signIns, regs))) {
            p.errors.forEach((k, v) -> allErrors.merge(p.name + ": " + k, v, Long::sum));
            p.warmupErrors.forEach((k, v) -> allErrors.merge(p.name + " (warm-up): " + k, v, Long::sum));
        }
        out.append("- errors by kind: ").append(allErrors.isEmpty() ? "none" : allErrors.toString()).append('\n');
        out.append('\n');

        String jsonLine = String.format(Locale.ROOT,
                "{\"sign_ins_per_s\":%.2f,\"sign_in_p50_ms\":%.2f,\"sign_in_p99_ms\":%.2f,\"argon2_hashes_per_s\":%.2f,"
                        + "\"sign_in_ratio\":%.4f,\"registrations_per_s\":%.2f,\"registration_p50_ms\":%.2f,\"registration_p99_ms\":%.2f,"
                        + "\"cert_builds_per_s\":%.2f,\"ecdsa_signatures_per_s\":%.2f,\"registration_ratio\":%.4f,"
                        + "\"errors\":{\"sign_up\":%d,\"sign_in\":%d,\"registration\":%d},\"concurrency\":%d,\"duration_s\":%s,\"warmup_s\":%s,\"ok\":%s}",
                signInRate, si.p(0.5), si.p(0.99), hashRate, median(signInRatios), regRate, rg.p(0.5), rg.p(0.99), certRate, sigRate,
                median(regRatios), signUps.errorCount(), sumErrors(signIns), sumErrors(regs), concurrency, secs(duration), secs(warmup),
                !failed[0]);
        write(md, out.toString());
        write(summary, rows.toString());
        write(json, jsonLine + "\n");
        System.out.println();
        System.out.print(rows);
        System.out.println(jsonLine);
        return failed[0] ? 1 : 0;
    }

    void register(SpClient user, DID did, String csr, long seq) {
        DeviceCertificate c = user.registerDevice(new RegisterDevice(csr, "bench device " + seq, "Linux", "Bench OS"));
        if (c.certificate() == null || !did.equals(c.deviceId())) {
            throw new BadAnswer("certificate missing or for another device");
        }
    }

    Phase createUsers() throws InterruptedException {
        Phase p = new Phase("sign-ups (setup, not a figure)", concurrency);
        p.windowStart = System.nanoTime();
        p.sampleStart();
        // The first user creates the deployment's organization; the others join it (open sign-up).
        String setupToken;
        try {
            setupToken = java.nio.file.Files.readString(setupTokenFile).strip();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("no setup token in " + setupTokenFile, e);
        }
        timed(p, 0, () -> sp.signUp(SignUp.firstAdmin(email(0), PASSWORD, "Bench", "Admin", "Bench organization", setupToken)));
        AtomicInteger next = new AtomicInteger(1);
        runThreads(concurrency, true, t -> {
            int i;
            while ((i = next.getAndIncrement()) < users) {
                int n = i;
                timed(p, t, () -> sp.signUp(new SignUp(email(n), PASSWORD, "Bench", "User " + n)));
            }
        });
        p.windowEnd = System.nanoTime();
        p.sampleEnd();
        return p;
    }

    static void timed(Phase p, int thread, Runnable op) {
        long t0 = System.nanoTime();
        try {
            op.run();
            long t1 = System.nanoTime();
            p.record(thread, t1 - t0, t1);
        } catch (RuntimeException e) {
            p.error(kind(e), false);
        }
    }

    // ------------------------------------------------------------------------------------------
    // load phases: warm-up, then a window; the successes completed inside the window count
    // ------------------------------------------------------------------------------------------

    interface Op {
        void run(int thread, long seq) throws Exception;
    }

    Phase limit(String name, Op op) throws InterruptedException {
        return load(name + " (limit)", limitThreads, limitWarmup, limitDuration, op, false);
    }

    Phase load(String name, int threads, Duration warm, Duration window, Op op) throws InterruptedException {
        return load(name, threads, warm, window, op, true);
    }

    /**
     * {@code threads} threads call {@code op} back to back for {@code warm + window}. A success
     * completed inside the window counts for the rate and the latencies; an error counts for the
     * window or the warm-up by its completion time. Requests still running when the window ends
     * are finished and not counted.
     */
    Phase load(String name, int threads, Duration warm, Duration window, Op op, boolean virtual) throws InterruptedException {
        String quiet = waitQuiet();
        log("%s: %d %s threads, %s s warm-up + %s s window; quiet before: %s", name, threads, virtual ? "virtual" : "platform",
                secs(warm), secs(window), quiet);
        Phase p = new Phase(name, threads);
        p.quiet = quiet;
        long t0 = System.nanoTime() + warm.toNanos();
        long t1 = t0 + window.toNanos();
        p.windowStart = t0;
        p.windowEnd = t1;
        // CPU samples at the window's edges, from a thread of its own
        Thread sampler = Thread.ofPlatform().daemon().start(() -> {
            try {
                sleepUntil(t0);
                p.sampleStart();
                sleepUntil(t1);
            } catch (InterruptedException e) {
                // the window was cut short
            }
            p.sampleEnd();
        });
        runThreads(threads, virtual, t -> {
            long q = 0;
            while (!p.exhausted) {
                long a = System.nanoTime();
                if (a >= t1) {
                    break;
                }
                try {
                    op.run(t, q++);
                    long b = System.nanoTime();
                    if (b < t0) {
                        p.warmupOk.increment();
                    } else if (b <= t1) {
                        p.record(t, b - a, b);
                    }
                } catch (PoolExhausted e) {
                    synchronized (p) {
                        if (!p.exhausted) {
                            p.windowEnd = Math.min(p.windowEnd, System.nanoTime());
                            p.exhausted = true;
                            sampler.interrupt();
                        }
                    }
                } catch (Exception e) {
                    long b = System.nanoTime();
                    p.error(b <= t1 ? kind(e) : kind(e) + " (after the window)", b < t0);
                }
            }
        });
        sampler.join();
        if (p.exhausted) {
            p.trimAfter(p.windowEnd);
        }
        log("  %.1f/s, p50 %.1f ms, p99 %.1f ms, %d errors%s", p.rate(), p.p(0.5), p.p(0.99), p.errorCount() + p.warmupErrorCount(),
                p.errors.isEmpty() && p.warmupErrors.isEmpty() ? "" : " " + p.errors + " warm-up " + p.warmupErrors);
        return p;
    }

    /** Waits up to quietWait seconds for a second with under 0.3 busy cores; says whether it came. */
    String waitQuiet() throws InterruptedException {
        double busy = Double.NaN;
        for (int i = 0; i < quietWait; i++) {
            long a = machineBusy();
            Thread.sleep(1000);
            busy = (machineBusy() - a) / (double) clkTck;
            if (busy < 0.3) {
                return i == 0 ? "yes" : "yes (after " + i + " s)";
            }
        }
        return quietWait == 0 ? "not checked" : String.format(Locale.ROOT, "**no** (%.1f cores)", busy);
    }

    static void sleepUntil(long nanoTime) throws InterruptedException {
        long ms = (nanoTime - System.nanoTime()) / 1_000_000;
        if (ms > 0) {
            Thread.sleep(ms);
        }
    }

    interface ThreadBody {
        void run(int thread) throws Exception;
    }

    static void runThreads(int n, boolean virtual, ThreadBody body) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(n);
        List<Thread> threads = new ArrayList<>();
        Map<Integer, Throwable> failures = new ConcurrentHashMap<>();
        for (int i = 0; i < n; i++) {
            int t = i;
            Runnable r = () -> {
                try {
                    body.run(t);
                } catch (Throwable e) {
                    failures.put(t, e);
                } finally {
                    done.countDown();
                }
            };
            threads.add(virtual ? Thread.ofVirtual().name("load-" + t).start(r) : Thread.ofPlatform().name("limit-" + t).start(r));
        }
        done.await();
        if (!failures.isEmpty()) {
            Throwable e = failures.values().iterator().next();
            throw new IllegalStateException("a load thread failed: " + e, e);
        }
    }

    static String kind(Throwable e) {
        if (e instanceof SpApiException a) {
            return "HTTP " + a.status() + (a.type() == null ? "" : " " + a.type().replaceAll(".*/", ""));
        }
        if (e instanceof SpTransportException) {
            return "no answer (" + (e.getCause() == null ? e.getMessage() : e.getCause().getClass().getSimpleName()) + ")";
        }
        if (e instanceof BadAnswer) {
            return "bad answer: " + e.getMessage();
        }
        return e.getClass().getSimpleName();
    }

    static final class BadAnswer extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadAnswer(String m) {
            super(m);
        }
    }

    static final class PoolExhausted extends RuntimeException {
        private static final long serialVersionUID = 1L;

        PoolExhausted() {
            super(null, null, false, false);
        }
    }

    // ------------------------------------------------------------------------------------------
    // physical limits
    // ------------------------------------------------------------------------------------------

    final ThreadLocal<SecureRandom> random = ThreadLocal.withInitial(SecureRandom::new);

    /** One Argon2id hash exactly as SP's PasswordHasher computes it (new generator, 16-byte salt, 32-byte output). */
    void argon2Op(int thread, long seq) {
        byte[] salt = new byte[16];
        random.get().nextBytes(salt);
        Argon2Parameters parameters = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withMemoryAsKB(ARGON2_MEMORY_KIB)
                .withIterations(ARGON2_ITERATIONS)
                .withParallelism(ARGON2_PARALLELISM)
                .withSalt(salt)
                .build();
        Argon2BytesGenerator generator = new Argon2BytesGenerator();
        generator.init(parameters);
        byte[] out = new byte[32];
        generator.generateBytes(PASSWORD.getBytes(StandardCharsets.UTF_8), out);
    }

    /** A CA key like SP's (EC P-256, SHA256withECDSA) and device keys to certify. */
    static final class CaForLimit {
        final KeyPair caKeys = ecKeyPair();
        final X509Certificate caCert;
        final PublicKey[] deviceKeys = new PublicKey[64];
        final byte[] tbs = new byte[400];
        final ThreadLocal<Signature> signature;

        CaForLimit() throws Exception {
            X500Name name = new X500Name("CN=Bench CA");
            caCert = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(name, BigInteger.ONE,
                    new java.util.Date(), new java.util.Date(System.currentTimeMillis() + 86_400_000L), name, caKeys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate())));
            for (int i = 0; i < deviceKeys.length; i++) {
                deviceKeys[i] = ecKeyPair().getPublic();
            }
            new SecureRandom().nextBytes(tbs);
            PrivateKey key = caKeys.getPrivate();
            signature = ThreadLocal.withInitial(() -> {
                try {
                    Signature s = Signature.getInstance("SHA256withECDSA");
                    s.initSign(key);
                    return s;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
        }

        /** One raw SHA256withECDSA signature over 400 bytes (about a device certificate's TBS). */
        void signOp(int thread, long seq) throws Exception {
            Signature s = signature.get();
            s.update(tbs);
            s.sign();
        }

        /** One device certificate built like SP's CertificateAuthority.issueDeviceCertificate. */
        void certOp(int thread, long seq) throws Exception {
            PublicKey key = deviceKeys[(int) (seq % deviceKeys.length)];
            Instant now = Instant.now();
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            var builder = new JcaX509v3CertificateBuilder(caCert, BigInteger.valueOf(seq + 2 + thread * 1_000_000_000L),
                    java.util.Date.from(now.minusSeconds(300)), java.util.Date.from(now.plus(Duration.ofDays(365))),
                    new X500Principal("CN=" + DID.random().hex()), key)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth))
                    .addExtension(Extension.subjectAlternativeName, false,
                            new GeneralNames(new GeneralName(GeneralName.rfc822Name, email(thread))))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(key))
                    .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(caCert));
            new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate())));
        }

        static KeyPair ecKeyPair() {
            try {
                KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
                g.initialize(new ECGenParameterSpec("secp256r1"));
                return g.generateKeyPair();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    record Csr(DID did, String pem) {
    }

    Csr[] makeCsrs(int n) throws InterruptedException {
        Csr[] pool = new Csr[n];
        AtomicInteger next = new AtomicInteger();
        runThreads(limitThreads, false, t -> {
            int i;
            while ((i = next.getAndIncrement()) < n) {
                DID did = DID.random();
                pool[i] = new Csr(did, DeviceKeys.generate().certificationRequestPem(did));
            }
        });
        return pool;
    }

    // ------------------------------------------------------------------------------------------
    // one measured phase
    // ------------------------------------------------------------------------------------------

    final class Phase {
        final String name;
        /** One per thread: latencies (ns) and completion times of the successes inside the window. */
        final Recorder[] recorders;
        final Map<String, Long> errors = new ConcurrentHashMap<>();
        final Map<String, Long> warmupErrors = new ConcurrentHashMap<>();
        final LongAdder warmupOk = new LongAdder();
        volatile boolean exhausted;
        volatile long windowStart;
        volatile long windowEnd;
        /** CPU ticks (see cpu()) at the window's start and end, and the load average at its start. */
        volatile long[] cpuStart;
        volatile long[] cpuEnd;
        volatile String loadBefore = "?";
        String quiet = "-";
        long[] sorted;

        Phase(String name, int threads) {
            this.name = name;
            recorders = new Recorder[threads];
            for (int i = 0; i < threads; i++) {
                recorders[i] = new Recorder();
            }
        }

        void sampleStart() {
            cpuStart = cpu();
            loadBefore = loadAvg();
        }

        void sampleEnd() {
            cpuEnd = cpu();
        }

        void record(int thread, long nanos, long completedAt) {
            recorders[thread].add(nanos, completedAt);
        }

        void error(String kind, boolean inWarmup) {
            (inWarmup ? warmupErrors : errors).merge(kind, 1L, Long::sum);
        }

        /** Drops the successes completed after {@code end} (the window was cut short). */
        void trimAfter(long end) {
            for (Recorder r : recorders) {
                r.trimAfter(end);
            }
            sorted = null;
        }

        synchronized long[] sorted() {
            if (sorted == null) {
                int total = 0;
                for (Recorder r : recorders) {
                    total += r.n;
                }
                long[] all = new long[total];
                int k = 0;
                for (Recorder r : recorders) {
                    System.arraycopy(r.nanos, 0, all, k, r.n);
                    k += r.n;
                }
                Arrays.sort(all);
                sorted = all;
            }
            return sorted;
        }

        long ok() {
            return sorted().length;
        }

        long errorCount() {
            return errors.values().stream().mapToLong(Long::longValue).sum();
        }

        long warmupErrorCount() {
            return warmupErrors.values().stream().mapToLong(Long::longValue).sum();
        }

        long attempts() {
            return ok() + errorCount() + warmupOk.sum() + warmupErrorCount();
        }

        /** Errors over attempts, warm-up included. */
        double errorRate() {
            long a = attempts();
            return a == 0 ? 1 : (double) (errorCount() + warmupErrorCount()) / a;
        }

        double seconds() {
            return (windowEnd - windowStart) / 1e9;
        }

        double rate() {
            return ok() / seconds();
        }

        /** Percentile in ms (nearest rank); p(1) is the maximum. */
        double p(double q) {
            long[] s = sorted();
            if (s.length == 0) {
                return Double.NaN;
            }
            int idx = (int) Math.ceil(q * s.length) - 1;
            return s[Math.max(0, Math.min(s.length - 1, idx))] / 1e6;
        }

        String row() {
            double secs = seconds();
            String spCores = "?";
            String toolCores = "?";
            String others = "?";
            String gc = "?";
            if (cpuStart != null && cpuEnd != null) {
                String spGcShare = cpuStart[3] < 0 || cpuEnd[3] < 0 ? "?"
                        : String.format(Locale.ROOT, "%.0f%%", 100.0 * (cpuEnd[3] - cpuStart[3]) / 1000 / secs);
                gc = spGcShare + " / " + String.format(Locale.ROOT, "%.0f%%", 100.0 * (cpuEnd[4] - cpuStart[4]) / 1000 / secs);
                double spC = (cpuEnd[0] - cpuStart[0]) / (double) clkTck / secs;
                double toolC = (cpuEnd[1] - cpuStart[1]) / (double) clkTck / secs;
                double machineC = (cpuEnd[2] - cpuStart[2]) / (double) clkTck / secs;
                spCores = cpuStart[0] < 0 || cpuEnd[0] < 0 ? "?" : fmt(spC);
                toolCores = fmt(toolC);
                others = fmt(Math.max(0, machineC - toolC - (cpuStart[0] < 0 ? 0 : spC)));
            }
            return String.format(Locale.ROOT, "| %s | %.1f | %,d in %.1f s | %.1f | %.1f | %.1f | %d / %d | %s | %s | %s | %s | %s | %s |\n",
                    name, rate(), ok(), secs, p(0.5), p(0.99), p(1.0), errorCount(), warmupErrorCount(), spCores, toolCores, others,
                    gc, quiet, loadBefore);
        }
    }

    /** Written by one thread, read after it has been joined. */
    static final class Recorder {
        long[] nanos = new long[1024];
        long[] at = new long[1024];
        int n;

        void add(long latency, long completedAt) {
            if (n == nanos.length) {
                nanos = Arrays.copyOf(nanos, n * 2);
                at = Arrays.copyOf(at, n * 2);
            }
            nanos[n] = latency;
            at[n] = completedAt;
            n++;
        }

        void trimAfter(long end) {
            int k = 0;
            for (int i = 0; i < n; i++) {
                if (at[i] <= end) {
                    nanos[k] = nanos[i];
                    at[k] = at[i];
                    k++;
                }
            }
            n = k;
        }
    }

    /** {SP utime+stime, own utime+stime, machine busy} in clock ticks, then {SP GC ms, own GC ms}; -1 when unknown. */
    long[] cpu() {
        long ownGc = 0;
        for (var gc : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
            ownGc += Math.max(0, gc.getCollectionTime());
        }
        return new long[] {procTicks(spPid), procTicks(ProcessHandle.current().pid()), machineBusy(),
            spGc == null ? -1 : spGc.gcMillis(), ownGc};
    }

    /** Follows a JVM's total GC pause time (jstat's GCT column), sampled every 250 ms. */
    static final class GcWatch {
        final String jstat;
        final long pid;
        volatile long gcMillis = -1;

        GcWatch(String jstat, long pid) {
            this.jstat = jstat;
            this.pid = pid;
        }

        void start() {
            Thread.ofPlatform().daemon().name("jstat").start(() -> {
                try {
                    Process p = new ProcessBuilder(jstat, "-gc", Long.toString(pid), "250").redirectErrorStream(true).start();
                    Runtime.getRuntime().addShutdownHook(new Thread(p::destroy));
                    try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                        int column = -1;
                        String line;
                        while ((line = in.readLine()) != null) {
                            String[] f = line.trim().split("\\s+");
                            if (f.length > 0 && f[0].equals("S0C")) {
                                column = Arrays.asList(f).indexOf("GCT");
                            } else if (column >= 0 && f.length > column) {
                                try {
                                    gcMillis = Math.round(Double.parseDouble(f[column]) * 1000);
                                } catch (NumberFormatException e) {
                                    // a repeated header or a message
                                }
                            }
                        }
                    } finally {
                        p.destroy();
                    }
                } catch (IOException e) {
                    log("jstat not usable: %s", e);
                }
            });
            // let the first sample arrive
            for (int i = 0; i < 40 && gcMillis < 0; i++) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }

        long gcMillis() {
            return gcMillis;
        }
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

    static long machineBusy() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long busy = 0;
            for (int i = 1; i < f.length && i <= 8; i++) {
                if (i != 4 && i != 5) { // idle, iowait
                    busy += Long.parseLong(f[i]);
                }
            }
            return busy;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    static String loadAvg() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }

    // ------------------------------------------------------------------------------------------
    // helpers
    // ------------------------------------------------------------------------------------------

    void waitReady() throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        URI health = url.resolve("/readyz");
        long deadline = System.nanoTime() + readyTimeout * 1_000_000_000L;
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (ProcessHandle.of(spPid).map(ph -> !ph.isAlive()).orElse(true)) {
                throw new IllegalStateException("SP (pid " + spPid + ") exited before it was ready");
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString());
                last = r.statusCode() + " " + r.body();
                if (r.statusCode() == 200 && r.body().contains("\"UP\"")) {
                    log("SP ready: %s", health);
                    return;
                }
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("SP not ready after " + readyTimeout + " s: " + last);
    }

    static double[] ratios(List<Phase> measured, List<Phase> limits) {
        double[] r = new double[measured.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = measured.get(i).rate() / ((limits.get(i).rate() + limits.get(i + 1).rate()) / 2);
        }
        return r;
    }

    Phase pickMedian(List<Phase> phases) {
        List<Phase> s = new ArrayList<>(phases);
        s.sort((a, b) -> Double.compare(a.rate(), b.rate()));
        return s.get((s.size() - 1) / 2);
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    static long sumErrors(List<Phase> ps) {
        return ps.stream().mapToLong(p -> p.errorCount() + p.warmupErrorCount()).sum();
    }

    static long sumAttempts(List<Phase> ps) {
        return ps.stream().mapToLong(Phase::attempts).sum();
    }

    static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> r = new ArrayList<>(a);
        r.addAll(b);
        return r;
    }

    static String fmtList(double[] v, String f) {
        StringBuilder b = new StringBuilder();
        for (double d : v) {
            b.append(b.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, f, d));
        }
        return b.toString();
    }

    static String fmt(double d) {
        return String.format(Locale.ROOT, "%.2f", d);
    }

    static String secs(Duration d) {
        double s = d.toMillis() / 1000.0;
        return s == Math.rint(s) ? Long.toString((long) s) : Double.toString(s);
    }

    static void write(Path p, String text) throws IOException {
        if (p != null) {
            Files.writeString(p, text, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
    }

    static void log(String f, Object... a) {
        System.err.printf(Locale.ROOT, "[%s] %s%n", Instant.now().toString().substring(11, 19), String.format(Locale.ROOT, f, a));
    }
}
