// Load tool of the verkehr benchmark (docs/benchmarks.md, section "verkehr-push"); run.sh drives it.
//
// One file, compiled against the Netty and Bouncy Castle jars taken from verkehr's own jar, holding
// the roles run.sh starts as separate JVMs:
//
//   pki            CA (EC P-256), server certificate (SAN IP:127.0.0.1, DNS:localhost), its PKCS#8
//                  key, and an empty DER CRL signed by the CA
//   freeports      free loopback TCP ports
//   wait-ready     waits for a TLS listener (and verkehr's actuator health with ssmp UP)
//   hold           idle-connection worker: N TLS connections, each from its own 127.x.y.z source
//                  address, logged in with the deployment secret, then idle (answering PING) until
//                  told to stop on stdin
//   idle           coordinator of the idle-memory scenario: server RSS before, hold workers, RSS
//                  after (with and without a forced GC when the server is a JVM), per-connection
//                  growth; run for verkehr and for lipwig, AeroFS's original Go SSMP server
//   direct-server  the physical-limit reference: a minimal Netty TLS fan-out (same TLS stack and
//                  event-loop layout as verkehr, nothing else), speaking just enough SSMP
//   fanout         one fan-out run against one target (verkehr | lipwig | direct | mqtt): N TLS
//                  subscribers and one publisher in this JVM; saturation, then latency at half rate
//                  (and, for verkehr, at half of lipwig's rate of the same round)
//   report         turns the rounds' .properties files into the markdown results and summary:
//                  medians over the rounds, ratios as medians of the per-round ratios
//
// `java VerkehrBench help` lists the options.

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.Writer;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.concurrent.EventExecutor;

public final class VerkehrBench {

    static final boolean EPOLL = Epoll.isAvailable();
    static final String TOPIC = "fanout";
    static final String PUBLISHER_ID = "pub";

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || args[0].equals("help") || args[0].equals("--help")) {
            help();
            return;
        }
        Opts o = new Opts(args, 1);
        switch (args[0]) {
            case "pki" -> pki(o);
            case "freeports" -> freePorts(o);
            case "wait-ready" -> System.exit(waitReady(o));
            case "hold" -> hold(o);
            case "idle" -> System.exit(idle(o));
            case "direct-server" -> directServer(o);
            case "fanout" -> System.exit(fanout(o));
            case "report" -> System.exit(report(o));
            default -> {
                System.err.println("unknown role " + args[0] + "; try help");
                System.exit(2);
            }
        }
    }

    static void help() {
        System.out.println("""
                VerkehrBench <role> [--option value ...]
                  pki --dir D
                  freeports [--count N]
                  wait-ready --port P [--health-url U] [--pid PID] [--ca F] [--timeout S]
                  hold --port P --ca F --secret S --count N --octet K [--concurrency C] [--max-seconds S]
                  idle --port P --ca F --secret S --server-pid PID --jcmd PATH --java PATH --cp CP --worker-jvm=OPTS
                       [--conns 10000] [--workers 4] [--warmup-conns 500] [--idle-seconds 10] [--metrics-url U]
                       [--histograms DIR] [--worker-log F] [--settle-ms 3000] [--gc-settle-ms 2000]
                       [--jvm false (a server that is not a JVM, e.g. lipwig: no jcmd, no forced GC)]
                       [--target verkehr|lipwig] [--label L] [--round R] --out F
                  (an option whose value starts with "--" is written --key=value)
                  direct-server --port P --cert F --key F [--threads N]
                  fanout --target verkehr|direct|mqtt --port P --ca F --server-pid PID --out F [--secret S] [--label L]
                       [--subscribers 2000] [--payload 100] [--warmup 5] [--duration 15] [--lat-warmup 3] [--lat-duration 15]
                       [--lat-rate PUBLISHES/S (default: half the measured saturation)] [--low-rate 10] [--low-duration 10]
                       [--ack-window 32] [--inflight-per-sub 1000 (0 = none)] [--metrics-url U] [--quiet-wait 20] [--clk-tck 100]
                       [--max-seconds 300] [--round R]
                       [--ref-lat-rate PUBLISHES/S [--ref-lat-what TEXT]]  a second latency window at another server's
                                                                            half rate (verkehr at half of lipwig's)
                       (targets other than mqtt speak SSMP: verkehr, lipwig, direct)
                  report --dir RUN_DIR --md F --summary F [--rounds N] [--lipwig-missing REASON]
                       reads idle-<round>-<target>.properties and fanout-<round>-<order>-<target>.properties
                """);
    }

    // =============================================================================================
    // options, small helpers
    // =============================================================================================

    static final class Opts {
        final Map<String, String> m = new HashMap<>();

        Opts(String[] a, int from) {
            for (int i = from; i < a.length; i++) {
                String k = a[i];
                if (!k.startsWith("--")) {
                    throw new IllegalArgumentException("unexpected argument " + k);
                }
                int eq = k.indexOf('=');
                if (eq > 0) { // --key=value, for values that start with "--" themselves (JVM options)
                    m.put(k.substring(2, eq), k.substring(eq + 1));
                    continue;
                }
                String v = i + 1 < a.length && !a[i + 1].startsWith("--") ? a[++i] : "true";
                m.put(k.substring(2), v);
            }
        }

        String s(String k, String d) {
            return m.getOrDefault(k, d);
        }

        String req(String k) {
            String v = m.get(k);
            if (v == null) {
                throw new IllegalArgumentException("--" + k + " is required");
            }
            return v;
        }

        int i(String k, int d) {
            return m.containsKey(k) ? Integer.parseInt(m.get(k)) : d;
        }

        long l(String k, long d) {
            return m.containsKey(k) ? Long.parseLong(m.get(k)) : d;
        }

        double d(String k, double d) {
            return m.containsKey(k) ? Double.parseDouble(m.get(k)) : d;
        }
    }

    static void log(String fmt, Object... args) {
        System.err.printf(Locale.ROOT, "[%s] %s%n", java.time.LocalTime.now().withNano(0), String.format(Locale.ROOT, fmt, args));
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    static String f(String fmt, Object... a) {
        return String.format(Locale.ROOT, fmt, a);
    }

    /** Exits the JVM after {@code seconds}, whatever it is doing: every role is bounded in time. */
    static void watchdog(long seconds, String what) {
        Thread t = new Thread(() -> {
            sleep(seconds * 1000);
            System.err.println(what + ": watchdog fired after " + seconds + " s; exiting");
            Runtime.getRuntime().halt(3);
        }, "watchdog");
        t.setDaemon(true);
        t.start();
    }

    static EventLoopGroup group(int threads) {
        return new MultiThreadIoEventLoopGroup(threads, EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    }

    static Class<? extends Channel> clientChannel() {
        return EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    static Class<? extends ServerChannel> serverChannel() {
        return EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    static SslProvider provider() {
        return OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    static SslContext clientSsl(String caFile) throws IOException {
        return SslContextBuilder.forClient().sslProvider(provider()).trustManager(new File(caFile)).build();
    }

    /** 127.octet.(index / 250).(index % 250 + 1): one source address per connection, spread over 127/8. */
    static InetAddress source(int octet, int index) throws IOException {
        return InetAddress.getByAddress(new byte[] {127, (byte) octet, (byte) (index / 250), (byte) (index % 250 + 1)});
    }

    /** The JDK's TLS for the publisher (one connection; blocking is fine there). */
    static SSLContext jdkSsl(String caFile) throws Exception {
        X509Certificate ca;
        try (InputStream in = new FileInputStream(caFile)) {
            ca = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("ca", ca);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    static String http(String url) {
        try {
            HttpClient c = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            HttpResponse<String> r = c.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() / 100 == 2 || url.contains("/health") ? r.body() : null;
        } catch (Exception e) {
            return null;
        }
    }

    /** Prometheus text: every sample of the verkehr_ meters (and process/jvm ones asked for), name{labels} → value. */
    static Map<String, Double> prometheus(String url) {
        Map<String, Double> out = new TreeMap<>();
        if (url == null) {
            return out;
        }
        String body = http(url);
        if (body == null) {
            return out;
        }
        for (String line : body.split("\n")) {
            if (line.startsWith("verkehr_") || line.startsWith("jvm_buffer_memory_used_bytes")
                    || line.startsWith("netty_")) {
                int sp = line.lastIndexOf(' ');
                try {
                    String key = line.substring(0, sp).replaceAll(",?application=\"[^\"]*\"", "").replace("{,", "{").replace("{}", "");
                    out.put(key, Double.parseDouble(line.substring(sp + 1)));
                } catch (RuntimeException ignored) {
                    // not a sample line
                }
            }
        }
        return out;
    }

    // =============================================================================================
    // pki
    // =============================================================================================

    static void pki(Opts o) throws Exception {
        Path dir = Path.of(o.req("dir"));
        Files.createDirectories(dir);
        KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
        gen.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
        KeyPair caKey = gen.generateKeyPair();
        KeyPair serverKey = gen.generateKeyPair();
        Date from = new Date(System.currentTimeMillis() - 3_600_000L);
        Date to = new Date(System.currentTimeMillis() + 30L * 86_400_000L);
        X500Name caName = new X500Name("CN=verkehr bench CA");
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        ContentSigner caSigner = new JcaContentSignerBuilder("SHA256withECDSA").build(caKey.getPrivate());
        X509v3CertificateBuilder cab = new JcaX509v3CertificateBuilder(caName, BigInteger.ONE, from, to, caName, caKey.getPublic())
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(caKey.getPublic()));
        X509Certificate ca = new JcaX509CertificateConverter().getCertificate(cab.build(caSigner));
        X509v3CertificateBuilder sb = new JcaX509v3CertificateBuilder(ca, BigInteger.TWO, from, to, new X500Name("CN=localhost"),
                serverKey.getPublic())
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                        new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")}))
                .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca));
        X509Certificate server = new JcaX509CertificateConverter().getCertificate(sb.build(caSigner));
        X509v2CRLBuilder crl = new X509v2CRLBuilder(new X509CertificateHolder(ca.getEncoded()).getSubject(), new Date());
        crl.setNextUpdate(to);
        crl.addExtension(Extension.cRLNumber, false, new CRLNumber(BigInteger.ONE));
        crl.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca));
        X509CRLHolder crlHolder = crl.build(caSigner);
        Files.writeString(dir.resolve("ca.pem"), pem("CERTIFICATE", ca.getEncoded()));
        Files.writeString(dir.resolve("server.pem"), pem("CERTIFICATE", server.getEncoded()));
        Files.writeString(dir.resolve("server.key"), pem("PRIVATE KEY", serverKey.getPrivate().getEncoded()));
        Files.write(dir.resolve("crl.der"), crlHolder.getEncoded());
        System.out.println("pki: " + dir + " (EC P-256 CA and server certificate, PKCS#8 key, empty CRL)");
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    // =============================================================================================
    // freeports, wait-ready
    // =============================================================================================

    static void freePorts(Opts o) throws IOException {
        int n = o.i("count", 1);
        List<ServerSocket> held = new ArrayList<>();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            held.add(s);
            sb.append(i == 0 ? "" : " ").append(s.getLocalPort());
        }
        for (ServerSocket s : held) {
            s.close();
        }
        System.out.println(sb);
    }

    static int waitReady(Opts o) throws Exception {
        int port = o.i("port", 0);
        String health = o.s("health-url", null);
        long pid = o.l("pid", 0);
        String ca = o.s("ca", null);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(o.i("timeout", 120));
        SSLContext tls = ca == null ? null : jdkSsl(ca);
        String why = "not tried";
        while (System.nanoTime() < deadline) {
            if (pid > 0 && ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true)) {
                System.err.println("wait-ready: process " + pid + " exited");
                return 1;
            }
            boolean ok = true;
            if (health != null) {
                String body = http(health);
                ok = body != null && Pattern.compile("\"ssmp\"\\s*:\\s*\\{\\s*\"status\"\\s*:\\s*\"UP\"").matcher(body).find();
                why = "health: " + (body == null ? "no answer" : body);
            }
            if (ok && tls != null) {
                try (SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
                    s.setSoTimeout(2000);
                    s.startHandshake();
                } catch (IOException e) {
                    ok = false;
                    why = "TLS: " + e;
                }
            }
            if (ok) {
                return 0;
            }
            sleep(250);
        }
        System.err.println("wait-ready: not ready in time (" + why + ")");
        return 1;
    }

    // =============================================================================================
    // hold: idle TLS connections from 127.octet.x.y, logged in with the deployment secret
    // =============================================================================================

    static void hold(Opts o) throws Exception {
        int port = o.i("port", 0);
        int count = o.i("count", 2500);
        int octet = o.i("octet", 10);
        int concurrency = o.i("concurrency", 64);
        String secret = o.req("secret");
        watchdog(o.i("max-seconds", 600), "hold");
        SslContext ssl = clientSsl(o.req("ca"));
        EventLoopGroup group = group(o.i("threads", 1));
        Semaphore permits = new Semaphore(concurrency);
        AtomicInteger loggedIn = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        AtomicInteger droppedAfterLogin = new AtomicInteger();
        AtomicInteger pings = new AtomicInteger();
        AtomicInteger unexpected = new AtomicInteger();
        List<Channel> channels = new CopyOnWriteArrayList<>();
        CountDownLatch settled = new CountDownLatch(count);
        InetSocketAddress remote = new InetSocketAddress("127.0.0.1", port);
        Bootstrap b = new Bootstrap().group(group).channel(clientChannel())
                .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000);
        long t0 = System.nanoTime();
        for (int i = 0; i < count; i++) {
            permits.acquire();
            String id = "idle-" + octet + "-" + i;
            InetAddress local = source(octet, i);
            AtomicInteger state = new AtomicInteger(); // 0 pending, 1 logged in, 2 failed
            Runnable settle = () -> {
                permits.release();
                settled.countDown();
            };
            Bootstrap bi = b.clone().handler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    ch.pipeline().addLast(ssl.newHandler(ch.alloc(), "127.0.0.1", port));
                    ch.pipeline().addLast(new LineHandler() {
                        @Override
                        public void channelActive(ChannelHandlerContext ctx) throws Exception {
                            ctx.writeAndFlush(Unpooled.copiedBuffer("LOGIN " + id + " secret " + secret + "\n", US_ASCII));
                            super.channelActive(ctx);
                        }

                        @Override
                        void line(ChannelHandlerContext ctx, ByteBuf buf, int start, int len) {
                            if (startsWith(buf, start, len, "200") && state.compareAndSet(0, 1)) {
                                loggedIn.incrementAndGet();
                                settle.run();
                            } else if (startsWith(buf, start, len, "000 . PING")) {
                                pings.incrementAndGet();
                                ctx.writeAndFlush(Unpooled.wrappedBuffer(PONG));
                            } else {
                                if (unexpected.incrementAndGet() <= 5) {
                                    System.err.println("hold: unexpected line: " + buf.toString(start, len, US_ASCII));
                                }
                            }
                        }

                        @Override
                        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
                            if (state.compareAndSet(0, 2)) {
                                failed.incrementAndGet();
                                settle.run();
                            } else if (state.get() == 1 && !stopping) {
                                droppedAfterLogin.incrementAndGet();
                            }
                            super.channelInactive(ctx);
                        }

                        @Override
                        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                            ctx.close();
                        }
                    });
                }
            });
            ChannelFuture cf = bi.connect(remote, new InetSocketAddress(local, 0));
            channels.add(cf.channel());
            cf.addListener(f -> {
                if (!f.isSuccess() && state.compareAndSet(0, 2)) {
                    failed.incrementAndGet();
                    if (failed.get() <= 5) {
                        System.err.println("hold: connect failed: " + f.cause());
                    }
                    settle.run();
                }
            });
        }
        boolean all = settled.await(o.i("connect-timeout", 240), TimeUnit.SECONDS);
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.println(f("READY logged_in=%d failed=%d seconds=%.2f complete=%b first=%s last=%s", loggedIn.get(), failed.get(),
                secs, all, source(octet, 0).getHostAddress(), source(octet, count - 1).getHostAddress()));
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, US_ASCII));
        String cmd;
        while ((cmd = in.readLine()) != null && !cmd.equals("STOP")) {
            if (cmd.equals("STATUS")) {
                System.out.println(f("STATUS open=%d dropped=%d pings=%d", channels.stream().filter(Channel::isActive).count(),
                        droppedAfterLogin.get(), pings.get()));
                System.out.flush();
            }
        }
        long open = channels.stream().filter(Channel::isActive).count();
        stopping = true;
        for (Channel c : channels) {
            c.close();
        }
        for (Channel c : channels) {
            c.closeFuture().awaitUninterruptibly(5000);
        }
        System.out.println(f("DONE open_at_stop=%d dropped_after_login=%d pings_answered=%d unexpected_lines=%d", open,
                droppedAfterLogin.get(), pings.get(), unexpected.get()));
        System.out.flush();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5000);
        System.exit(0);
    }

    static volatile boolean stopping;
    static final byte[] PONG = "PONG\n".getBytes(US_ASCII);

    /** Splits the decrypted stream into LF-terminated lines without copying them. */
    abstract static class LineHandler extends ByteToMessageDecoder {
        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            while (true) {
                int start = in.readerIndex();
                int eol = in.indexOf(start, in.writerIndex(), (byte) '\n');
                if (eol < 0) {
                    if (in.readableBytes() > 8192) {
                        System.err.println("line longer than 8 KiB; closing");
                        ctx.close();
                    }
                    return;
                }
                line(ctx, in, start, eol - start);
                in.readerIndex(eol + 1);
            }
        }

        abstract void line(ChannelHandlerContext ctx, ByteBuf buf, int start, int len);
    }

    static boolean startsWith(ByteBuf b, int start, int len, String prefix) {
        if (len < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (b.getByte(start + i) != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    // =============================================================================================
    // idle: coordinator
    // =============================================================================================

    /**
     * One sample of the server process: VmRSS and RssAnon, the resident part of the Java heap's
     * mapping (from /proc/pid/smaps, the heap's address range from GC.heap_info), the live heap
     * and committed heap (GC.heap_info), open fds and threads.
     */
    record Mem(long rssKiB, long anonKiB, long heapRssKiB, long heapUsedKiB, long heapCommittedKiB, int fds, int threads) {
    }

    /** Milliseconds to wait after a forced GC before sampling (--gc-settle-ms). */
    static int gcSettleMs = 2000;

    /** A sample of a process that is not a JVM (lipwig): /proc only, the heap fields -1. */
    static Mem sampleProc(long pid) throws Exception {
        long rss = 0, anon = 0;
        int threads = 0;
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                rss = Long.parseLong(line.replaceAll("\\D", ""));
            } else if (line.startsWith("RssAnon:")) {
                anon = Long.parseLong(line.replaceAll("\\D", ""));
            } else if (line.startsWith("Threads:")) {
                threads = Integer.parseInt(line.replaceAll("\\D", ""));
            }
        }
        int fds;
        try (var s = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            fds = (int) s.count();
        }
        return new Mem(rss, anon, -1, -1, -1, fds, threads);
    }

    static Mem sample(long pid, String jcmd, boolean gc) throws Exception {
        if (jcmd == null) {                       // not a JVM: nothing to collect from outside
            if (gc) {
                sleep(gcSettleMs);
            }
            return sampleProc(pid);
        }
        if (gc) {
            run(jcmd, Long.toString(pid), "GC.run");
            sleep(gcSettleMs);
        }
        long rss = 0, anon = 0;
        int threads = 0;
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                rss = Long.parseLong(line.replaceAll("\\D", ""));
            } else if (line.startsWith("RssAnon:")) {
                anon = Long.parseLong(line.replaceAll("\\D", ""));
            } else if (line.startsWith("Threads:")) {
                threads = Integer.parseInt(line.replaceAll("\\D", ""));
            }
        }
        int fds;
        try (var s = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            fds = (int) s.count();
        }
        long used = 0, committed = 0;
        String info = run(jcmd, Long.toString(pid), "GC.heap_info");
        Matcher m = Pattern.compile("(?m)^\\s*\\S+(?: generation)?\\s+total (\\d+)K, used (\\d+)K").matcher(info);
        while (m.find()) {
            committed += Long.parseLong(m.group(1));
            used += Long.parseLong(m.group(2));
        }
        // the heap's reserved range: lowest start to highest end of the generations' [start, top, end)
        long lo = Long.MAX_VALUE, hi = 0;
        Matcher a = Pattern.compile("total \\d+K, used \\d+K \\[0x([0-9a-f]+), 0x[0-9a-f]+, 0x([0-9a-f]+)\\)").matcher(info);
        while (a.find()) {
            lo = Math.min(lo, Long.parseUnsignedLong(a.group(1), 16));
            hi = Math.max(hi, Long.parseUnsignedLong(a.group(2), 16));
        }
        long heapRss = 0;
        if (hi > lo) {
            boolean in = false;
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/smaps"))) {
                Matcher h = SMAPS_HEADER.matcher(line);
                if (h.find()) {
                    long start = Long.parseUnsignedLong(h.group(1), 16);
                    long end = Long.parseUnsignedLong(h.group(2), 16);
                    in = start < hi && end > lo;
                } else if (in && line.startsWith("Rss:")) {
                    heapRss += Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        }
        return new Mem(rss, anon, heapRss, used, committed, fds, threads);
    }

    static final Pattern SMAPS_HEADER = Pattern.compile("^([0-9a-f]+)-([0-9a-f]+) ");

    static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        return new String(out, US_ASCII);
    }

    /** One hold worker JVM, talked to over stdin/stdout. */
    static final class Worker {
        final Process p;
        final BufferedReader out;
        final PrintStream in;
        final String name;

        Worker(String name, List<String> cmd, Path errLog) throws IOException {
            this.name = name;
            this.p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(errLog.toFile())).start();
            this.out = new BufferedReader(new InputStreamReader(p.getInputStream(), US_ASCII));
            this.in = new PrintStream(p.getOutputStream(), true, US_ASCII);
        }

        String expect(String prefix) throws IOException {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith(prefix)) {
                    return line;
                }
            }
            throw new IOException(name + " ended without " + prefix + " (exit " + (p.isAlive() ? "?" : p.exitValue()) + ")");
        }

        void stop() {
            in.println("STOP");
        }
    }

    static long field(String line, String key) {
        Matcher m = Pattern.compile(key + "=([0-9]+)").matcher(line);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    static int idle(Opts o) throws Exception {
        int port = o.i("port", 0);
        long pid = o.l("server-pid", 0);
        boolean jvm = !"false".equals(o.s("jvm", "true"));
        String jcmd = jvm ? o.req("jcmd") : null;      // lipwig (Go): no jcmd, no forced GC, no heap figures
        int settleMs = o.i("settle-ms", 3000);
        gcSettleMs = o.i("gc-settle-ms", 2000);
        int conns = o.i("conns", 10_000);
        int workers = o.i("workers", 4);
        int warmup = o.i("warmup-conns", 500);
        int idleSeconds = o.i("idle-seconds", 10);
        String metrics = o.s("metrics-url", null);
        Path out = Path.of(o.req("out"));
        Path errLog = Path.of(o.s("worker-log", out + ".workers.log"));
        Properties r = new Properties();
        List<String> base = new ArrayList<>();
        base.add(o.req("java"));
        base.addAll(Arrays.asList(o.req("worker-jvm").trim().split("\\s+")));
        base.addAll(List.of("-cp", o.req("cp"), "VerkehrBench", "hold", "--port", Integer.toString(port), "--ca", o.req("ca"),
                "--secret", o.req("secret"), "--concurrency", o.s("concurrency", "64"), "--max-seconds", o.s("worker-max-seconds", "600")));

        // 1. warm-up: connections opened, logged in and closed, so that what a first connection
        //    initializes once (JIT, TLS and buffer pools, thread stacks) is in the "before" sample
        String wr = "none";
        if (warmup > 0) {
            log("idle: warm-up with %d connections", warmup);
            Worker w0 = new Worker("warmup", cmd(base, 9, warmup), errLog);
            wr = w0.expect("READY");
            log("idle: warm-up %s", wr);
            w0.stop();
            w0.expect("DONE");
            w0.p.waitFor(30, TimeUnit.SECONDS);
        }
        sleep(settleMs);
        Mem before = sample(pid, jcmd, false);
        Mem beforeGc = sample(pid, jcmd, true);
        histogram(o, pid, jcmd, "before");
        log("idle: server before: %s / after GC %s", before, beforeGc);
        Map<String, Double> m0 = prometheus(metrics);

        // 2. the idle connections, spread over worker JVMs and 127/8 source addresses
        int per = conns / workers;
        List<Worker> ws = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < workers; i++) {
            int n = i == workers - 1 ? conns - per * (workers - 1) : per;
            ws.add(new Worker("hold-" + i, cmd(base, 10 + i, n), errLog));
        }
        long loggedIn = 0, failed = 0;
        List<String> ready = new ArrayList<>();
        for (Worker w : ws) {
            String line = w.expect("READY");
            ready.add(w.name + ": " + line);
            loggedIn += field(line, "logged_in");
            failed += field(line, "failed");
        }
        double connectSecs = (System.nanoTime() - t0) / 1e9;
        log("idle: %d logged in, %d failed, in %.1f s", loggedIn, failed, connectSecs);
        Map<String, Double> m1 = prometheus(metrics);
        log("idle: holding them idle for %d s", idleSeconds);
        sleep(idleSeconds * 1000L);
        Mem after = sample(pid, jcmd, false);
        Mem afterGc = sample(pid, jcmd, true);
        histogram(o, pid, jcmd, "connected");
        log("idle: server after: %s / after GC %s", after, afterGc);
        long stillOpen = 0, dropped = 0;
        for (Worker w : ws) {
            w.in.println("STATUS");
            String st = w.expect("STATUS");
            stillOpen += field(st, "open");
            dropped += field(st, "dropped");
        }
        Map<String, Double> m2 = prometheus(metrics);

        // 3. close them all; what stays is not per connection
        List<String> done = new ArrayList<>();
        for (Worker w : ws) {
            w.stop();
        }
        for (Worker w : ws) {
            done.add(w.name + ": " + w.expect("DONE"));
            w.p.waitFor(30, TimeUnit.SECONDS);
        }
        sleep(settleMs);
        Mem closedGc = sample(pid, jcmd, true);
        histogram(o, pid, jcmd, "closed");
        log("idle: server after all closed, GC: %s", closedGc);

        r.setProperty("target", o.s("target", "verkehr"));
        r.setProperty("label", o.s("label", o.s("target", "verkehr")));
        r.setProperty("round", o.s("round", "1"));
        r.setProperty("jvm", Boolean.toString(jvm));
        r.setProperty("conns.asked", Integer.toString(conns));
        r.setProperty("workers", Integer.toString(workers));
        r.setProperty("warmup.conns", Integer.toString(warmup));
        r.setProperty("warmup.ready", wr);
        r.setProperty("conns.logged_in", Long.toString(loggedIn));
        r.setProperty("conns.failed", Long.toString(failed));
        r.setProperty("conns.open_after_idle", Long.toString(stillOpen));
        r.setProperty("conns.dropped_while_idle", Long.toString(dropped));
        r.setProperty("connect.seconds", f("%.2f", connectSecs));
        r.setProperty("idle.seconds", Integer.toString(idleSeconds));
        r.setProperty("server.gauge.connections", Double.toString(m1.getOrDefault("verkehr_connections", -1.0)));
        r.setProperty("server.gauge.logged_in", Double.toString(m1.getOrDefault("verkehr_connections_logged_in", -1.0)));
        r.setProperty("server.gauge.logged_in_after_idle", Double.toString(m2.getOrDefault("verkehr_connections_logged_in", -1.0)));
        put(r, "before", before);
        put(r, "before_gc", beforeGc);
        put(r, "after", after);
        put(r, "after_gc", afterGc);
        put(r, "closed_gc", closedGc);
        for (int i = 0; i < ready.size(); i++) {
            r.setProperty("worker." + i + ".ready", ready.get(i));
            r.setProperty("worker." + i + ".done", done.get(i));
        }
        metricDeltas(r, "metrics.", m0, m2);
        try (Writer wtr = Files.newBufferedWriter(out)) {
            r.store(wtr, "verkehr idle scenario");
        }
        double n = Math.max(1, loggedIn);
        System.out.println(f("idle: %d connections logged in (%d failed); server RSS +%.2f KiB per connection after GC (%.2f without forcing GC); live heap +%.2f KiB",
                loggedIn, failed, (afterGc.rssKiB - beforeGc.rssKiB) / n, (after.rssKiB - before.rssKiB) / n,
                (afterGc.heapUsedKiB - beforeGc.heapUsedKiB) / n));
        return failed == 0 && dropped == 0 && loggedIn == conns ? 0 : 1;
    }

    /** The server's live-object histogram (top 60 classes) into DIR/histogram-NAME.txt, for the record. */
    static void histogram(Opts o, long pid, String jcmd, String name) throws Exception {
        String dir = o.s("histograms", null);
        if (dir != null && jcmd != null) {
            String h = run(jcmd, Long.toString(pid), "GC.class_histogram");
            Files.writeString(Path.of(dir, "histogram-r" + o.s("round", "1") + "-" + name + ".txt"), String.join("\n", h.lines().limit(64).toList()) + "\n");
        }
    }

    static List<String> cmd(List<String> base, int octet, int count) {
        List<String> c = new ArrayList<>(base);
        c.addAll(List.of("--octet", Integer.toString(octet), "--count", Integer.toString(count)));
        return c;
    }

    static void put(Properties r, String k, Mem m) {
        r.setProperty("mem." + k + ".rss_kib", Long.toString(m.rssKiB));
        r.setProperty("mem." + k + ".anon_kib", Long.toString(m.anonKiB));
        r.setProperty("mem." + k + ".heap_rss_kib", Long.toString(m.heapRssKiB));
        r.setProperty("mem." + k + ".heap_used_kib", Long.toString(m.heapUsedKiB));
        r.setProperty("mem." + k + ".heap_committed_kib", Long.toString(m.heapCommittedKiB));
        r.setProperty("mem." + k + ".fds", Integer.toString(m.fds));
        r.setProperty("mem." + k + ".threads", Integer.toString(m.threads));
    }

    static void metricDeltas(Properties r, String prefix, Map<String, Double> a, Map<String, Double> b) {
        for (Map.Entry<String, Double> e : b.entrySet()) {
            String k = e.getKey();
            if (k.contains("_total")) {
                double d = e.getValue() - a.getOrDefault(k, 0.0);
                if (d != 0) {
                    r.setProperty(prefix + k, f("%.0f", d));
                }
            }
        }
    }

    // =============================================================================================
    // direct-server: the reference fan-out
    // =============================================================================================

    /**
     * The subscribers on one event loop. Like verkehr, a message is fanned out on each subscriber's
     * own loop (inline on the publisher's loop, as a task on the others); unlike verkehr there is
     * nothing else: no ids, authorization, metrics, Redis or per-connection bounds. One flush per
     * loop covers every message queued before it runs.
     */
    static final class LoopGroup {
        final EventExecutor loop;
        volatile Channel[] channels = new Channel[0];
        boolean flushPending;

        LoopGroup(EventExecutor loop) {
            this.loop = loop;
        }

        synchronized void add(Channel c) {
            Channel[] n = Arrays.copyOf(channels, channels.length + 1);
            n[n.length - 1] = c;
            channels = n;
        }

        synchronized void remove(Channel c) {
            channels = Arrays.stream(channels).filter(x -> x != c).toArray(Channel[]::new);
        }

        void fanOut(byte[] line) {
            for (Channel c : channels) {
                c.write(Unpooled.wrappedBuffer(line), c.voidPromise());
            }
            if (!flushPending) {
                flushPending = true;
                loop.execute(() -> {
                    flushPending = false;
                    for (Channel c : channels) {
                        c.flush();
                    }
                });
            }
        }
    }

    static void directServer(Opts o) throws Exception {
        int port = o.i("port", 0);
        int threads = o.i("threads", Runtime.getRuntime().availableProcessors());
        SslContext ssl = SslContextBuilder.forServer(new File(o.req("cert")), new File(o.req("key"))).sslProvider(provider())
                .protocols("TLSv1.3", "TLSv1.2").build();
        EventLoopGroup group = group(threads);
        Map<EventExecutor, LoopGroup> groups = new ConcurrentHashMap<>();
        byte[] ok = "200\n".getBytes(US_ASCII);
        byte[] pong = "000 . PONG\n".getBytes(US_ASCII);
        ServerBootstrap b = new ServerBootstrap().group(group).channel(serverChannel())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(ssl.newHandler(ch.alloc()));
                        ch.pipeline().addLast(new LineHandler() {
                            String id = ".";
                            LoopGroup mine;

                            @Override
                            void line(ChannelHandlerContext ctx, ByteBuf buf, int start, int len) {
                                Channel c = ctx.channel();
                                if (startsWith(buf, start, len, "MCAST ")) {
                                    byte[] head = ("000 " + id + " ").getBytes(US_ASCII);
                                    byte[] line = new byte[head.length + len + 1];
                                    System.arraycopy(head, 0, line, 0, head.length);
                                    buf.getBytes(start, line, head.length, len);
                                    line[line.length - 1] = '\n';
                                    for (LoopGroup g : groups.values()) {
                                        if (g.loop.inEventLoop()) {
                                            g.fanOut(line);
                                        } else {
                                            g.loop.execute(() -> g.fanOut(line));
                                        }
                                    }
                                    c.writeAndFlush(Unpooled.wrappedBuffer(ok), c.voidPromise());
                                } else if (startsWith(buf, start, len, "SUBSCRIBE ")) {
                                    if (mine == null) {
                                        mine = groups.computeIfAbsent(c.eventLoop(), LoopGroup::new);
                                        mine.add(c);
                                    }
                                    c.writeAndFlush(Unpooled.wrappedBuffer(ok), c.voidPromise());
                                } else if (startsWith(buf, start, len, "LOGIN ")) {
                                    String l = buf.toString(start, len, US_ASCII);
                                    id = l.split(" ")[1];
                                    c.writeAndFlush(Unpooled.wrappedBuffer(ok), c.voidPromise());
                                } else if (startsWith(buf, start, len, "PING")) {
                                    c.writeAndFlush(Unpooled.wrappedBuffer(pong), c.voidPromise());
                                } else if (!startsWith(buf, start, len, "PONG")) {
                                    c.writeAndFlush(Unpooled.wrappedBuffer(ok), c.voidPromise());
                                }
                            }

                            @Override
                            public void channelInactive(ChannelHandlerContext ctx) throws Exception {
                                if (mine != null) {
                                    mine.remove(ctx.channel());
                                }
                                super.channelInactive(ctx);
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                ctx.close();
                            }
                        });
                    }
                });
        Channel listener = b.bind(new InetSocketAddress("127.0.0.1", port)).sync().channel();
        System.out.println("direct-server listening on " + listener.localAddress() + " (TLS by "
                + (OpenSsl.isAvailable() ? "BoringSSL " + OpenSsl.versionString() : "the JDK") + ", " + threads + " event loops, "
                + (EPOLL ? "epoll" : "nio") + ")");
        System.out.flush();
        watchdog(o.i("max-seconds", 900), "direct-server");
        listener.closeFuture().sync();
    }

    // =============================================================================================
    // fanout: subscribers + publisher in one JVM
    // =============================================================================================

    /** Latency samples of one receiving thread (ns); no locking on the hot path. */
    static final class Samples {
        long[] v = new long[1 << 16];
        int n;

        void add(long x) {
            if (n == v.length) {
                if (n >= 16_000_000) {
                    return;
                }
                v = Arrays.copyOf(v, n * 2);
            }
            v[n++] = x;
        }
    }

    /** What the receiving threads share. */
    static final class Fan {
        final LongAdder delivered = new LongAdder();
        final AtomicLong expected = new AtomicLong();
        final AtomicInteger alive = new AtomicInteger();
        final AtomicInteger ready = new AtomicInteger();
        final AtomicInteger setupFailed = new AtomicInteger();
        final AtomicInteger disconnected = new AtomicInteger();
        final AtomicLong gaps = new AtomicLong();
        final AtomicLong reorders = new AtomicLong();
        final AtomicInteger errors = new AtomicInteger();
        final AtomicInteger pings = new AtomicInteger();
        volatile long sampleFrom = Long.MAX_VALUE;
        volatile long sampleTo = Long.MIN_VALUE;
        final List<Samples> all = new CopyOnWriteArrayList<>();
        final ThreadLocal<Samples> mine = ThreadLocal.withInitial(() -> {
            Samples s = new Samples();
            all.add(s);
            return s;
        });
        volatile long lastSeqSent = -1;
        final List<Sub> subs = new CopyOnWriteArrayList<>();

        long[] takeSamples() {
            int total = 0;
            for (Samples s : all) {
                total += s.n;
            }
            long[] out = new long[total];
            int at = 0;
            for (Samples s : all) {
                System.arraycopy(s.v, 0, out, at, s.n);
                at += s.n;
                s.n = 0;
            }
            Arrays.sort(out);
            return out;
        }
    }

    /** Per-subscriber state, on its event loop. */
    static final class Sub {
        final int index;
        long lastSeq = -1;
        long received;
        int acks;
        boolean ready;
        boolean settled;
        Channel channel;

        Sub(int index) {
            this.index = index;
        }
    }

    static long hex(ByteBuf b, int at, int digits) {
        long v = 0;
        for (int i = 0; i < digits; i++) {
            int c = b.getByte(at + i);
            v = (v << 4) | (c <= '9' ? c - '0' : c - 'a' + 10);
        }
        return v;
    }

    /** One receipt: payload = '@' 16 hex digits of the send time (ns), ' ', 8 hex digits of the sequence, ' ', filler. */
    static void receipt(Fan fan, Sub sub, ByteBuf b, int payload) {
        long now = System.nanoTime();
        long sent = hex(b, payload + 1, 16);
        long seq = hex(b, payload + 18, 8);
        fan.delivered.increment();
        sub.received++;
        if (seq <= sub.lastSeq) {
            fan.reorders.incrementAndGet();
        } else {
            if (seq != sub.lastSeq + 1) {
                fan.gaps.addAndGet(seq - sub.lastSeq - 1);
            }
            sub.lastSeq = seq;
        }
        if (sent >= fan.sampleFrom && sent < fan.sampleTo) {
            fan.mine.get().add(now - sent);
        }
    }

    static void fillPayload(byte[] dst, int at, int size, long sentNanos, long seq) {
        dst[at] = '@';
        putHex(dst, at + 1, sentNanos, 16);
        dst[at + 17] = ' ';
        putHex(dst, at + 18, seq, 8);
        dst[at + 26] = ' ';
        for (int i = at + 27; i < at + size; i++) {
            dst[i] = 'x';
        }
    }

    static void putHex(byte[] dst, int at, long v, int digits) {
        for (int i = digits - 1; i >= 0; i--) {
            int d = (int) (v & 15);
            dst[at + i] = (byte) (d < 10 ? '0' + d : 'a' + d - 10);
            v >>>= 4;
        }
    }

    /** The publisher: one JDK TLS socket; a reader thread counts the 200s (SSMP). */
    static final class Publisher {
        final boolean mqtt;
        final SSLSocket socket;
        final OutputStream out;
        final AtomicLong acks = new AtomicLong();
        final AtomicInteger otherLines = new AtomicInteger();
        final byte[] buf;
        final int payloadAt;
        final int size;
        final String protocol;
        final String cipher;

        Publisher(SSLContext tls, int port, boolean mqtt, String secret, int payloadSize) throws Exception {
            this.mqtt = mqtt;
            this.size = payloadSize;
            socket = (SSLSocket) tls.getSocketFactory().createSocket();
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setTcpNoDelay(true);
            socket.startHandshake();
            SSLSession s = socket.getSession();
            protocol = s.getProtocol();
            cipher = s.getCipherSuite();
            out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
            InputStream in = socket.getInputStream();
            if (mqtt) {
                out.write(mqttConnect(PUBLISHER_ID));
                out.flush();
                byte[] connack = in.readNBytes(4);
                if (connack.length != 4 || connack[0] != 0x20 || connack[3] != 0) {
                    throw new IOException("publisher: no CONNACK: " + Arrays.toString(connack));
                }
                byte[] topic = TOPIC.getBytes(US_ASCII);
                int rem = 2 + topic.length + payloadSize;
                byte[] head = new byte[1 + varIntLength(rem) + 2 + topic.length];
                head[0] = 0x30;
                int p = writeVarInt(head, 1, rem);
                head[p++] = (byte) (topic.length >> 8);
                head[p++] = (byte) topic.length;
                System.arraycopy(topic, 0, head, p, topic.length);
                // PUBLISH then PINGREQ: the PINGRESP says the broker has taken the PUBLISH (it handles a
                // connection's packets in order), the same "accepted" an SSMP 200 after MCAST says
                buf = Arrays.copyOf(head, head.length + payloadSize + 2);
                buf[buf.length - 2] = (byte) 0xC0;
                buf[buf.length - 1] = 0;
                payloadAt = head.length;
            } else {
                out.write(("LOGIN " + PUBLISHER_ID + " secret " + secret + "\n").getBytes(US_ASCII));
                out.flush();
                String first = readLine(in);
                if (!"200".equals(first)) {
                    throw new IOException("publisher: LOGIN answered " + first);
                }
                byte[] head = ("MCAST " + TOPIC + " ").getBytes(US_ASCII);
                buf = Arrays.copyOf(head, head.length + payloadSize + 1);
                buf[buf.length - 1] = '\n';
                payloadAt = head.length;
            }
            Thread reader = new Thread(() -> {
                try {
                    if (mqtt) {
                        int c;
                        while ((c = in.read()) >= 0) {
                            if (c == 0xD0 && in.read() == 0) {
                                acks.incrementAndGet();
                            } else if (otherLines.incrementAndGet() <= 5) {
                                System.err.println("publisher: unexpected byte from the broker: " + c);
                            }
                        }
                        return;
                    }
                    String line;
                    while ((line = readLine(in)) != null) {
                        if (line.equals("200")) {
                            acks.incrementAndGet();
                        } else if (line.equals("000 . PING")) {
                            synchronized (this) {
                                out.write(PONG);
                                out.flush();
                            }
                        } else if (otherLines.incrementAndGet() <= 5) {
                            System.err.println("publisher: unexpected line: " + line);
                        }
                    }
                } catch (IOException e) {
                    if (!socket.isClosed()) {
                        System.err.println("publisher: read failed: " + e);
                    }
                }
            }, "publisher-reader");
            reader.setDaemon(true);
            reader.start();
        }

        synchronized void send(long sentNanos, long seq) throws IOException {
            fillPayload(buf, payloadAt, size, sentNanos, seq);
            out.write(buf);
        }

        synchronized void flush() throws IOException {
            out.flush();
        }

        void close() {
            try {
                synchronized (this) {
                    out.write(mqtt ? new byte[] {(byte) 0xE0, 0} : "CLOSE\n".getBytes(US_ASCII));
                    out.flush();
                }
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(16);
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                return b.toString(US_ASCII);
            }
            b.write(c);
        }
        return null;
    }

    static int varIntLength(int v) {
        return v < 128 ? 1 : v < 16384 ? 2 : v < 2097152 ? 3 : 4;
    }

    static int writeVarInt(byte[] b, int at, int v) {
        do {
            int d = v % 128;
            v /= 128;
            b[at++] = (byte) (v > 0 ? d | 128 : d);
        } while (v > 0);
        return at;
    }

    static byte[] mqttConnect(String clientId) {
        byte[] id = clientId.getBytes(US_ASCII);
        int rem = 10 + 2 + id.length;
        byte[] b = new byte[2 + rem];
        int p = 0;
        b[p++] = 0x10;
        b[p++] = (byte) rem;
        byte[] vh = {0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 0}; // MQTT 3.1.1, clean session, no keep-alive
        System.arraycopy(vh, 0, b, p, vh.length);
        p += vh.length;
        b[p++] = (byte) (id.length >> 8);
        b[p++] = (byte) id.length;
        System.arraycopy(id, 0, b, p, id.length);
        return b;
    }

    static byte[] mqttSubscribe(String topic) {
        byte[] t = topic.getBytes(US_ASCII);
        int rem = 2 + 2 + t.length + 1;
        byte[] b = new byte[2 + rem];
        b[0] = (byte) 0x82;
        b[1] = (byte) rem;
        b[2] = 0;
        b[3] = 1;
        b[4] = (byte) (t.length >> 8);
        b[5] = (byte) t.length;
        System.arraycopy(t, 0, b, 6, t.length);
        b[b.length - 1] = 0; // QoS 0
        return b;
    }

    /** SSMP subscriber: LOGIN and SUBSCRIBE pipelined, then counts MCAST events. */
    static final class SsmpSub extends LineHandler {
        final Fan fan;
        final Sub sub;
        final String secret;
        final Runnable settle;

        SsmpSub(Fan fan, Sub sub, String secret, Runnable settle) {
            this.fan = fan;
            this.sub = sub;
            this.secret = secret;
            this.settle = settle;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            sub.channel = ctx.channel();
            ctx.writeAndFlush(Unpooled.copiedBuffer("LOGIN s" + sub.index + " secret " + secret + "\nSUBSCRIBE " + TOPIC + "\n", US_ASCII));
            super.channelActive(ctx);
        }

        @Override
        void line(ChannelHandlerContext ctx, ByteBuf b, int start, int len) {
            if (len > 4 && b.getByte(start) == '0' && b.getByte(start + 1) == '0' && b.getByte(start + 2) == '0') {
                int at = b.indexOf(start + 4, start + len, (byte) '@');
                if (at >= 0 && at + 26 <= start + len) {
                    receipt(fan, sub, b, at);
                } else if (startsWith(b, start, len, "000 . PING")) {
                    fan.pings.incrementAndGet();
                    ctx.writeAndFlush(Unpooled.wrappedBuffer(PONG));
                } else if (fan.errors.incrementAndGet() <= 5) {
                    System.err.println("subscriber s" + sub.index + ": unexpected event: " + b.toString(start, len, US_ASCII));
                }
            } else if (startsWith(b, start, len, "200")) {
                if (++sub.acks == 2 && !sub.settled) {
                    sub.ready = true;
                    sub.settled = true;
                    fan.ready.incrementAndGet();
                    fan.alive.incrementAndGet();
                    settle.run();
                }
            } else if (fan.errors.incrementAndGet() <= 5) {
                System.err.println("subscriber s" + sub.index + ": unexpected line: " + b.toString(start, len, US_ASCII));
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            subscriberGone(fan, sub, settle);
            super.channelInactive(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (fan.errors.incrementAndGet() <= 5) {
                System.err.println("subscriber s" + sub.index + ": " + cause);
            }
            ctx.close();
        }
    }

    static void subscriberGone(Fan fan, Sub sub, Runnable settle) {
        if (!sub.settled) {
            sub.settled = true;
            fan.setupFailed.incrementAndGet();
            settle.run();
        } else if (sub.ready && !stopping) {
            sub.ready = false;
            fan.alive.decrementAndGet();
            fan.disconnected.incrementAndGet();
            // what it will never receive no longer counts as in flight
            fan.expected.addAndGet(-(fan.lastSeqSent - sub.lastSeq));
            if (fan.disconnected.get() <= 5) {
                System.err.println("subscriber s" + sub.index + " disconnected by the server after " + sub.received + " messages");
            }
        }
    }

    /** MQTT 3.1.1 subscriber: CONNECT and SUBSCRIBE (QoS 0) pipelined, then counts PUBLISH packets. */
    static final class MqttSub extends ByteToMessageDecoder {
        final Fan fan;
        final Sub sub;
        final Runnable settle;

        MqttSub(Fan fan, Sub sub, Runnable settle) {
            this.fan = fan;
            this.sub = sub;
            this.settle = settle;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            sub.channel = ctx.channel();
            ByteBuf b = ctx.alloc().buffer();
            b.writeBytes(mqttConnect("s" + sub.index));
            b.writeBytes(mqttSubscribe(TOPIC));
            ctx.writeAndFlush(b);
            super.channelActive(ctx);
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            while (true) {
                int start = in.readerIndex();
                int end = in.writerIndex();
                if (end - start < 2) {
                    return;
                }
                int first = in.getByte(start) & 0xff;
                int len = 0;
                int mult = 1;
                int p = start + 1;
                while (true) {
                    if (p >= end) {
                        return;
                    }
                    int d = in.getByte(p++) & 0xff;
                    len += (d & 127) * mult;
                    mult *= 128;
                    if ((d & 128) == 0) {
                        break;
                    }
                    if (mult > 2097152) {
                        ctx.close();
                        return;
                    }
                }
                if (end - p < len) {
                    return;
                }
                int type = first >> 4;
                if (type == 3) {
                    int topicLen = in.getUnsignedShort(p);
                    int payload = p + 2 + topicLen + (((first >> 1) & 3) > 0 ? 2 : 0);
                    if (in.getByte(payload) == '@') {
                        receipt(fan, sub, in, payload);
                    }
                } else if (type == 2) {
                    if (in.getByte(p + 1) != 0 && fan.errors.incrementAndGet() <= 5) {
                        System.err.println("subscriber s" + sub.index + ": CONNACK refused " + in.getByte(p + 1));
                    }
                    sub.acks++;
                } else if (type == 9) {
                    if ((in.getByte(p + 2) & 0xff) == 0x80 && fan.errors.incrementAndGet() <= 5) {
                        System.err.println("subscriber s" + sub.index + ": SUBACK failure");
                    }
                    if (++sub.acks == 2 && !sub.settled) {
                        sub.ready = true;
                        sub.settled = true;
                        fan.ready.incrementAndGet();
                        fan.alive.incrementAndGet();
                        settle.run();
                    }
                }
                in.readerIndex(p + len);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            subscriberGone(fan, sub, settle);
            super.channelInactive(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (fan.errors.incrementAndGet() <= 5) {
                System.err.println("subscriber s" + sub.index + ": " + cause);
            }
            ctx.close();
        }
    }

    /** CPU ticks of a process (utime + stime), or -1. */
    static long procTicks(long pid) {
        try {
            String s = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (Exception e) {
            return -1;
        }
    }

    /** Busy ticks of the whole machine (user nice system irq softirq steal), from /proc/stat. */
    static long machineTicks() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
            return Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3]) + Long.parseLong(f[6]) + Long.parseLong(f[7])
                    + Long.parseLong(f[8]);
        } catch (Exception e) {
            return -1;
        }
    }

    /** CPU use over a window, in cores. */
    static final class Cpu {
        final long server0, tool0, machine0, t0;
        final long serverPid, toolPid;
        final double hz;

        Cpu(long serverPid, double hz) {
            this.serverPid = serverPid;
            this.toolPid = ProcessHandle.current().pid();
            this.hz = hz;
            server0 = procTicks(serverPid);
            tool0 = procTicks(toolPid);
            machine0 = machineTicks();
            t0 = System.nanoTime();
        }

        double[] end() {
            double secs = (System.nanoTime() - t0) / 1e9;
            double server = (procTicks(serverPid) - server0) / hz / secs;
            double tool = (procTicks(toolPid) - tool0) / hz / secs;
            double machine = (machineTicks() - machine0) / hz / secs;
            return new double[] {server, tool, machine - server - tool, machine};
        }
    }

    /** Waits up to {@code seconds} for the machine to be quiet (< 0.3 cores busy over a second). */
    static double[] quiet(int seconds, double hz) {
        double busy = -1;
        for (int i = 0; i < Math.max(1, seconds); i++) {
            long a = machineTicks();
            sleep(1000);
            busy = (machineTicks() - a) / hz;
            if (busy < 0.3) {
                return new double[] {1, busy};
            }
        }
        return new double[] {0, busy};
    }

    static int fanout(Opts o) throws Exception {
        String target = o.req("target");
        boolean mqtt = target.equals("mqtt");
        int port = o.i("port", 0);
        int n = o.i("subscribers", 2000);
        int payloadSize = o.i("payload", 100);
        int warmup = o.i("warmup", 5);
        int duration = o.i("duration", 15);
        int latWarmup = o.i("lat-warmup", 3);
        int latDuration = o.i("lat-duration", 15);
        int ackWindow = o.i("ack-window", 32);
        int perSub = o.i("inflight-per-sub", 1000);
        long serverPid = o.l("server-pid", 0);
        double hz = o.d("clk-tck", 100);
        String secret = o.s("secret", "");
        String metrics = o.s("metrics-url", null);
        String label = o.s("label", target);
        Path out = Path.of(o.req("out"));
        if (payloadSize < 27 || payloadSize > 1024) {
            throw new IllegalArgumentException("--payload must be 27-1024 bytes");
        }
        watchdog(o.i("max-seconds", 300), "fanout");
        Properties r = new Properties();
        r.setProperty("target", target);
        r.setProperty("label", label);
        r.setProperty("round", o.s("round", "1"));
        r.setProperty("subscribers.asked", Integer.toString(n));
        r.setProperty("payload", Integer.toString(payloadSize));
        r.setProperty("ack_window", Integer.toString(ackWindow));
        r.setProperty("inflight_per_sub", Integer.toString(perSub));

        if (o.i("quiet-wait", 20) > 0) {
            double[] q = quiet(o.i("quiet-wait", 20), hz);
            r.setProperty("quiet", q[0] > 0 ? "yes" : "no");
            r.setProperty("busy_before", f("%.2f", q[1]));
        } else {
            r.setProperty("quiet", "not checked");
            r.setProperty("busy_before", "?");
        }

        Fan fan = new Fan();
        SslContext ssl = clientSsl(o.req("ca"));
        EventLoopGroup group = group(o.i("threads", Runtime.getRuntime().availableProcessors()));
        Semaphore permits = new Semaphore(o.i("concurrency", 64));
        CountDownLatch settled = new CountDownLatch(n);
        InetSocketAddress remote = new InetSocketAddress("127.0.0.1", port);
        Map<String, Double> m0 = prometheus(metrics);
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            permits.acquire();
            Sub sub = new Sub(i);
            fan.subs.add(sub);
            AtomicInteger once = new AtomicInteger();
            Runnable settle = () -> {
                if (once.compareAndSet(0, 1)) {
                    permits.release();
                    settled.countDown();
                }
            };
            Bootstrap b = new Bootstrap().group(group).channel(clientChannel())
                    .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(ssl.newHandler(ch.alloc(), "127.0.0.1", port));
                            ch.pipeline().addLast(mqtt ? new MqttSub(fan, sub, settle) : new SsmpSub(fan, sub, secret, settle));
                        }
                    });
            b.connect(remote, new InetSocketAddress(source(20, i), 0)).addListener(f -> {
                if (!f.isSuccess()) {
                    fan.setupFailed.incrementAndGet();
                    if (fan.setupFailed.get() <= 5) {
                        System.err.println("connect failed: " + f.cause());
                    }
                    settle.run();
                }
            });
        }
        if (!settled.await(120, TimeUnit.SECONDS)) {
            log("%s: only %d of %d subscribers ready after 120 s", label, fan.ready.get(), n);
        }
        double connectSecs = (System.nanoTime() - t0) / 1e9;
        r.setProperty("subscribers.ready", Integer.toString(fan.ready.get()));
        r.setProperty("subscribers.setup_failed", Integer.toString(fan.setupFailed.get()));
        r.setProperty("connect.seconds", f("%.2f", connectSecs));
        log("%s: %d subscribers ready (%d failed) in %.1f s", label, fan.ready.get(), fan.setupFailed.get(), connectSecs);
        String[] tls = {"?", "?"};
        for (Sub s : fan.subs) {
            if (s.channel != null && s.channel.isActive()) {
                SslHandler h = s.channel.pipeline().get(SslHandler.class);
                tls = new String[] {h.engine().getSession().getProtocol(), h.engine().getSession().getCipherSuite()};
                break;
            }
        }
        r.setProperty("tls.subscribers", tls[0] + " " + tls[1] + " (" + provider() + ")");
        if (fan.ready.get() == 0) {
            try (Writer w = Files.newBufferedWriter(out)) {
                r.store(w, "fanout " + label + ": no subscriber");
            }
            return 1;
        }
        Publisher pub = new Publisher(jdkSsl(o.req("ca")), port, mqtt, secret, payloadSize);
        r.setProperty("tls.publisher", pub.protocol + " " + pub.cipher + " (JDK)");
        sleep(500);

        // ---- saturation: as fast as the server takes them, bounded by acks and by deliveries in flight
        long seq = 0;
        long sent = 0;
        long waitsAck = 0, waitsInflight = 0;
        long tStart = System.nanoTime();
        long mStart = tStart + TimeUnit.SECONDS.toNanos(warmup);
        long mEnd = mStart + TimeUnit.SECONDS.toNanos(duration);
        fan.sampleFrom = mStart;
        fan.sampleTo = mEnd;
        long d0 = -1, s0 = -1;
        Cpu cpu = null;
        double[] satCpu = null;
        long d1 = 0, s1 = 0;
        boolean unflushed = false;
        log("%s: saturation, %d s warm-up + %d s measured", label, warmup, duration);
        while (true) {
            long now = System.nanoTime();
            if (d0 < 0 && now >= mStart) {
                d0 = fan.delivered.sum();
                s0 = sent;
                cpu = new Cpu(serverPid, hz);
            }
            if (now >= mEnd) {
                d1 = fan.delivered.sum();
                s1 = sent;
                satCpu = cpu.end();
                break;
            }
            boolean ackFull = sent - pub.acks.get() >= ackWindow;
            boolean inflightFull = perSub > 0 && fan.expected.get() - fan.delivered.sum() >= (long) Math.max(1, fan.alive.get()) * perSub;
            if (ackFull || inflightFull) {
                if (unflushed) {
                    pub.flush();
                    unflushed = false;
                }
                if (ackFull) {
                    waitsAck++;
                } else {
                    waitsInflight++;
                }
                LockSupport.parkNanos(200_000);
                continue;
            }
            fan.lastSeqSent = seq;
            fan.expected.addAndGet(fan.alive.get());
            pub.send(System.nanoTime(), seq++);
            sent++;
            unflushed = true;
            if (sent % 8 == 0) {
                pub.flush();
                unflushed = false;
            }
        }
        pub.flush();
        double satSecs = (mEnd - mStart) / 1e9;
        double satRate = (d1 - d0) / satSecs;
        double satPubRate = (s1 - s0) / satSecs;
        long drained = drain(fan, 10_000);
        long[] satLat = fan.takeSamples();
        r.setProperty("sat.seconds", f("%.1f", satSecs));
        r.setProperty("sat.delivered_per_s", f("%.0f", satRate));
        r.setProperty("sat.published_per_s", f("%.1f", satPubRate));
        r.setProperty("sat.waits_ack", Long.toString(waitsAck));
        r.setProperty("sat.waits_inflight", Long.toString(waitsInflight));
        r.setProperty("sat.drain_ms", Long.toString(drained));
        latency(r, "sat.lat", satLat);
        cpu(r, "sat.cpu", satCpu);
        log("%s: saturation %.0f deliveries/s (%.1f publishes/s); cpu server %.2f tool %.2f other %.2f cores; p50 %.2f ms p99 %.2f ms",
                label, satRate, satPubRate, satCpu[0], satCpu[1], satCpu[2], pct(satLat, 0.5) / 1e6, pct(satLat, 0.99) / 1e6);

        // ---- latency at half the saturation rate (the target), then at a light load common to every target:
        //      open-loop schedule, each payload stamped with its scheduled send time
        int aliveNow = Math.max(1, fan.alive.get());
        double halfRate = o.d("lat-rate", 0) > 0 ? o.d("lat-rate", 0) : 0.5 * satRate / aliveNow;
        long[] seqBox = {seq};
        boolean overloaded = paced(r, "lat", label, "half rate", fan, pub, seqBox, halfRate, latWarmup, latDuration, serverPid, hz);
        // the same open-loop load at another server's half rate (verkehr at half of lipwig's saturation),
        // so that the two p99s compare at one rate; its overload is recorded, not a failure of this run
        double refRate = o.d("ref-lat-rate", 0);
        if (refRate > 0) {
            paced(r, "ref", label, o.s("ref-lat-what", f("%.2f publishes/s", refRate)), fan, pub, seqBox, refRate, latWarmup,
                    latDuration, serverPid, hz);
        }
        double lowRate = o.d("low-rate", 10);
        if (lowRate > 0 && o.i("low-duration", 10) > 0) {
            paced(r, "low", label, f("a light load of %.0f publishes/s", lowRate), fan, pub, seqBox, lowRate,
                    Math.min(latWarmup, 2), o.i("low-duration", 10), serverPid, hz);
        }
        seq = seqBox[0];

        // ---- integrity: every live subscriber should have every message, in order
        long missingTail = 0;
        for (Sub s : fan.subs) {
            if (s.ready) {
                missingTail += fan.lastSeqSent - s.lastSeq;
            }
        }
        r.setProperty("messages.published", Long.toString(seq));
        r.setProperty("deliveries.total", Long.toString(fan.delivered.sum()));
        r.setProperty("deliveries.expected", Long.toString(fan.expected.get()));
        r.setProperty("lost.gaps", Long.toString(fan.gaps.get()));
        r.setProperty("lost.tail", Long.toString(missingTail));
        r.setProperty("reordered", Long.toString(fan.reorders.get()));
        r.setProperty("subscribers.disconnected", Integer.toString(fan.disconnected.get()));
        r.setProperty("subscribers.alive_at_end", Integer.toString(fan.alive.get()));
        r.setProperty("errors", Integer.toString(fan.errors.get()));
        r.setProperty("pings", Integer.toString(fan.pings.get()));
        r.setProperty("publisher.unexpected_lines", Integer.toString(pub.otherLines.get()));
        Map<String, Double> m1 = prometheus(metrics);
        metricDeltas(r, "metrics.", m0, m1);

        stopping = true;
        pub.close();
        for (Sub s : fan.subs) {
            if (s.channel != null) {
                s.channel.close();
            }
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5000);
        try (Writer w = Files.newBufferedWriter(out)) {
            r.store(w, "fanout " + label);
        }
        boolean clean = fan.gaps.get() == 0 && missingTail == 0 && fan.reorders.get() == 0 && fan.disconnected.get() == 0
                && fan.setupFailed.get() == 0 && !overloaded;
        log("%s: %s (gaps %d, tail %d, reordered %d, disconnected %d, setup failures %d)", label, clean ? "clean" : "NOT CLEAN",
                fan.gaps.get(), missingTail, fan.reorders.get(), fan.disconnected.get(), fan.setupFailed.get());
        return clean ? 0 : 1;
    }

    /**
     * Publishes at {@code pubRate} messages/s on an open-loop schedule for {@code warm + dur} seconds
     * and records publish-to-receipt latency of the messages scheduled in the last {@code dur}
     * seconds. Returns whether it had to stop because deliveries fell too far behind.
     */
    static boolean paced(Properties r, String k, String label, String what, Fan fan, Publisher pub, long[] seqBox, double pubRate,
            int warm, int dur, long serverPid, double hz) throws IOException {
        int alive = Math.max(1, fan.alive.get());
        long interval = (long) (1e9 / pubRate);
        long start = System.nanoTime() + 200_000_000L;
        long mStart = start + TimeUnit.SECONDS.toNanos(warm);
        long mEnd = mStart + TimeUnit.SECONDS.toNanos(dur);
        fan.sampleFrom = mStart;
        fan.sampleTo = mEnd;
        long next = start;
        long d0 = -1;
        long t0 = 0;
        Cpu cpu = null;
        long late = 0;
        boolean overloaded = false;
        log("%s: latency at %s: %.2f publishes/s (%.0f deliveries/s), %d s warm-up + %d s measured", label, what, pubRate,
                pubRate * alive, warm, dur);
        while (next < mEnd) {
            long now;
            while ((now = System.nanoTime()) < next) {
                LockSupport.parkNanos(next - now);
            }
            if (d0 < 0 && now >= mStart) {
                d0 = fan.delivered.sum();
                t0 = now;
                cpu = new Cpu(serverPid, hz);
            }
            if (now - next > 1_000_000) {
                late++;
            }
            fan.lastSeqSent = seqBox[0];
            fan.expected.addAndGet(fan.alive.get());
            pub.send(next, seqBox[0]++);
            pub.flush();
            next += interval;
            if (fan.expected.get() - fan.delivered.sum() > (long) alive * 2000) {
                overloaded = true;
                log("%s: more than 2000 messages per subscriber in flight; stopping this latency run", label);
                break;
            }
        }
        long d1 = fan.delivered.sum();
        double secs = d0 < 0 ? 0 : (System.nanoTime() - t0) / 1e9;
        double[] c = cpu == null ? null : cpu.end();
        long drained = drain(fan, 10_000);
        long[] lat = fan.takeSamples();
        r.setProperty(k + ".what", what);
        r.setProperty(k + ".published_per_s", f("%.2f", pubRate));
        r.setProperty(k + ".target_deliveries_per_s", f("%.0f", pubRate * alive));
        r.setProperty(k + ".delivered_per_s", f("%.0f", secs > 0 ? (d1 - d0) / secs : 0));
        r.setProperty(k + ".publisher_late_over_1ms", Long.toString(late));
        r.setProperty(k + ".overloaded", Boolean.toString(overloaded));
        r.setProperty(k + ".drain_ms", Long.toString(drained));
        latency(r, k + ".lat", lat);
        if (c != null) {
            cpu(r, k + ".cpu", c);
        }
        log("%s: %s: p50 %.2f ms, p99 %.2f ms, max %.2f ms over %d receipts; cpu server %.2f tool %.2f other %.2f", label, what,
                pct(lat, 0.5) / 1e6, pct(lat, 0.99) / 1e6, lat.length == 0 ? 0 : lat[lat.length - 1] / 1e6, lat.length,
                c == null ? 0 : c[0], c == null ? 0 : c[1], c == null ? 0 : c[2]);
        return overloaded;
    }

    /** Waits until every delivery in flight has arrived (or the time is up); returns the ms waited. */
    static long drain(Fan fan, long maxMs) {
        long t0 = System.nanoTime();
        while (fan.delivered.sum() < fan.expected.get() && (System.nanoTime() - t0) / 1_000_000 < maxMs) {
            sleep(5);
        }
        return (System.nanoTime() - t0) / 1_000_000;
    }

    static double pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int i = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    static void latency(Properties r, String k, long[] v) {
        r.setProperty(k + ".samples", Integer.toString(v.length));
        r.setProperty(k + ".p50_ms", f("%.3f", pct(v, 0.50) / 1e6));
        r.setProperty(k + ".p90_ms", f("%.3f", pct(v, 0.90) / 1e6));
        r.setProperty(k + ".p99_ms", f("%.3f", pct(v, 0.99) / 1e6));
        r.setProperty(k + ".p999_ms", f("%.3f", pct(v, 0.999) / 1e6));
        r.setProperty(k + ".max_ms", f("%.3f", v.length == 0 ? Double.NaN : v[v.length - 1] / 1e6));
    }

    /** Other processes busier than this (cores) during a window mark it as disturbed. */
    static final double BUSY_OTHER = 0.3;

    static void cpu(Properties r, String k, double[] c) {
        r.setProperty(k + ".disturbed", Boolean.toString(c[2] > BUSY_OTHER));
        r.setProperty(k + ".server", f("%.2f", c[0]));
        r.setProperty(k + ".tool", f("%.2f", c[1]));
        r.setProperty(k + ".other", f("%.2f", c[2]));
        r.setProperty(k + ".machine", f("%.2f", c[3]));
    }

    // =============================================================================================
    // report
    // =============================================================================================

    static Properties load(Path p) throws IOException {
        Properties r = new Properties();
        if (Files.exists(p)) {
            try (var in = Files.newBufferedReader(p)) {
                r.load(in);
            }
        }
        return r;
    }

    static double num(Properties p, String k) {
        String v = p.getProperty(k);
        try {
            return v == null ? Double.NaN : Double.parseDouble(v);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    static String n0(double v) {
        return Double.isNaN(v) ? "?" : f("%,.0f", v);
    }

    static String n2(double v) {
        return Double.isNaN(v) ? "?" : f("%,.2f", v);
    }

    static String signed(double v) {
        return Double.isNaN(v) ? "?" : f("%+,.2f", v);
    }

    static String ratio(double a, double b) {
        return Double.isNaN(a) || Double.isNaN(b) || b == 0 ? "?" : f("%.2f", a / b);
    }

    static double median(List<Double> xs) {
        List<Double> s = xs.stream().filter(x -> x != null && !x.isNaN()).sorted().toList();
        if (s.isEmpty()) {
            return Double.NaN;
        }
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    /** The median over rounds of a[i] / b[i], each ratio taken within one round (a round missing either is left out). */
    static double pairedRatio(List<Double> a, List<Double> b) {
        List<Double> r = new ArrayList<>();
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            r.add(a.get(i) / b.get(i));
        }
        return median(r);
    }

    /** One figure of one server per round (NaN where that round has no run). */
    static List<Double> perRound(Map<String, Properties[]> runs, String target, java.util.function.ToDoubleFunction<Properties> f) {
        Properties[] rs = runs.get(target);
        List<Double> out = new ArrayList<>();
        if (rs != null) {
            for (Properties p : rs) {
                out.add(p == null ? Double.NaN : f.applyAsDouble(p));
            }
        }
        return out;
    }

    static boolean any(Map<String, Properties[]> runs, String target) {
        return runs.containsKey(target) && Arrays.stream(runs.get(target)).anyMatch(java.util.Objects::nonNull);
    }

    /**
     * RUN_DIR/<kind>-<round>-<order>-<target>.properties by target and round (1-based, index round - 1);
     * inOrder gets them in the order they ran (round, then order within the round).
     */
    static Map<String, Properties[]> runsOf(Path dir, String kind, int rounds, List<Properties> inOrder) throws IOException {
        Map<String, Properties[]> out = new LinkedHashMap<>();
        List<Path> files;
        try (var st = Files.list(dir)) {
            files = st.filter(x -> x.getFileName().toString().startsWith(kind + "-") && x.toString().endsWith(".properties"))
                    .sorted(java.util.Comparator.comparing((Path x) -> {
                        String[] p = x.getFileName().toString().split("-");
                        return f("%04d", p.length > 1 && p[1].matches("\\d+") ? Integer.parseInt(p[1]) : 0) + x.getFileName();
                    })).toList();
        }
        for (Path p : files) {
            Properties r = load(p);
            int round = (int) num(r, "round");
            String target = r.getProperty("target", "?");
            if (Double.isNaN(num(r, "round")) || round < 1 || round > rounds) {
                continue;
            }
            out.computeIfAbsent(target, t -> new Properties[rounds])[round - 1] = r;
            inOrder.add(r);
        }
        return out;
    }

    static String label(Map<String, Properties[]> runs, String target, String dflt) {
        Properties[] rs = runs.get(target);
        if (rs != null) {
            for (Properties p : rs) {
                if (p != null && p.getProperty("label") != null) {
                    return p.getProperty("label");
                }
            }
        }
        return dflt;
    }

    static int report(Opts o) throws IOException {
        Path dir = Path.of(o.req("dir"));
        int rounds = o.i("rounds", 1);
        String lipwigMissing = o.s("lipwig-missing", null);
        String lwNot = "not measured: " + (lipwigMissing != null ? lipwigMissing : "no lipwig run");
        StringBuilder md = new StringBuilder();
        StringBuilder sum = new StringBuilder();
        int rc = 0;

        // ---- 1. idle
        List<Properties> idleOrder = new ArrayList<>();
        Map<String, Properties[]> idle = runsOf(dir, "idle", rounds, idleOrder);
        if (!idleOrder.isEmpty()) {
            md.append("## 1. Idle TLS connections\n\n");
            Properties any = idleOrder.get(0);
            md.append(f("In each of %d round(s), both servers freshly started: %s TLS connections asked from %s load processes, each from "
                    + "its own source address in 127/8, logged in (`LOGIN <id> secret …`) and left idle for %s s, on verkehr and on "
                    + "lipwig in turn (round i starts with the i-th). %s Per connection = RSS growth (`VmRSS`, /proc/<pid>/status) / connections logged in. verkehr "
                    + "is a JVM: its figure is taken after `jcmd GC.run` before and after; lipwig's Go runtime cannot be made to collect "
                    + "from outside, so its second sample is a plain one taken at the same point.%s\n\n",
                    rounds, n0(num(any, "conns.asked")), any.getProperty("workers"), any.getProperty("idle.seconds"),
                    num(any, "warmup.conns") > 0 ? "Before the \"before\" sample, " + any.getProperty("warmup.conns")
                            + " warm-up connections were opened, logged in and closed." : "No warm-up connections (QUICK).", lipwigMissing != null ? " **lipwig " + lwNot + ".**" : ""));
            md.append("| round | server | logged in (failed, dropped) | VmRSS before | idle: first sample / after GC or 2nd sample | per connection: "
                    + "after GC or 2nd sample | first sample | of it outside the Java heap | live heap | fds | threads |\n");
            md.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
            for (Properties p : idleOrder) {
                double conns = Math.max(1, num(p, "conns.logged_in"));
                boolean jvm = Boolean.parseBoolean(p.getProperty("jvm", "true"));
                md.append(f("| %s | %s | %s (%s, %s) | %s KiB | %s / %s KiB | **+%s KiB** | +%s KiB | %s | %s | %s | %s |\n", p.getProperty("round"),
                        p.getProperty("label"), n0(num(p, "conns.logged_in")), n0(num(p, "conns.failed")), n0(num(p, "conns.dropped_while_idle")),
                        n0(num(p, "mem.before_gc.rss_kib")), n0(num(p, "mem.after.rss_kib")), n0(num(p, "mem.after_gc.rss_kib")),
                        n2(delta(p, "rss_kib", "before_gc", "after_gc") / conns), n2(delta(p, "rss_kib", "before", "after") / conns),
                        jvm ? signed((delta(p, "rss_kib", "before_gc", "after_gc") - delta(p, "heap_rss_kib", "before_gc", "after_gc")) / conns)
                                + " KiB" : "–",
                        jvm ? signed(delta(p, "heap_used_kib", "before_gc", "after_gc") / conns) + " KiB" : "–",
                        n0(num(p, "mem.after.fds")), n0(num(p, "mem.after.threads"))));
            }
            java.util.function.ToDoubleFunction<Properties> perGc = p -> delta(p, "rss_kib", "before_gc", "after_gc")
                    / Math.max(1, num(p, "conns.logged_in"));
            java.util.function.ToDoubleFunction<Properties> perNoGc = p -> delta(p, "rss_kib", "before", "after")
                    / Math.max(1, num(p, "conns.logged_in"));
            double vk = median(perRound(idle, "verkehr", perGc)), vkNoGc = median(perRound(idle, "verkehr", perNoGc));
            double lw = median(perRound(idle, "lipwig", perGc)), lwNoGc = median(perRound(idle, "lipwig", perNoGc));
            double ratioGc = pairedRatio(perRound(idle, "verkehr", perGc), perRound(idle, "lipwig", perGc));
            double ratioNoGc = pairedRatio(perRound(idle, "verkehr", perNoGc), perRound(idle, "lipwig", perNoGc));
            md.append(f("| **median** | verkehr | | | | **+%s KiB** | +%s KiB | | | | |\n", n2(vk), n2(vkNoGc)));
            if (any(idle, "lipwig")) {
                md.append(f("| **median** | %s | | | | **+%s KiB** | +%s KiB | | | | |\n", label(idle, "lipwig", "lipwig"), n2(lw), n2(lwNoGc)));
            }
            md.append('\n');
            md.append(f("verkehr: **+%s KiB per connection** after GC (+%s KiB without forcing one), median of %d round(s); target ≤ 16 KiB.\n",
                    n2(vk), n2(vkNoGc), rounds));
            if (any(idle, "lipwig")) {
                md.append(f("lipwig: +%s KiB per connection (+%s KiB in its first sample). verkehr / lipwig: **%s** (verkehr after GC vs "
                        + "lipwig's second sample) and %s (both first samples): medians of the per-round ratios; target ≤ 0.7.\n",
                        n2(lw), n2(lwNoGc), n2(ratioGc), n2(ratioNoGc)));
            } else {
                md.append("lipwig: ").append(lwNot).append(".\n");
            }
            md.append('\n');
            for (Properties p : idleOrder) {
                for (int i = 0; p.getProperty("worker." + i + ".ready") != null; i++) {
                    md.append("- round ").append(p.getProperty("round")).append(", ").append(p.getProperty("label")).append(": ")
                            .append(p.getProperty("worker." + i + ".ready")).append("; ")
                            .append(p.getProperty("worker." + i + ".done", "").replaceFirst("^[^:]*: ", "")).append('\n');
                }
                appendMetrics(md, p, "- round " + p.getProperty("round") + ", verkehr counters that moved during the scenario");
            }
            if (Files.exists(dir.resolve("histogram-r1-before.txt"))) {
                md.append("- verkehr's live-object histograms: `histogram-r<round>-{before,connected,closed}.txt` in the run directory\n");
            }
            md.append('\n');
            boolean complete = Arrays.stream(idle.getOrDefault("verkehr", new Properties[0])).filter(java.util.Objects::nonNull)
                    .allMatch(p -> num(p, "conns.failed") == 0 && num(p, "conns.dropped_while_idle") == 0
                            && num(p, "conns.logged_in") == num(p, "conns.asked"));
            if (!complete) {
                rc = 1;
            }
            if (any(idle, "verkehr")) {
                sum.append(f("| 1. RSS per idle TLS connection (%s logged in, after GC), median of %d | %s | **+%s KiB** (+%s without forced GC) | | ≤ 16 KiB | %s |\n",
                        n0(num(any, "conns.asked")), rounds, any(idle, "lipwig") ? f("lipwig +%s KiB", n2(lw)) : "lipwig " + lwNot, n2(vk),
                        n2(vkNoGc), !complete ? "**incomplete**" : vk <= 16 ? "meets target" : "**misses target**"));
                sum.append(f("| 1b. idle RSS per TLS connection vs lipwig | %s | +%s KiB | %s | ≤ 0.7× lipwig | %s |\n",
                        any(idle, "lipwig") ? f("lipwig +%s KiB (+%s first sample)", n2(lw), n2(lwNoGc)) : lwNot, n2(vk),
                        any(idle, "lipwig") ? f("**%s** of lipwig (%s without GC)", n2(ratioGc), n2(ratioNoGc)) : "–",
                        !any(idle, "lipwig") ? "not measured" : ratioGc <= 0.7 ? "meets target" : "**misses target**"));
            }
        }

        // ---- fan-out runs, in the order they ran
        List<Properties> runs = new ArrayList<>();
        Map<String, Properties[]> fan = runsOf(dir, "fanout", rounds, runs);
        if (!runs.isEmpty()) {
            md.append("## 2-5. Fan-out: one topic, TLS subscribers, one publisher\n\n");
            md.append(f("%d round(s); in each, every server in turn, in this order: the direct TLS fan-out (physical limit), lipwig, verkehr, "
                    + "mosquitto (those that run). Each run: saturation, then an open-loop load at half its own saturation rate, then "
                    + "(verkehr only) the same load at half of lipwig's saturation rate of the same round, then a light load. "
                    + "Deliveries are counted at the subscribers, in the measured window. Latency runs from the scheduled send time "
                    + "in the payload to the receipt, for every receipt of every message scheduled in the window; the publisher and "
                    + "the subscribers share one JVM and its `System.nanoTime`. CPU is in cores over the window (the machine has %d): "
                    + "the server process, the load JVM, and everything else.%s\n\n", rounds, Runtime.getRuntime().availableProcessors(),
                    lipwigMissing != null ? " **lipwig " + lwNot + ".**" : ""));
            md.append("| round | run | saturation deliveries/s (publishes/s) | p50 / p99 there (ms) | cpu server / load / other | "
                    + "half own rate: deliveries/s | p50 / p90 / p99 / p99.9 / max (ms) | cpu server / load / other | "
                    + "half of lipwig's rate: deliveries/s | p50 / p99 / max (ms) | "
                    + "light load: deliveries/s | p50 / p99 / max (ms) | lost / reordered / disconnected | quiet before (busy cores) |\n");
            md.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
            for (Properties r : runs) {
                boolean hasRef = r.getProperty("ref.lat.p99_ms") != null;
                md.append(f("| %s | %s | **%s** (%s)%s | %s / %s | %s / %s / %s | %s | %s / %s / **%s** / %s / %s%s%s | %s / %s / %s | %s | %s | %s | %s / %s / %s%s | %s / %s / %s | %s (%s) |\n",
                        r.getProperty("round"), r.getProperty("label"), n0(num(r, "sat.delivered_per_s")), r.getProperty("sat.published_per_s"),
                        disturbed(r, "sat"),
                        r.getProperty("sat.lat.p50_ms"), r.getProperty("sat.lat.p99_ms"),
                        r.getProperty("sat.cpu.server"), r.getProperty("sat.cpu.tool"), r.getProperty("sat.cpu.other"),
                        n0(num(r, "lat.delivered_per_s")), r.getProperty("lat.lat.p50_ms"), r.getProperty("lat.lat.p90_ms"),
                        r.getProperty("lat.lat.p99_ms"), r.getProperty("lat.lat.p999_ms"), r.getProperty("lat.lat.max_ms"),
                        Boolean.parseBoolean(r.getProperty("lat.overloaded")) ? " (**overloaded, stopped**)" : "", disturbed(r, "lat"),
                        r.getProperty("lat.cpu.server"), r.getProperty("lat.cpu.tool"), r.getProperty("lat.cpu.other"),
                        hasRef ? n0(num(r, "ref.delivered_per_s")) : "lipwig".equals(r.getProperty("target")) ? "(its own half rate)" : "–",
                        hasRef ? r.getProperty("ref.lat.p50_ms") + " / **" + r.getProperty("ref.lat.p99_ms") + "** / " + r.getProperty("ref.lat.max_ms")
                                + (Boolean.parseBoolean(r.getProperty("ref.overloaded")) ? " (**overloaded, stopped**)" : "") + disturbed(r, "ref") : "–",
                        r.getProperty("low.lat.p99_ms") == null ? "–" : n0(num(r, "low.delivered_per_s")), r.getProperty("low.lat.p50_ms", "–"),
                        r.getProperty("low.lat.p99_ms", "–"), r.getProperty("low.lat.max_ms", "–"), disturbed(r, "low"),
                        n0(num(r, "lost.gaps") + num(r, "lost.tail")), r.getProperty("reordered"), r.getProperty("subscribers.disconnected"),
                        r.getProperty("quiet"), "?".equals(r.getProperty("busy_before")) ? "–" : r.getProperty("busy_before")));
            }
            md.append('\n');
            for (Properties r : runs) {
                md.append(f("- round %s, %s: %s of %s subscribers ready in %s s; TLS: subscribers %s, publisher %s. Publisher waits at "
                        + "saturation: %s on the ack window, %s on the in-flight bound. Half rate %s publishes/s (%s sends over 1 ms late)%s; "
                        + "light load %s publishes/s. %s messages, %s deliveries of %s expected; %s PINGs answered; %s protocol errors.\n",
                        r.getProperty("round"), r.getProperty("label"), r.getProperty("subscribers.ready"), r.getProperty("subscribers.asked"),
                        r.getProperty("connect.seconds"), r.getProperty("tls.subscribers"), r.getProperty("tls.publisher"),
                        r.getProperty("sat.waits_ack"), r.getProperty("sat.waits_inflight"), r.getProperty("lat.published_per_s"),
                        r.getProperty("lat.publisher_late_over_1ms"),
                        r.getProperty("ref.published_per_s") == null ? "" : "; at lipwig's half rate " + r.getProperty("ref.published_per_s")
                                + " publishes/s (" + r.getProperty("ref.publisher_late_over_1ms") + " late)",
                        r.getProperty("low.published_per_s", "-"),
                        n0(num(r, "messages.published")), n0(num(r, "deliveries.total")), n0(num(r, "deliveries.expected")),
                        r.getProperty("pings"), r.getProperty("errors")));
                appendMetrics(md, r, "  verkehr counters that moved");
            }
            md.append('\n');

            java.util.function.ToDoubleFunction<Properties> sat = p -> num(p, "sat.delivered_per_s");
            java.util.function.ToDoubleFunction<Properties> p99 = p -> num(p, "lat.lat.p99_ms");
            java.util.function.ToDoubleFunction<Properties> refP99 = p -> num(p, "ref.lat.p99_ms");
            md.append(f("Medians over %d round(s); every ratio is the median of the ratios taken within each round:\n\n", rounds));
            md.append("| server | saturation deliveries/s | p99 at half its own rate (ms) | p99 at half of lipwig's rate (ms) |\n");
            md.append("|---|---|---|---|\n");
            for (String t : List.of("direct", "lipwig", "verkehr", "mqtt")) {
                if (!any(fan, t)) {
                    continue;
                }
                md.append(f("| %s | %s | %s | %s |\n", label(fan, t, t), n0(median(perRound(fan, t, sat))), n2(median(perRound(fan, t, p99))),
                        t.equals("verkehr") ? n2(median(perRound(fan, t, refP99))) : t.equals("lipwig") ? n2(median(perRound(fan, t, p99))) : "–"));
            }
            md.append('\n');
            if (any(fan, "verkehr")) {
                List<Double> vkSat = perRound(fan, "verkehr", sat);
                if (any(fan, "lipwig")) {
                    md.append(f("- verkehr / lipwig at saturation: **%s** (target ≥ 2); verkehr's p99 at half of lipwig's saturation rate / "
                            + "lipwig's p99 there: **%s** (target ≤ 0.5).\n", n2(pairedRatio(vkSat, perRound(fan, "lipwig", sat))),
                            n2(pairedRatio(perRound(fan, "verkehr", refP99), perRound(fan, "lipwig", p99)))));
                } else {
                    md.append("- lipwig: ").append(lwNot).append(".\n");
                }
                if (any(fan, "direct")) {
                    md.append(f("- verkehr / direct TLS fan-out at saturation: %s.\n", n2(pairedRatio(vkSat, perRound(fan, "direct", sat)))));
                }
                if (any(fan, "mqtt")) {
                    md.append(f("- verkehr / mosquitto at saturation: %s; verkehr's p99 / mosquitto's p99, each at half its own rate: %s.\n",
                            n2(pairedRatio(vkSat, perRound(fan, "mqtt", sat))),
                            n2(pairedRatio(perRound(fan, "verkehr", p99), perRound(fan, "mqtt", p99)))));
                }
                md.append('\n');
            }
        }

        if (any(fan, "verkehr")) {
            Properties[] vkRuns = fan.get("verkehr");
            boolean clean = Arrays.stream(vkRuns).filter(java.util.Objects::nonNull).allMatch(vk -> num(vk, "lost.gaps") + num(vk, "lost.tail") == 0
                    && num(vk, "subscribers.disconnected") == 0 && num(vk, "reordered") == 0
                    && num(vk, "subscribers.ready") == num(vk, "subscribers.asked"));
            if (!clean) {
                rc = 1;
            }
            java.util.function.ToDoubleFunction<Properties> satF = p -> num(p, "sat.delivered_per_s");
            java.util.function.ToDoubleFunction<Properties> p99F = p -> num(p, "lat.lat.p99_ms");
            List<Double> vkSat = perRound(fan, "verkehr", satF);
            double sat = median(vkSat);
            String asked = vkRuns[0] != null ? vkRuns[0].getProperty("subscribers.asked") : "?";
            boolean anyDisturbed = Arrays.stream(vkRuns).filter(java.util.Objects::nonNull).anyMatch(p -> !disturbed(p, "sat").isEmpty());
            String dist = anyDisturbed ? " (a window was disturbed by other processes, see below)" : "";
            double direct = median(perRound(fan, "direct", satF));
            sum.append(f("| 2. fan-out at saturation, deliveries/s (%s subscribers), median of %d | direct TLS fan-out %s | **%s** | %s | ≥ 150,000/s | %s%s |\n",
                    asked, rounds, any(fan, "direct") ? n0(direct) : "not run", n0(sat),
                    any(fan, "direct") ? "**" + n2(pairedRatio(vkSat, perRound(fan, "direct", satF))) + "** of direct" : "–",
                    !clean ? "**not clean** (loss, disconnects or failed subscribers)" : sat >= 150_000 ? "meets target" : "**misses target**", dist));
            if (any(fan, "lipwig")) {
                double lwSat = median(perRound(fan, "lipwig", satF));
                double r = pairedRatio(vkSat, perRound(fan, "lipwig", satF));
                sum.append(f("| 2b. fan-out at saturation vs lipwig | lipwig %s | %s | **%s**× lipwig | ≥ 2× lipwig | %s |\n", n0(lwSat), n0(sat),
                        n2(r), r >= 2 ? "meets target" : "**misses target**"));
            } else {
                sum.append(f("| 2b. fan-out at saturation vs lipwig | %s | %s | – | ≥ 2× lipwig | not measured |\n", lwNot, n0(sat)));
            }
            double p99 = median(perRound(fan, "verkehr", p99F));
            boolean over = Arrays.stream(vkRuns).filter(java.util.Objects::nonNull).anyMatch(p -> Boolean.parseBoolean(p.getProperty("lat.overloaded")));
            sum.append(f("| 3. latency at half its own rate (%s deliveries/s), p50 / p99 / max, medians | direct p99 at half its own rate: %s ms | %s / **%s** / %s ms | | p99 < 30 ms | %s |\n",
                    n0(median(perRound(fan, "verkehr", p -> num(p, "lat.delivered_per_s")))),
                    any(fan, "direct") ? n2(median(perRound(fan, "direct", p99F))) : "-",
                    n2(median(perRound(fan, "verkehr", p -> num(p, "lat.lat.p50_ms")))), n2(p99),
                    n2(median(perRound(fan, "verkehr", p -> num(p, "lat.lat.max_ms")))),
                    over ? "**overloaded**" : p99 < 30 ? "meets target" : "**misses target**"));
            if (any(fan, "lipwig")) {
                List<Double> vkRef = perRound(fan, "verkehr", p -> num(p, "ref.lat.p99_ms"));
                List<Double> lwP99 = perRound(fan, "lipwig", p99F);
                double r = pairedRatio(vkRef, lwP99);
                sum.append(f("| 3b. p99 at half of lipwig's saturation rate (%s deliveries/s), medians | lipwig %s ms | **%s ms** | **%s** of lipwig's | ≤ 0.5× lipwig's | %s |\n",
                        n0(median(perRound(fan, "lipwig", p -> num(p, "lat.delivered_per_s")))), n2(median(lwP99)), n2(median(vkRef)), n2(r),
                        r <= 0.5 ? "meets target" : "**misses target**"));
            } else {
                sum.append(f("| 3b. p99 at half of lipwig's saturation rate | %s | – | – | ≤ 0.5× lipwig's | not measured |\n", lwNot));
            }
            if (vkRuns[0] != null && vkRuns[0].getProperty("low.lat.p99_ms") != null) {
                String others = runs.stream().filter(r -> !"verkehr".equals(r.getProperty("target")) && r.getProperty("low.lat.p99_ms") != null)
                        .map(r -> r.getProperty("target")).distinct()
                        .map(t -> label(fan, t, t) + " " + n2(median(perRound(fan, t, p -> num(p, "low.lat.p50_ms")))) + " / "
                                + n2(median(perRound(fan, t, p -> num(p, "low.lat.p99_ms")))))
                        .reduce((x, y) -> x + "; " + y).orElse("-");
                sum.append(f("| 3c. latency at a light load, %s publishes/s, p50 / p99 / max, medians | same load, p50 / p99 (ms): %s | %s / %s / %s ms | | (for comparison) | |\n",
                        vkRuns[0].getProperty("low.published_per_s"), others, n2(median(perRound(fan, "verkehr", p -> num(p, "low.lat.p50_ms")))),
                        n2(median(perRound(fan, "verkehr", p -> num(p, "low.lat.p99_ms")))),
                        n2(median(perRound(fan, "verkehr", p -> num(p, "low.lat.max_ms"))))));
            }
            if (any(fan, "mqtt")) {
                double msat = median(perRound(fan, "mqtt", satF));
                sum.append(f("| 4. vs mosquitto, saturation deliveries/s, medians | %s: %s | %s | **%s** verkehr/mosquitto | report | |\n",
                        label(fan, "mqtt", "mosquitto"), n0(msat), n0(sat), n2(pairedRatio(vkSat, perRound(fan, "mqtt", satF)))));
                sum.append(f("| 4. vs mosquitto, p99 at half its own rate, medians | mosquitto %s ms | %s ms | p99 %s | report | |\n",
                        n2(median(perRound(fan, "mqtt", p99F))), n2(p99), n2(pairedRatio(perRound(fan, "verkehr", p99F), perRound(fan, "mqtt", p99F)))));
            }
            if (any(fan, "direct")) {
                sum.append(f("| 5. physical limit: direct TLS fan-out, deliveries/s, median | %s | %s | verkehr/direct **%s**; mosquitto/direct %s; lipwig/direct %s | report | |\n",
                        n0(direct), n0(sat), n2(pairedRatio(vkSat, perRound(fan, "direct", satF))),
                        any(fan, "mqtt") ? n2(pairedRatio(perRound(fan, "mqtt", satF), perRound(fan, "direct", satF))) : "-",
                        any(fan, "lipwig") ? n2(pairedRatio(perRound(fan, "lipwig", satF), perRound(fan, "direct", satF))) : "-"));
            }
        } else if (any(fan, "lipwig")) {
            sum.append(f("| 2b. fan-out at saturation, lipwig alone (verkehr not run) | lipwig %s | – | – | | |\n",
                    n0(median(perRound(fan, "lipwig", p -> num(p, "sat.delivered_per_s"))))));
        }
        Files.writeString(Path.of(o.req("md")), md.toString(), StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
        Files.writeString(Path.of(o.req("summary")), sum.toString(), StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
        System.out.print(sum);
        return rc;
    }

    /** " (disturbed: other processes N cores)" when other processes were busy during that window. */
    static String disturbed(Properties r, String k) {
        return Boolean.parseBoolean(r.getProperty(k + ".cpu.disturbed")) ? " (disturbed: other processes " + r.getProperty(k + ".cpu.other")
                + " cores)" : "";
    }

    static double delta(Properties p, String what, String from, String to) {
        return num(p, "mem." + to + "." + what) - num(p, "mem." + from + "." + what);
    }

    static void appendMetrics(StringBuilder md, Properties p, String title) {
        Map<String, String> m = new LinkedHashMap<>();
        p.stringPropertyNames().stream().filter(k -> k.startsWith("metrics.")).sorted()
                .forEach(k -> m.put(k.substring("metrics.".length()), p.getProperty(k)));
        if (!m.isEmpty()) {
            md.append(title).append(": ");
            md.append(String.join(", ", m.entrySet().stream().map(e -> "`" + e.getKey() + "` +" + e.getValue()).toList()));
            md.append('\n');
        }
    }
}
