import java.io.IOException;
import dev.aero.common.ssmp.SsmpSyntax;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.net.ssl.SSLContext;

import dev.aero.client.device.DeviceKeys;
import dev.aero.client.sp.DeviceCertificate;
import dev.aero.client.sp.RegisterDevice;
import dev.aero.client.sp.SignUp;
import dev.aero.client.sp.SpApiException;
import dev.aero.client.sp.SpClient;
import dev.aero.client.ssmp.SsmpClient;
import dev.aero.client.ssmp.SsmpListener;
import dev.aero.common.auth.ServiceCredential;
import dev.aero.common.command.Command;
import dev.aero.common.command.CommandCodec;
import dev.aero.common.command.CommandType;
import dev.aero.common.id.DID;

/**
 * Enqueue-to-device-receipt latency of command-server (bench/commands/run.sh, docs/benchmarks.md
 * "command-server"), through the real services of a running platform instance.
 *
 * <p>Setup, with the client SDK: sign up a user (the first one of a fresh deployment), register
 * {@code --devices} devices with SP, connect each to verkehr over TLS with its certificate
 * ({@code LOGIN <did> cert}) and subscribe it to {@code cmd/<did>}.
 *
 * <p>First each path runs unmeasured for {@code --prime} seconds at each of a quarter, a half and
 * all of the rate, so that the services' JIT has compiled what the phases run without a fresh
 * JVM being buried under the full rate at once. Then the phases, by default in this order: {@code
 * direct-1}, {@code commands-1}, {@code direct-2}. Each sends
 * {@code --rate} messages/s in all, round-robin over the devices, for {@code --warmup} + {@code
 * --duration} seconds; only the last {@code --duration} seconds count. The schedule is open
 * loop: message i is due at t0 + i/rate and is handed at that time to a pool of {@code
 * --senders} threads (one request in flight each, like a service's bounded connection pool), so
 * one slow request does not hold up the ones after it. Its latency runs from that due time to
 * the device's receipt: a stall anywhere, a message waiting for a free sender included, counts
 * against the figures rather than delaying the schedule.
 * <ul>
 * <li>{@code commands}: {@code POST /v1/devices/{did}/commands {"type":"REFRESH_CRL"}} to
 * command-server's service API. The same command each time, so each device's queue holds one
 * command that moves to the tail under a new epoch on every enqueue, and command-server pushes
 * it with that epoch. Receipts are matched to sends by (device, epoch): the epoch of the
 * enqueue's answer, and the epoch of the decoded push payload.</li>
 * <li>{@code direct}, the physical limit: the same devices and schedule, publishing the same
 * kind of payload (base64 of a {@code Command} REFRESH_CRL, the epoch set by this tool) straight
 * to verkehr's {@code POST /v1/publish} on {@code cmd/<did>}. That is the last hop of the
 * commands path alone.</li>
 * </ul>
 * A message not received within {@code --lost-after} seconds of its due time is lost; lost
 * messages count as infinitely late in the percentiles. Before each phase the tool waits up to
 * {@code --quiet-wait} seconds for the machine to be quiet (under 0.3 cores busy), and reports
 * the CPU used in the window by verkehr, command-server, Redis, this tool and everything else, and
 * how many pushes command-server made to verkehr and how many failed (its Prometheus counters).
 *
 * <pre>
 * LatencyBench --sp URL --commands URL --verkehr-http URL --ssmp-port PORT --secret-file FILE [options]
 * </pre>
 * Prints one {@code phase ...} line per phase and one {@code latency ...} summary line on
 * stdout, as {@code key=value} words; progress goes to stderr. Exit status: 0 done, 2 the run broke.
 */
public final class LatencyBench {

    static final String PASSWORD = "bench-Passw0rd-5c1e07b3";
    static final double QUIET_CORES = 0.3;
    static final Pattern EPOCH = Pattern.compile("\"epoch\"\\s*:\\s*(\\d+)");
    static final long DIRECT_EPOCH_BASE = 1_000_000_000_000L;

    enum Kind { DIRECT, COMMANDS }

    record Phase(String name, Kind kind, int number) { }

    final Map<String, String> o;
    final int devices;
    final int rate;
    final int duration;
    final int warmup;
    final double lostAfter;
    final int quietWait;
    final int prime;
    final int clockTicks;
    final int senderThreads;
    /** Sends the messages that are due; a message waits here when every sender is busy, and that wait counts. */
    final java.util.concurrent.ExecutorService senders;
    final String secret;
    final HttpTarget commandsTarget;
    final HttpTarget verkehrTarget;
    final HttpTarget metricsTarget;
    final Map<String, Long> pids = new LinkedHashMap<>();

    final List<DID> dids = new ArrayList<>();
    final List<SsmpClient> clients = new ArrayList<>();
    /** Per device: epoch → receipt time (System.nanoTime), first receipt only. */
    final List<ConcurrentHashMap<Long, Long>> receipts = new ArrayList<>();
    final AtomicLong disconnects = new AtomicLong();
    final AtomicLong undecodable = new AtomicLong();
    /** The first failure of a request in the current phase, for the report. */
    final java.util.concurrent.atomic.AtomicReference<String> firstFailure = new java.util.concurrent.atomic.AtomicReference<>();
    volatile boolean closing;

    LatencyBench(Map<String, String> o) throws IOException {
        this.o = o;
        this.devices = Integer.parseInt(o.getOrDefault("devices", "10"));
        this.rate = Integer.parseInt(o.getOrDefault("rate", "1000"));
        this.duration = Integer.parseInt(o.getOrDefault("duration", "20"));
        this.warmup = Integer.parseInt(o.getOrDefault("warmup", "5"));
        this.lostAfter = Double.parseDouble(o.getOrDefault("lost-after", "5"));
        this.quietWait = Integer.parseInt(o.getOrDefault("quiet-wait", "20"));
        this.prime = Integer.parseInt(o.getOrDefault("prime", "10"));
        this.clockTicks = Integer.parseInt(o.getOrDefault("clock-ticks", "100"));
        this.senderThreads = Integer.parseInt(o.getOrDefault("senders", "32"));
        this.senders = java.util.concurrent.Executors.newFixedThreadPool(senderThreads, Thread.ofPlatform().daemon().name("sender-", 0).factory());
        this.secret = readSecret(Path.of(required("secret-file")));
        String authorization = new ServiceCredential("bench", secret).toHeaderValue();
        this.commandsTarget = new HttpTarget(URI.create(required("commands")), authorization);
        this.verkehrTarget = new HttpTarget(URI.create(required("verkehr-http")), authorization);
        this.metricsTarget = new HttpTarget(URI.create(required("commands-management")), authorization);
        String list = o.getOrDefault("pids", "");
        for (String entry : list.split(",")) {
            if (!entry.isBlank()) {
                String[] kv = entry.split("=", 2);
                pids.put(kv[0], Long.parseLong(kv[1]));
            }
        }
        if (devices < 1 || rate < 1 || duration < 1 || warmup < 0) {
            throw new IllegalArgumentException("devices, rate and duration must be positive, warmup not negative");
        }
    }

    public static void main(String[] args) {
        if (args.length == 0 || args[0].equals("help") || args[0].equals("--help")) {
            help();
            return;
        }
        LatencyBench bench = null;
        int status;
        try {
            bench = new LatencyBench(options(args));
            status = bench.run();
        } catch (Exception e) {
            System.err.println("LatencyBench: " + e);
            e.printStackTrace();
            status = 2;
        } finally {
            if (bench != null) {
                bench.closeDevices();
            }
        }
        System.exit(status);
    }

    static void help() {
        System.out.println("""
                LatencyBench --sp URL --commands URL --verkehr-http URL --ssmp-port PORT --secret-file FILE
                  --setup-token TOKEN     the fresh instance's first-run setup token (./aero setup-token)
                  --commands-management URL  command-server's management port (its Prometheus metrics)
                  --ssmp-host localhost   verkehr's SSMP host (must match its certificate)
                  --devices 10            devices registered, connected and sent to round-robin
                  --rate 1000             messages/s in all, in every phase
                  --duration 20           measured seconds of each phase
                  --warmup 5              unmeasured seconds before each phase's window
                  --lost-after 5          seconds after which a message counts as lost
                  --phases direct,commands,direct   the phases, in order
                  --prime 10              unmeasured seconds of each path at 1/4, 1/2 and all of the rate first (0: none)
                  --senders 32            sender threads: requests in flight at most (the rest wait, late)
                  --quiet-wait 20         seconds to wait at most for a quiet machine before a phase
                  --pids name=pid,...     processes whose CPU is reported (verkehr, commands, redis)
                  --clock-ticks 100       getconf CLK_TCK
                  --email ADDRESS         the user to sign up, or sign in if it exists (bench@bench.aero.local)
                """);
    }

    int run() throws Exception {
        setup();
        preflight();
        // Fresh JVMs run interpreted and compiling at first, and a service that falls far behind
        // then may not catch up (see docs/benchmarks.md). So each path first runs unmeasured, at a
        // quarter, a half and all of the rate.
        if (prime > 0) {
            int step = 0;
            for (Kind kind : List.of(Kind.COMMANDS, Kind.DIRECT)) {
                for (int r : new int[] {Math.max(1, rate / 4), Math.max(1, rate / 2), rate}) {
                    Phase p = new Phase("prime-" + kind.name().toLowerCase(Locale.ROOT) + "-" + r, kind, 900 + step++);
                    log("%s (not counted): %s", p.name(), runPhase(p, r, 0, prime, false).line());
                }
            }
        }
        List<Phase> phases = new ArrayList<>();
        Map<Kind, Integer> seen = new LinkedHashMap<>();
        for (String k : o.getOrDefault("phases", "direct,commands,direct").split(",")) {
            Kind kind = Kind.valueOf(k.trim().toUpperCase(Locale.ROOT));
            int n = seen.merge(kind, 1, Integer::sum);
            phases.add(new Phase(kind.name().toLowerCase(Locale.ROOT) + "-" + n, kind, n));
        }
        List<Result> direct = new ArrayList<>();
        List<Result> commands = new ArrayList<>();
        for (Phase phase : phases) {
            Result r = runPhase(phase);
            (phase.kind() == Kind.DIRECT ? direct : commands).add(r);
            System.out.println(r.line());
            System.out.flush();
        }
        // The figures: the commands phase (the mean of the percentiles if there are several) against
        // the physical limit, the mean of the direct phases' percentiles (before and after).
        double cP50 = mean(commands, Result::p50);
        double cP99 = mean(commands, Result::p99);
        double dP50 = mean(direct, Result::p50);
        double dP99 = mean(direct, Result::p99);
        System.out.printf(Locale.ROOT, "latency rate=%d devices=%d duration=%d warmup=%d lost_after_s=%s"
                        + " commands_p50_ms=%s commands_p99_ms=%s commands_max_ms=%s commands_sent=%d commands_received=%d commands_lost=%d commands_errors=%d"
                        + " direct_p50_ms=%s direct_p99_ms=%s direct_sent=%d direct_received=%d direct_lost=%d direct_errors=%d"
                        + " added_p50_ms=%s added_p99_ms=%s disconnects=%d undecodable=%d%n",
                rate, devices, duration, warmup, fmt(lostAfter),
                ms(cP50), ms(cP99), ms(max(commands)), sum(commands, Result::sent), sum(commands, Result::received),
                sum(commands, Result::lost), sum(commands, Result::errors),
                ms(dP50), ms(dP99), sum(direct, Result::sent), sum(direct, Result::received), sum(direct, Result::lost),
                sum(direct, Result::errors), ms(cP50 - dP50), ms(cP99 - dP99), disconnects.get(), undecodable.get());
        return 0;
    }

    // --- setup

    void setup() throws Exception {
        SpClient sp = SpClient.builder(URI.create(required("sp"))).build();
        String email = o.getOrDefault("email", "bench@bench.aero.local");
        long t = System.nanoTime();
        try {
            sp.signUp(SignUp.firstAdmin(email, PASSWORD, "Bench", "Admin", "Bench organization", o.get("setup-token")));
        } catch (SpApiException e) {
            // An instance that was not wiped: the user from an earlier run signs in below.
            log("sign-up of %s refused (%s); signing in", email, e.getMessage());
        }
        SpClient user = sp.withToken(sp.signIn(email, PASSWORD).token());
        log("signed up and signed in %s in %.1f s", email, secs(System.nanoTime() - t));
        String host = o.getOrDefault("ssmp-host", "localhost");
        int port = Integer.parseInt(required("ssmp-port"));
        t = System.nanoTime();
        for (int i = 0; i < devices; i++) {
            DID did = DID.random();
            DeviceKeys keys = DeviceKeys.generate();
            DeviceCertificate issued = user.registerDevice(new RegisterDevice(keys.certificationRequestPem(did),
                    "bench device " + i, "Linux", "Bench OS", did));
            SSLContext tls = keys.sslContext(issued.certificate(), issued.caCertificate());
            ConcurrentHashMap<Long, Long> mine = new ConcurrentHashMap<>();
            String topic = "cmd/" + did.hex();
            SsmpClient client = SsmpClient.builder(host, port).sslContext(tls)
                    .login(did.hex(), SsmpSyntax.SCHEME_CERT, null)
                    .listener(new Receiver(topic, mine))
                    .build();
            dids.add(did);
            receipts.add(mine);
            clients.add(client);
            client.connect();
            client.subscribe(topic, false);
        }
        log("registered %d devices, connected them to verkehr over TLS and subscribed each to cmd/<did> in %.1f s",
                devices, secs(System.nanoTime() - t));
    }

    /** Records the receipt time of each push, by the epoch in its payload. */
    final class Receiver implements SsmpListener {
        final String topic;
        final ConcurrentHashMap<Long, Long> mine;

        Receiver(String topic, ConcurrentHashMap<Long, Long> mine) {
            this.topic = topic;
            this.mine = mine;
        }

        @Override
        public void onMulticast(String from, String topic, byte[] payload) {
            long now = System.nanoTime();
            if (!this.topic.equals(topic)) {
                return;
            }
            try {
                Command c = CommandCodec.fromPushPayload(new String(payload, StandardCharsets.US_ASCII));
                mine.putIfAbsent(c.getEpoch(), now);
            } catch (RuntimeException e) {
                undecodable.incrementAndGet();
            }
        }

        @Override
        public void onDisconnected(Throwable cause, boolean reconnecting) {
            if (closing) {
                return;
            }
            disconnects.incrementAndGet();
            log("device %s disconnected (%s), reconnecting: %s", topic, cause, reconnecting);
        }
    }

    /** One message through each path, end to end, before anything is measured. */
    void preflight() throws Exception {
        for (Kind kind : Kind.values()) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (true) {
                Sent s = send(kind, 0, DIRECT_EPOCH_BASE * 999);
                if (s.epoch() >= 0) {
                    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                    while (System.nanoTime() < until && !receipts.get(0).containsKey(s.epoch())) {
                        Thread.sleep(10);
                    }
                    if (receipts.get(0).containsKey(s.epoch())) {
                        break;
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("no " + kind + " message reached device 0 in 30 s (last answer: " + s.status() + ")");
                }
                Thread.sleep(500);
            }
        }
        log("preflight: a command and a direct publish each reached device 0");
    }

    // --- a phase

    record Sent(long epoch, int status) { }

    record Result(Phase phase, int sent, int received, int lost, int errors, double p50, double p99, double max,
            double httpP50, double httpP99, double lagMax, boolean quiet, Map<String, Double> cpu, long disconnects,
            String errorSample, long pushesOk, long pushesFailed) {

        boolean disturbed() {
            return cpu.getOrDefault("other", 0.0) > QUIET_CORES;
        }

        String line() {
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                    "phase name=%s sent=%d received=%d lost=%d errors=%d p50_ms=%s p99_ms=%s max_ms=%s http_p50_ms=%s http_p99_ms=%s"
                            + " schedule_lag_max_ms=%s quiet=%s disturbed=%s disconnects=%d pushes_ok=%d pushes_failed=%d",
                    phase.name(), sent, received, lost, errors, ms(p50), ms(p99), ms(max), ms(httpP50), ms(httpP99), ms(lagMax),
                    quiet ? "yes" : "no", disturbed() ? "yes" : "no", disconnects, pushesOk, pushesFailed));
            cpu.forEach((k, v) -> sb.append(" cpu_").append(k).append('=').append(fmt(v)));
            if (errorSample != null) {
                sb.append(" errors_by_status=").append(errorSample);
            }
            return sb.toString();
        }
    }

    Result runPhase(Phase phase) throws Exception {
        return runPhase(phase, rate, warmup, duration, true);
    }

    Result runPhase(Phase phase, int rate, int warmup, int duration, boolean waitForQuiet) throws Exception {
        boolean quiet = !waitForQuiet || waitQuiet();
        long[] pushesBefore = pushCounters();
        int total = (warmup + duration) * rate;
        int measuredFrom = warmup * rate;
        long[] due = new long[total];
        long[] epochs = new long[total];
        long[] answered = new long[total];
        int[] status = new int[total];
        long epochBase = DIRECT_EPOCH_BASE * phase.number();
        CountDownLatch done = new CountDownLatch(total);
        long disconnectsBefore = disconnects.get();
        firstFailure.set(null);
        log("%s: %d/s for %d s (%d s warm-up) over %d devices", phase.name(), rate, warmup + duration, warmup, devices);
        double lagMax = 0;
        CpuSample start = null;
        long t0 = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
        for (int i = 0; i < total; i++) {
            long at = t0 + Math.round(i * 1e9 / rate);
            due[i] = at;
            long wait;
            while ((wait = at - System.nanoTime()) > 0) {
                LockSupport.parkNanos(wait);
            }
            if (i == measuredFrom) {
                start = CpuSample.take(pids);
            }
            if (i >= measuredFrom) {
                lagMax = Math.max(lagMax, System.nanoTime() - at);
            }
            int slot = i;
            senders.execute(() -> {
                try {
                    Sent s = send(phase.kind(), slot % devices, epochBase + slot);
                    epochs[slot] = s.epoch();
                    status[slot] = s.status();
                } catch (Throwable e) {
                    epochs[slot] = -1;
                    status[slot] = -2;
                } finally {
                    answered[slot] = System.nanoTime();
                    done.countDown();
                }
            });
        }
        long windowEnd = due[total - 1];
        CpuSample end = CpuSample.take(pids);
        if (start == null) {
            start = end;
        }
        // A service that fell behind has a backlog to work off; each request has its own 10 s timeout.
        if (!done.await(120, TimeUnit.SECONDS)) {
            throw new IllegalStateException(phase.name() + ": " + done.getCount() + " requests still unanswered 120 s after the schedule ended");
        }
        long lostAfterNanos = Math.round(lostAfter * 1e9);
        long wait;
        while ((wait = windowEnd + lostAfterNanos + TimeUnit.MILLISECONDS.toNanos(200) - System.nanoTime()) > 0) {
            Thread.sleep(TimeUnit.NANOSECONDS.toMillis(wait) + 1);
        }
        int sent = total - measuredFrom;
        long[] latency = new long[sent];
        long[] httpLatency = new long[sent];
        int received = 0;
        int errors = 0;
        Map<Integer, Integer> errorCodes = new TreeMap<>();
        for (int i = measuredFrom; i < total; i++) {
            int k = i - measuredFrom;
            httpLatency[k] = answered[i] - due[i];
            long lat = Long.MAX_VALUE;
            if (status[i] != 200) {
                errors++;
                errorCodes.merge(status[i], 1, Integer::sum);
            }
            if (epochs[i] >= 0) {
                Long at = receipts.get(i % devices).get(epochs[i]);
                if (at != null && at - due[i] <= lostAfterNanos) {
                    lat = at - due[i];
                    received++;
                }
            }
            latency[k] = lat;
        }
        Arrays.sort(latency);
        Arrays.sort(httpLatency);
        Map<String, Double> cpu = end.coresSince(start, clockTicks);
        long[] pushesAfter = pushCounters();
        String errorSample = errorCodes.isEmpty() ? null : errorCodes.entrySet().stream()
                .map(e -> e.getKey() + ":" + e.getValue()).collect(java.util.stream.Collectors.joining(","));
        if (firstFailure.get() != null) {
            log("%s: first failed request: %s", phase.name(), firstFailure.get());
        }
        return new Result(phase, sent, received, sent - received, errors, nanosToMs(percentile(latency, 0.50)),
                nanosToMs(percentile(latency, 0.99)), nanosToMs(latency[latency.length - 1]),
                nanosToMs(percentile(httpLatency, 0.50)), nanosToMs(percentile(httpLatency, 0.99)), nanosToMs((long) lagMax),
                quiet, cpu, disconnects.get() - disconnectsBefore, errorSample, pushesAfter[0] - pushesBefore[0],
                pushesAfter[1] - pushesBefore[1]);
    }

    /** Sends one message to device {@code device}; its epoch (-1 if none) and the HTTP status (-1 for no answer). */
    Sent send(Kind kind, int device, long directEpoch) {
        DID did = dids.get(device);
        HttpTarget target;
        String path;
        String body;
        if (kind == Kind.COMMANDS) {
            target = commandsTarget;
            path = "/v1/devices/" + did.hex() + "/commands";
            body = "{\"type\":\"REFRESH_CRL\"}";
        } else {
            target = verkehrTarget;
            path = "/v1/publish";
            String payload = CommandCodec.toPushPayload(Command.newBuilder().setEpoch(directEpoch).setType(CommandType.REFRESH_CRL).build());
            body = "{\"topic\":\"cmd/" + did.hex() + "\",\"payload\":\"" + payload + "\"}";
        }
        HttpAnswer answer;
        try {
            answer = target.post(path, body);
        } catch (IOException e) {
            firstFailure.compareAndSet(null, e.toString());
            return new Sent(-1, -1);
        }
        if (answer.status() != 200) {
            return new Sent(-1, answer.status());
        }
        if (kind == Kind.DIRECT) {
            return new Sent(directEpoch, 200);
        }
        Matcher m = EPOCH.matcher(answer.body());
        return m.find() ? new Sent(Long.parseLong(m.group(1)), 200) : new Sent(-1, -3);
    }

    // --- HTTP/1.1 with keep-alive, one connection per sender thread and server

    record HttpAnswer(int status, String body) { }

    /**
     * A minimal HTTP/1.1 client: each sender thread keeps one connection to the server and sends
     * its requests on it one at a time. It costs this tool a small fraction of what
     * java.net.http does per request, which on 2 cores is CPU left to the services measured.
     */
    static final class HttpTarget {
        final String host;
        final int port;
        final String headers;
        final ThreadLocal<Connection> connections = new ThreadLocal<>();

        HttpTarget(URI base, String authorization) {
            this.host = base.getHost();
            this.port = base.getPort();
            this.headers = "Host: " + host + ":" + port + "\r\nAuthorization: " + authorization
                    + "\r\nContent-Type: application/json\r\n";
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
            boolean reused = c != null;
            if (c == null) {
                c = open();
            }
            try {
                return c.exchange(head, content, this);
            } catch (StaleConnectionException e) {
                // The server closed a kept-alive connection before reading this request (idle
                // timeout): nothing was processed, so the request goes again on a new one.
                c.close();
                connections.remove();
                if (!reused) {
                    throw e;
                }
                return open().exchange(head, content, this);
            } catch (IOException | RuntimeException e) {
                c.close();
                connections.remove();
                throw e;
            }
        }

        Connection open() throws IOException {
            java.net.Socket socket = new java.net.Socket();
            socket.setTcpNoDelay(true);
            socket.connect(new java.net.InetSocketAddress(host, port), 2000);
            socket.setSoTimeout(10_000);
            Connection c = new Connection(socket);
            connections.set(c);
            return c;
        }
    }

    static final class StaleConnectionException extends IOException {
        StaleConnectionException(String message) {
            super(message);
        }
    }

    static final class Connection {
        final java.net.Socket socket;
        final java.io.BufferedInputStream in;
        final java.io.OutputStream out;

        Connection(java.net.Socket socket) throws IOException {
            this.socket = socket;
            this.in = new java.io.BufferedInputStream(socket.getInputStream(), 8192);
            this.out = socket.getOutputStream();
        }

        HttpAnswer exchange(byte[] head, byte[] content, HttpTarget target) throws IOException {
            byte[] request = new byte[head.length + content.length];
            System.arraycopy(head, 0, request, 0, head.length);
            System.arraycopy(content, 0, request, head.length, content.length);
            try {
                out.write(request);
                out.flush();
            } catch (java.net.SocketException e) {
                throw new StaleConnectionException("write failed: " + e.getMessage());
            }
            String status = line();
            if (status == null) {
                throw new StaleConnectionException("closed before the status line");
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
                switch (name) {
                    case "content-length" -> length = Long.parseLong(value);
                    case "transfer-encoding" -> chunked = value.contains("chunked");
                    case "connection" -> close = value.contains("close");
                    default -> { }
                }
            }
            java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
            if (chunked) {
                for (long size; (size = Long.parseLong(stripExtensions(line()), 16)) > 0; ) {
                    body.write(in.readNBytes((int) size));
                    line();
                }
                for (String t; (t = line()) != null && !t.isEmpty(); ) {
                    // trailers
                }
            } else if (length >= 0) {
                body.write(in.readNBytes((int) length));
            } else if (code != 204 && code != 304) {
                body.write(in.readAllBytes());
                close = true;
            }
            if (close) {
                close();
                target.connections.remove();
            }
            return new HttpAnswer(code, body.toString(StandardCharsets.UTF_8));
        }

        static String stripExtensions(String chunkLine) throws IOException {
            if (chunkLine == null) {
                throw new java.io.EOFException("closed inside a chunked body");
            }
            int semi = chunkLine.indexOf(';');
            return (semi < 0 ? chunkLine : chunkLine.substring(0, semi)).trim();
        }

        /** One CRLF-terminated line without its end, or null at the end of the stream. */
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

    /**
     * command-server's push counters ({@code aero_commands_pushes_total{result="ok"|"failed"}}) from
     * its Prometheus endpoint: whether its pushes to verkehr kept up. -1 each if unreadable.
     */
    long[] pushCounters() {
        long[] counts = {-1, -1};
        try {
            HttpAnswer a = metricsTarget.get("/actuator/prometheus");
            if (a.status() != 200) {
                return counts;
            }
            counts = new long[] {0, 0};
            for (String line : a.body().split("\n")) {
                if (line.startsWith("aero_commands_pushes_total{")) {
                    long v = (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                    if (line.contains("result=\"ok\"")) {
                        counts[0] += v;
                    } else if (line.contains("result=\"failed\"")) {
                        counts[1] += v;
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            log("cannot read command-server's push counters: %s", e);
        }
        return counts;
    }

    /** Waits up to --quiet-wait s for a second with under 0.3 cores busy; whether it came. */
    boolean waitQuiet() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(quietWait);
        double busy = Double.NaN;
        do {
            CpuSample a = CpuSample.take(Map.of());
            Thread.sleep(1000);
            busy = CpuSample.take(Map.of()).coresSince(a, clockTicks).get("machine");
            if (busy < QUIET_CORES) {
                return true;
            }
        } while (System.nanoTime() < deadline);
        log("the machine was not quiet (%.2f cores busy in the last second); going on", busy);
        return false;
    }

    void closeDevices() {
        closing = true;
        for (SsmpClient c : clients) {
            c.close();
        }
    }

    // --- CPU from /proc

    /** Ticks of the machine (/proc/stat: busy and total) and of each named process (utime + stime). */
    record CpuSample(long nanos, long machineBusy, long machineTotal, Map<String, Long> processes) {

        static CpuSample take(Map<String, Long> pids) {
            long busy = 0;
            long total = 0;
            try {
                String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
                for (int i = 1; i < Math.min(f.length, 9); i++) {
                    long v = Long.parseLong(f[i]);
                    total += v;
                    if (i != 4 && i != 5) { // idle, iowait
                        busy += v;
                    }
                }
            } catch (IOException | RuntimeException e) {
                // No /proc: the CPU columns stay zero.
            }
            Map<String, Long> ticks = new LinkedHashMap<>();
            pids.forEach((name, pid) -> ticks.put(name, processTicks("/proc/" + pid + "/stat")));
            ticks.put("bench", processTicks("/proc/self/stat"));
            return new CpuSample(System.nanoTime(), busy, total, ticks);
        }

        static long processTicks(String file) {
            try {
                String s = Files.readString(Path.of(file));
                String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
                return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
            } catch (IOException | RuntimeException e) {
                return 0;
            }
        }

        /** Cores used since {@code before}: per process, "machine" in all, and "other" for the rest. */
        Map<String, Double> coresSince(CpuSample before, int clockTicks) {
            double seconds = Math.max(1e-3, (nanos - before.nanos) / 1e9);
            Map<String, Double> cores = new LinkedHashMap<>();
            double ours = 0;
            for (Map.Entry<String, Long> e : processes.entrySet()) {
                double c = (e.getValue() - before.processes.getOrDefault(e.getKey(), e.getValue())) / (double) clockTicks / seconds;
                cores.put(e.getKey(), c);
                ours += c;
            }
            double machine = (machineBusy - before.machineBusy) / (double) clockTicks / seconds;
            cores.put("machine", machine);
            if (!processes.isEmpty()) {
                cores.put("other", Math.max(0, machine - ours));
            }
            return cores;
        }
    }

    // --- helpers

    static double mean(List<Result> results, java.util.function.ToDoubleFunction<Result> f) {
        return results.stream().mapToDouble(f).average().orElse(Double.NaN);
    }

    static double max(List<Result> results) {
        return results.stream().mapToDouble(Result::max).max().orElse(Double.NaN);
    }

    static int sum(List<Result> results, java.util.function.ToIntFunction<Result> f) {
        return results.stream().mapToInt(f).sum();
    }

    static long percentile(long[] sorted, double p) {
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    static double nanosToMs(long nanos) {
        return nanos == Long.MAX_VALUE ? Double.POSITIVE_INFINITY : nanos / 1e6;
    }

    static String ms(double v) {
        return Double.isNaN(v) ? "n/a" : Double.isInfinite(v) ? "inf" : String.format(Locale.ROOT, "%.2f", v);
    }

    static String fmt(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    static double secs(long nanos) {
        return nanos / 1e9;
    }

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

    String required(String key) {
        String v = o.get(key);
        if (v == null || v.isEmpty()) {
            throw new IllegalArgumentException("--" + key + " is required");
        }
        return v;
    }

    static Map<String, String> options(String[] args) {
        Map<String, String> o = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --option value, got " + args[i]);
            }
            o.put(args[i].substring(2), args[++i]);
        }
        return o;
    }

    static void log(String format, Object... args) {
        System.err.printf(Locale.ROOT, "[LatencyBench %tT] %s%n", System.currentTimeMillis(), String.format(Locale.ROOT, format, args));
    }
}
