import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

import javax.net.ssl.SSLContext;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.aero.client.devman.CheckinClient;
import dev.aero.client.device.DeviceKeys;
import dev.aero.client.device.Pem;
import dev.aero.client.sharing.AclFollower;
import dev.aero.client.sp.Acl;
import dev.aero.client.ssmp.ForwardingSsmpListener;
import dev.aero.client.ssmp.SsmpClient;
import dev.aero.client.ssmp.SsmpListener;
import dev.aero.common.command.Command;
import dev.aero.common.command.CommandCodec;
import dev.aero.common.command.CommandType;
import dev.aero.common.id.DID;
import dev.aero.common.id.UserID;
import dev.aero.common.ssmp.SsmpSyntax;

/**
 * bench/platform: one load process holding a slice of the simulated organization's devices
 * (started by {@code PlatformBench}, which it reports to over a loopback socket).
 *
 * <p>Each device, with the key and certificate SP issued it (read from the state directory):
 * <ul>
 * <li>a verkehr connection: the SDK's {@code SsmpClient}, TLS with the device certificate,
 * {@code LOGIN <did> cert}, subscribed to {@code cmd/<did>} and its user's {@code acl/} topic,
 * reconnecting as the SDK does;</li>
 * <li>its command loop, as the SDK's {@code CommandLoop} runs it (docs/protocols/commands.md):
 * drain the queue on start and on every (re)connect; on a push, act on the pushed command and
 * ack it ({@code POST /v1/devices/<did>/ack}), and drain ({@code GET .../head}, act, ack) when
 * the ack's answer says more wait; failures retried from 2 s doubling to 60 s;</li>
 * <li>the SDK's {@code AclFollower}, reading {@code GET /api/v1/acl?since=} from SP's device
 * listener on start, on reconnect and on every {@code acl/} push above the epoch it read;</li>
 * <li>a check-in with devman ({@code POST /v1/checkin}) every interval devman answers (60 s),
 * the first at a point of the interval spread evenly over the devices, through the SDK's
 * {@code CheckinClient} (one connection kept between check-ins).</li>
 * </ul>
 * The other HTTPS requests go through {@link HttpsLink} (why: see there); SSMP, the follower,
 * the check-ins, keys and certificates are the SDK's.
 *
 * <p>Reports, one line each on the control socket ({@code t} = System.nanoTime(), the same
 * monotonic clock in every process of this machine): {@code P dev seq t} a command push,
 * {@code H dev seq t via result} a command handled and its ack's result, {@code B dev epoch t}
 * an ACL push, {@code A dev epoch t stores} an ACL the follower handed over, {@code I dev us
 * status fresh t} a check-in, {@code G dev us status t} a {@code GET /acl}, {@code Q dev us
 * status op t} a command-server device request, {@code D dev t cause} a lost verkehr
 * connection, {@code R dev t} a reconnect, {@code X dev message} an error, {@code F ...} stats.
 */
public final class LoadWorker {

    static final JsonMapper JSON = JsonMapper.builder().build();
    static final double GOLDEN = 0.6180339887498949;

    final Map<String, String> o;
    final String host;
    final int ssmpPort;
    final int commandsPort;
    final int devmanPort;
    final int spPort;
    final long keepAliveNanos;
    final int checkinSeconds;
    final int timeoutMillis = 15_000;
    final List<Dev> devices = new ArrayList<>();
    final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("timer").factory());
    final Reporter out;
    final AtomicInteger connected = new AtomicInteger();
    volatile boolean stopping;

    LoadWorker(Map<String, String> o, Reporter out) {
        this.o = o;
        this.out = out;
        this.host = o.getOrDefault("host", "localhost");
        this.ssmpPort = Integer.parseInt(o.get("ssmp-port"));
        this.commandsPort = Integer.parseInt(o.get("commands-port"));
        this.devmanPort = Integer.parseInt(o.get("devman-port"));
        this.spPort = Integer.parseInt(o.get("sp-port"));
        this.keepAliveNanos = TimeUnit.SECONDS.toNanos(Long.parseLong(o.getOrDefault("keepalive", "30")));
        this.checkinSeconds = Integer.parseInt(o.getOrDefault("checkin-seconds", "60"));
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            o.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        Socket control = new Socket();
        control.connect(new InetSocketAddress("127.0.0.1", Integer.parseInt(o.get("control"))), 10_000);
        control.setTcpNoDelay(true);
        Reporter out = new Reporter(control.getOutputStream());
        LoadWorker w = new LoadWorker(o, out);
        out.line("hello " + o.get("id") + " " + ProcessHandle.current().pid());
        Thread.ofPlatform().daemon().name("control").start(() -> w.control(control));
        try {
            w.run();
        } catch (Throwable e) {
            System.err.println("LoadWorker " + o.get("id") + ": " + e);
            e.printStackTrace();
            out.line("fatal " + e.toString().replace('\n', ' '));
            out.flush();
            System.exit(2);
        }
    }

    /** The coordinator's requests; its socket closing ends this process (the coordinator is gone). */
    void control(Socket control) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(control.getInputStream(), StandardCharsets.US_ASCII))) {
            for (String l; (l = r.readLine()) != null; ) {
                switch (l.trim()) {
                    case "stats" -> out.line(stats());
                    case "stop" -> {
                        stop();
                        out.line("stopped");
                        out.flush();
                        System.exit(0);
                    }
                    default -> System.err.println("unknown control line: " + l);
                }
            }
        } catch (IOException e) {
            System.err.println("control socket: " + e);
        }
        System.err.println("the coordinator went away: stopping");
        System.exit(3);
    }

    String stats() {
        long fds = -1;
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            fds = s.count();
        } catch (IOException e) {
            // reported as -1
        }
        long threads = -1;
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("Threads:")) {
                    threads = Long.parseLong(l.substring(8).trim());
                }
            }
        } catch (IOException e) {
            // reported as -1
        }
        int links = 0;
        for (Dev d : devices) {
            links += (d.commands.isOpen() ? 1 : 0) + (d.devman.holdsConnection() ? 1 : 0) + (d.sp.isOpen() ? 1 : 0);
        }
        Runtime rt = Runtime.getRuntime();
        return String.format(Locale.ROOT, "F %d %d %d %d %d %d", fds, threads, connected.get(), links,
                (rt.totalMemory() - rt.freeMemory()) >> 20, devices.size());
    }

    void stop() {
        stopping = true;
        List<Thread> closers = new ArrayList<>();
        for (Dev d : devices) {
            closers.add(Thread.ofVirtual().start(d::close));
        }
        for (Thread t : closers) {
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    void run() throws Exception {
        Path state = Path.of(o.get("state"));
        int from = Integer.parseInt(o.get("from"));
        int to = Integer.parseInt(o.get("to"));
        String caPem = Files.readString(state.resolve("ca.pem"));
        long t0 = System.nanoTime();
        KeyFactory ec = KeyFactory.getInstance("EC");
        try (BufferedReader r = Files.newBufferedReader(state.resolve("devices.tsv"))) {
            for (String l; (l = r.readLine()) != null; ) {
                String[] f = l.split("\t");
                int index = Integer.parseInt(f[0]);
                if (index < from || index >= to) {
                    continue;
                }
                String certPem = new String(Base64.getDecoder().decode(f[4]), StandardCharsets.US_ASCII);
                X509Certificate cert = Pem.parseCertificate(certPem);
                PrivateKey key = ec.generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(f[3])));
                SSLContext tls = DeviceKeys.of(new KeyPair(cert.getPublicKey(), key)).sslContext(certPem, caPem);
                devices.add(new Dev(index, DID.of(f[1]), f[2], tls));
            }
        }
        if (devices.size() != to - from) {
            throw new IllegalStateException("the state has " + devices.size() + " of devices " + from + "-" + (to - from) + "; expected all");
        }
        out.line(String.format(Locale.ROOT, "loaded %d %d", devices.size(), (System.nanoTime() - t0) / 1_000_000));
        timer.scheduleWithFixedDelay(this::closeIdleLinks, 5, 5, TimeUnit.SECONDS);
        // Connect: at most `connect-parallel` handshakes and logins in flight.
        Semaphore inFlight = new Semaphore(Integer.parseInt(o.getOrDefault("connect-parallel", "16")));
        AtomicInteger failed = new AtomicInteger();
        long c0 = System.nanoTime();
        List<Thread> starts = new ArrayList<>();
        for (Dev d : devices) {
            inFlight.acquire();
            starts.add(Thread.ofVirtual().start(() -> {
                try {
                    d.goOnline();
                    int n = connected.incrementAndGet();
                    if (n % 500 == 0) {
                        out.line("progress " + n);
                    }
                } catch (Exception e) {
                    failed.incrementAndGet();
                    out.line("X " + d.index + " connect: " + String.valueOf(e).replace('\n', ' '));
                } finally {
                    inFlight.release();
                }
            }));
        }
        for (Thread t : starts) {
            t.join();
        }
        out.line(String.format(Locale.ROOT, "ready %d %d %d", connected.get(), failed.get(), (System.nanoTime() - c0) / 1_000_000));
        Thread.currentThread().join(); // the control thread ends the process
    }

    void closeIdleLinks() {
        long now = System.nanoTime();
        for (Dev d : devices) {
            d.commands.closeIfIdle(now, keepAliveNanos);
            d.sp.closeIfIdle(now, keepAliveNanos);
        }
    }

    static long micros(long nanos) {
        return nanos / 1_000;
    }

    /** Tasks run one at a time, in order, on a virtual thread started only while some are queued. */
    static final class Serial {
        private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
        private final AtomicBoolean running = new AtomicBoolean();

        void submit(Runnable task) {
            tasks.add(task);
            if (running.compareAndSet(false, true)) {
                Thread.ofVirtual().start(this::drain);
            }
        }

        private void drain() {
            while (true) {
                for (Runnable r; (r = tasks.poll()) != null; ) {
                    try {
                        r.run();
                    } catch (RuntimeException e) {
                        System.err.println("task failed: " + e);
                    }
                }
                running.set(false);
                if (tasks.isEmpty() || !running.compareAndSet(false, true)) {
                    return;
                }
            }
        }
    }

    /** One simulated device. */
    final class Dev {
        final int index;
        final DID did;
        final String user;
        final SSLContext tls;
        final HttpsLink commands;
        final CheckinClient devman;
        final HttpsLink sp;
        final Serial loop = new Serial();
        final AclFollower follower;
        final SsmpListener listener;
        volatile SsmpClient ssmp;
        final String cmdTopic;
        final String headPath;
        final String ackPath;
        /** Command loop state, on the loop's tasks only. */
        long retryDelay = 2_000;
        boolean retryPending;
        /** Every epoch up to this one has left the queue (the SDK CommandLoop's bookkeeping); loop tasks only. */
        long departed;
        volatile boolean online;
        volatile boolean everConnected;

        Dev(int index, DID did, String user, SSLContext tls) {
            this.index = index;
            this.did = did;
            this.user = user;
            this.tls = tls;
            this.commands = new HttpsLink(tls, host, commandsPort, timeoutMillis);
            this.devman = new CheckinClient(URI.create("https://" + host + ":" + devmanPort), tls);
            this.sp = new HttpsLink(tls, host, spPort, timeoutMillis);
            this.cmdTopic = "cmd/" + did.hex();
            this.headPath = "/v1/devices/" + did.hex() + "/head";
            this.ackPath = "/v1/devices/" + did.hex() + "/ack";
            this.follower = new AclFollower(this::fetchAcl, UserID.of(user), this::onAcl, Duration.ofSeconds(2), Duration.ofSeconds(60));
            this.listener = new ForwardingSsmpListener(follower.pushListener(new SsmpListener() { })) {
                @Override
                public void onMulticast(String from, String topic, byte[] payload) {
                    long now = System.nanoTime();
                    if (topic.equals(cmdTopic)) {
                        onPush(payload, now);
                    } else if (topic.equals(follower.topic())) {
                        out.line("B " + index + " " + new String(payload, StandardCharsets.US_ASCII).strip() + " " + now);
                    }
                    super.onMulticast(from, topic, payload);
                }

                @Override
                public void onConnected() {
                    if (everConnected) {
                        out.line("R " + index + " " + System.nanoTime());
                    }
                    everConnected = true;
                    online = true;
                    loop.submit(Dev.this::drain);
                    super.onConnected();
                }

                @Override
                public void onDisconnected(Throwable cause, boolean reconnecting) {
                    online = false;
                    if (!stopping) {
                        out.line("D " + index + " " + System.nanoTime() + " " + String.valueOf(cause).replace('\n', ' '));
                        // While the push channel is down the queue is read with backoff, as the SDK does.
                        scheduleRetry();
                    }
                    super.onDisconnected(cause, reconnecting);
                }
            };
        }

        /**
         * Connects and subscribes; a first connection that fails (the SDK's client does not retry its first
         * connect) is tried again with a new client, up to 3 times, 1 s then 2 s apart.
         */
        void goOnline() throws Exception {
            for (int attempt = 0; ; attempt++) {
                SsmpClient client = SsmpClient.builder(host, ssmpPort).sslContext(tls).login(did.hex(), SsmpSyntax.SCHEME_CERT, null)
                        .listener(listener).reconnect(true).build();
                ssmp = client;
                try {
                    client.connect();
                    client.subscribe(cmdTopic, false);
                    client.subscribe(follower.topic(), false);
                    break;
                } catch (Exception e) {
                    client.close();
                    if (attempt >= 2 || stopping) {
                        throw e;
                    }
                    out.line("X " + index + " connect attempt " + (attempt + 1) + ": " + String.valueOf(e).replace('\n', ' '));
                    Thread.sleep(1000L << attempt);
                }
            }
            follower.start();
            double phase = (index * GOLDEN) % 1.0;
            timer.schedule(this::checkinSoon, Math.round(phase * checkinSeconds * 1000), TimeUnit.MILLISECONDS);
        }

        // --- check-in

        void checkinSoon() {
            if (!stopping) {
                Thread.ofVirtual().start(this::checkin);
            }
        }

        void checkin() {
            long t = System.nanoTime();
            long next = checkinSeconds;
            long opened = devman.connectionsOpened();
            int status;
            try {
                next = Math.max(1, devman.checkin().interval().toSeconds());
                status = 200;
            } catch (CheckinClient.RefusedException e) {
                status = e.status();
                next = 5;
            } catch (IOException | RuntimeException e) {
                status = -1;
                next = 5;
            }
            int fresh = devman.connectionsOpened() != opened || status == -1 ? 1 : 0;
            out.line("I " + index + " " + micros(System.nanoTime() - t) + " " + status + " " + fresh + " " + t);
            if (!stopping) {
                timer.schedule(this::checkinSoon, next, TimeUnit.SECONDS);
            }
        }

        // --- ACL

        Acl fetchAcl(long since) throws IOException {
            long t = System.nanoTime();
            HttpsLink.Response r;
            try {
                r = sp.exchange("GET", "/api/v1/acl?since=" + since, "Accept: application/json\r\n", null);
            } catch (IOException e) {
                out.line("G " + index + " " + micros(System.nanoTime() - t) + " -1 " + t);
                throw e;
            }
            out.line("G " + index + " " + micros(System.nanoTime() - t) + " " + r.status() + " " + t);
            if (r.status() != 200) {
                throw new IOException("SP answered GET /acl with " + r.status());
            }
            JsonNode n = JSON.readTree(r.body());
            JsonNode stores = n.get("stores");
            List<Acl.Store> list = null;
            if (stores != null && stores.isArray()) {
                list = new ArrayList<>(stores.size());
                for (JsonNode s : stores) {
                    list.add(new Acl.Store(null, s.path("name").asString(""), s.path("role").asString(""), List.of(), List.of()));
                }
            }
            return new Acl(n.path("epoch").asLong(), list);
        }

        void onAcl(Acl acl) {
            out.line("A " + index + " " + acl.epoch() + " " + System.nanoTime() + " " + acl.stores().size());
        }

        // --- commands (the SDK's CommandLoop, on this device's serial tasks)

        void onPush(byte[] payload, long now) {
            Command c;
            try {
                c = CommandCodec.fromPushPayload(new String(payload, StandardCharsets.US_ASCII));
            } catch (RuntimeException e) {
                out.line("X " + index + " undecodable push");
                loop.submit(this::drain);
                return;
            }
            out.line("P " + index + " " + seq(c) + " " + now);
            loop.submit(() -> {
                if (c.getEpoch() <= departed) {
                    return; // a push that came after a drain carried its command out, as the SDK drops it
                }
                try {
                    JsonNode acked = act(c, "p", now);
                    if (acked.path("next").path("queue_size").asLong() > 0) {
                        drain();
                    }
                } catch (IOException e) {
                    scheduleRetry();
                }
            });
        }

        void drain() {
            try {
                JsonNode head = request("GET", headPath, null, "head");
                long budget = head.path("queue_size").asLong();
                while (head.path("command").isString() && budget-- > 0) {
                    long now = System.nanoTime();
                    Command c = CommandCodec.fromPushPayload(head.path("command").asString());
                    departed = Math.max(departed, c.getEpoch() - 1);
                    head = act(c, "d", now).path("next");
                }
                retryDelay = 2_000;
            } catch (IOException | RuntimeException e) {
                scheduleRetry();
            }
        }

        /** Carries the command out (records it) and acks it; returns the ack's answer. */
        JsonNode act(Command c, String via, long receivedAt) throws IOException {
            JsonNode acked;
            try {
                acked = request("POST", ackPath, ("{\"epoch\":" + c.getEpoch() + "}").getBytes(StandardCharsets.US_ASCII), "ack");
            } catch (IOException e) {
                // Carried out, but the ack got no answer (command-server may have taken it all the same).
                out.line("H " + index + " " + seq(c) + " " + receivedAt + " " + via + " ack-failed " + System.nanoTime());
                throw e;
            }
            out.line("H " + index + " " + seq(c) + " " + receivedAt + " " + via + " " + acked.path("result").asString("?") + " " + System.nanoTime());
            // As the SDK's CommandLoop: epochs the queue's answers show gone are not carried out again.
            if (!"stale".equals(acked.path("result").asString(""))) {
                departed = Math.max(departed, c.getEpoch());
            }
            if (acked.path("next").path("command").isString()) {
                departed = Math.max(departed, acked.path("next").path("epoch").asLong() - 1);
            }
            return acked;
        }

        JsonNode request(String method, String path, byte[] body, String op) throws IOException {
            long t = System.nanoTime();
            HttpsLink.Response r;
            try {
                r = commands.exchange(method, path, body == null ? null : "Content-Type: application/json\r\n", body);
            } catch (IOException e) {
                out.line("Q " + index + " " + micros(System.nanoTime() - t) + " -1 " + op + " " + t);
                throw e;
            }
            out.line("Q " + index + " " + micros(System.nanoTime() - t) + " " + r.status() + " " + op + " " + t);
            if (r.status() != 200) {
                throw new IOException("command-server answered " + op + " with " + r.status() + ": " + r.text());
            }
            return JSON.readTree(r.body());
        }

        void scheduleRetry() {
            loop.submit(() -> {
                if (retryPending || stopping) {
                    return;
                }
                retryPending = true;
                long delay = retryDelay;
                retryDelay = Math.min(60_000, retryDelay * 2);
                timer.schedule(() -> loop.submit(() -> {
                    retryPending = false;
                    drain();
                }), delay, TimeUnit.MILLISECONDS);
            });
        }

        void close() {
            SsmpClient s = ssmp;
            if (s != null) {
                s.close();
            }
            follower.close();
            commands.close();
            devman.close();
            sp.close();
        }
    }

    /** The bench's commands are UPLOAD_LOGS with defect id {@code pb<seq>}; anything else is -1. */
    static long seq(Command c) {
        if (c.getType() == CommandType.UPLOAD_LOGS) {
            String id = c.getUploadLogsArgs().getDefectId();
            if (id.startsWith("pb")) {
                try {
                    return Long.parseLong(id.substring(2));
                } catch (NumberFormatException e) {
                    return -1;
                }
            }
        }
        return -1;
    }

    /** Lines to the coordinator, batched by a flusher every 20 ms. */
    static final class Reporter {
        private final OutputStream out;
        private final ReentrantLock lock = new ReentrantLock();
        private StringBuilder pending = new StringBuilder(1 << 16);

        Reporter(OutputStream out) {
            this.out = out;
            Thread.ofPlatform().daemon().name("reporter").start(() -> {
                while (true) {
                    try {
                        Thread.sleep(20);
                        flush();
                    } catch (InterruptedException e) {
                        return;
                    } catch (IOException e) {
                        System.err.println("reporting to the coordinator failed: " + e + "; stopping");
                        System.exit(3);
                    }
                }
            });
        }

        void line(String l) {
            lock.lock();
            try {
                pending.append(l).append('\n');
            } finally {
                lock.unlock();
            }
        }

        void flush() throws IOException {
            StringBuilder batch;
            lock.lock();
            try {
                if (pending.isEmpty()) {
                    return;
                }
                batch = pending;
                pending = new StringBuilder(Math.max(1 << 16, batch.length()));
            } finally {
                lock.unlock();
            }
            synchronized (out) {
                out.write(batch.toString().getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
        }
    }

}
