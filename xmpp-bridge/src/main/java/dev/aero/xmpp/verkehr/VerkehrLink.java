package dev.aero.xmpp.verkehr;

import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

import javax.net.ssl.SSLContext;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import dev.aero.client.ssmp.SsmpClient;
import dev.aero.client.ssmp.SsmpListener;
import dev.aero.common.concurrent.Retry;
import dev.aero.common.id.DID;
import dev.aero.common.id.SID;
import dev.aero.common.ssmp.PlatformTopics;
import dev.aero.common.ssmp.SsmpSyntax;
import dev.aero.common.ssmp.StoreMessage;
import dev.aero.common.tls.CaTrust;
import dev.aero.common.tls.ServiceCertificateEnrollment;
import dev.aero.xmpp.relay.StoreTopics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The bridge's one SSMP connection to verkehr (TLS, trusting the platform CA it fetches from SP;
 * logged in as {@code xmpp-bridge/<random>} with the deployment secret). It follows
 * {@code svc/stores}: each SID SP publishes there goes to the room reconciler, and after
 * every reconnect every room is reconciled, since changes published while it was away are not
 * kept for it. It also holds the topic of every store the bridge relays, hands their
 * {@code mc}/{@code loc} lines to the relay, and publishes the relay's.
 */
public class VerkehrLink implements SmartLifecycle, StoreTopics {

    private static final Logger log = LoggerFactory.getLogger(VerkehrLink.class);

    private final String host;
    private final int port;
    private final URI spUrl;
    private final String deploymentSecret;
    private volatile Consumer<SID> storeChanges = sid -> { };
    private volatile Consumer<DID> unlinkedDevices = did -> { };
    private volatile Runnable onConnected = () -> { };
    private final boolean enabled;
    private final Counter received;
    private final Counter malformed;
    private final Set<SID> followed = ConcurrentHashMap.newKeySet();
    private volatile BiConsumer<SID, StoreMessage> storeMessages = (sid, m) -> { };
    private volatile SsmpClient client;
    private volatile boolean running;
    private volatile boolean connected;

    /** @param address verkehr's SSMP listener, {@code host:port} */
    public VerkehrLink(String address, URI spUrl, String deploymentSecret, boolean enabled, MeterRegistry meters) {
        int colon = address.lastIndexOf(':');
        if (colon <= 0 || colon == address.length() - 1) {
            throw new IllegalArgumentException("aero.xmpp.verkehr-ssmp is host:port, got " + address);
        }
        this.host = address.substring(0, colon);
        this.port = Integer.parseInt(address.substring(colon + 1));
        this.spUrl = spUrl;
        this.deploymentSecret = deploymentSecret;
        this.enabled = enabled;
        this.received = Counter.builder("aero.xmpp.store.changes").description("svc/stores messages received").tag("result", "ok")
                .register(meters);
        this.malformed = Counter.builder("aero.xmpp.store.changes").description("svc/stores messages received").tag("result", "malformed")
                .register(meters);
    }

    /** Where the SIDs of {@code svc/stores} go, and who hears of each (re)connection (the reconciler). */
    public void onStoreChange(Consumer<SID> consumer, Runnable connected) {
        this.storeChanges = consumer;
        this.onConnected = connected;
    }

    /** Where the DIDs of {@code svc/devices}' {@code unlinked <did>} go. */
    public void onUnlinked(Consumer<DID> consumer) {
        this.unlinkedDevices = consumer;
    }

    /** Where the store topics' messages go (the relay). */
    public void onStoreMessage(BiConsumer<SID, StoreMessage> consumer) {
        this.storeMessages = consumer;
    }

    @Override
    public void follow(SID sid) {
        if (followed.add(sid)) {
            SsmpClient c = client;
            if (c != null && connected) {
                c.subscribeAsync(sid.hex(), false).exceptionally(e -> {
                    log.debug("subscription to {} not taken now ({}); taken again on the next connection", sid, e.toString());
                    return null;
                });
            }
        }
    }

    @Override
    public void unfollow(SID sid) {
        if (followed.remove(sid)) {
            SsmpClient c = client;
            if (c != null && connected) {
                c.unsubscribeAsync(sid.hex()).exceptionally(e -> null);
            }
        }
    }

    @Override
    public boolean publish(SID sid, StoreMessage message) {
        SsmpClient c = client;
        if (c == null || !connected) {
            return false;
        }
        c.mcastAsync(sid.hex(), message.payload()).exceptionally(e -> {
            log.debug("MCAST on {} failed: {}", sid, e.toString());
            return null;
        });
        return true;
    }

    /** Whether the feed runs at all (configured with a verkehr address). */
    public boolean enabled() {
        return enabled;
    }

    /** Whether the feed's SSMP connection is logged in. */
    public boolean connected() {
        return connected;
    }

    @Override
    public synchronized void start() {
        if (running || !enabled) {
            return;
        }
        running = true;
        byte[] suffix = new byte[4];
        new SecureRandom().nextBytes(suffix);
        String id = "xmpp-bridge/" + HexFormat.of().formatHex(suffix);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        Retry.inBackground("store-feed-connect", Duration.ofMillis(200), Duration.ofSeconds(5), () -> !running, () -> {
            X509Certificate ca = ServiceCertificateEnrollment.fetchCa(http, spUrl);
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, CaTrust.trustManagers(ca), null);
            SsmpClient c = SsmpClient.builder(host, port).sslContext(tls).login(id, SsmpSyntax.SCHEME_SECRET, deploymentSecret)
                    .reconnect(true).backoff(Duration.ofMillis(100), Duration.ofSeconds(5)).listener(listener()).build();
            try {
                c.connect();
                c.subscribe(PlatformTopics.STORE_CHANGES, false);
                c.subscribe(PlatformTopics.DEVICE_CHANGES, false);
                syncTopics(c);
            } catch (Exception e) {
                c.close();
                throw e;
            }
            client = c;
            connected = true;
            onConnected.run();
            log.info("following {} on verkehr {}:{} as {}", PlatformTopics.STORE_CHANGES, host, port, id);
            if (!running) {
                c.close();
            }
        }, (e, next) -> log.warn("store feed not connected to verkehr yet ({}); retrying in {} ms", e.toString(), next));
    }

    private SsmpListener listener() {
        return new SsmpListener() {
            @Override
            public void onMulticast(String from, String topic, byte[] payload) {
                if (PlatformTopics.DEVICE_CHANGES.equals(topic)) {
                    String line = new String(payload, StandardCharsets.US_ASCII).strip();
                    try {
                        if (line.startsWith("unlinked ")) {
                            unlinkedDevices.accept(DID.of(line.substring("unlinked ".length())));
                            received.increment();
                            return;
                        }
                    } catch (IllegalArgumentException e) {
                        // counted below
                    }
                    malformed.increment();
                    return;
                }
                if (!PlatformTopics.STORE_CHANGES.equals(topic)) {
                    storeMessage(topic, payload);
                    return;
                }
                try {
                    storeChanges.accept(SID.of(new String(payload, StandardCharsets.US_ASCII).strip()));
                    received.increment();
                } catch (IllegalArgumentException e) {
                    malformed.increment();
                    log.warn("ignored a malformed {} message from {}", topic, from);
                }
            }

            @Override
            public void onConnected() {
                connected = true;
                SsmpClient c = client;
                if (c != null) {
                    // The client asks again for what it held; stores followed or left while it was away are not among them.
                    syncTopics(c);
                }
                // Changes published while the connection was down were not kept for it.
                onConnected.run();
            }

            @Override
            public void onDisconnected(Throwable cause, boolean reconnecting) {
                connected = false;
                if (cause != null) {
                    log.warn("verkehr connection lost ({}){}", cause.toString(), reconnecting ? "; reconnecting" : "");
                }
            }
        };
    }

    /** Subscribes every followed store topic the client does not hold, and leaves the held ones no longer followed. */
    private void syncTopics(SsmpClient c) {
        Set<String> held = c.subscriptions();
        for (String topic : held) {
            if (!PlatformTopics.STORE_CHANGES.equals(topic) && !PlatformTopics.DEVICE_CHANGES.equals(topic) && !followedTopic(topic)) {
                c.unsubscribeAsync(topic).exceptionally(e -> null);
            }
        }
        for (SID sid : followed) {
            if (!held.contains(sid.hex())) {
                c.subscribeAsync(sid.hex(), false).exceptionally(e -> {
                    log.warn("subscription to {} refused ({}); asked again on the next connection", sid, e.toString());
                    return null;
                });
            }
        }
    }

    private boolean followedTopic(String topic) {
        try {
            return followed.contains(SID.of(topic));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private void storeMessage(String topic, byte[] payload) {
        SID sid;
        try {
            sid = SID.of(topic);
        } catch (IllegalArgumentException e) {
            return;
        }
        if (followed.contains(sid)) {
            StoreMessage.parse(payload).ifPresent(m -> storeMessages.accept(sid, m));
        }
    }

    @Override
    public synchronized void stop() {
        running = false;
        connected = false;
        SsmpClient c = client;
        if (c != null) {
            c.close();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
