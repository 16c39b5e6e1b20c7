package dev.aero.client.store;

import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import dev.aero.client.ssmp.ForwardingSsmpListener;
import dev.aero.client.ssmp.SsmpClient;
import dev.aero.client.ssmp.SsmpListener;
import dev.aero.client.xmpp.XmppClient;
import dev.aero.client.xmpp.XmppListener;
import dev.aero.common.id.DID;
import dev.aero.common.id.SID;
import dev.aero.common.ssmp.StoreMessage;
import dev.aero.common.xmpp.MaxcastFrame;

/**
 * A device's traffic with the other devices of its stores over both of the platform's transports
 * at once (docs/protocols/xmpp.md, "A device on both transports"): verkehr's store topic
 * {@code <sid>} and the store's XMPP room. xmpp-bridge relays between the two, so such a device
 * hears every message twice, once on each; the channel hands the first to its listener and drops
 * a repeat of the same store, kind, sender and frame (or candidates) seen within a window (5 s
 * unless given). Its own messages, which come back through the bridge, are dropped too.
 *
 * <p>It sends each message on one transport, and the bridge carries it to the other side: a
 * maxcast frame on verkehr when the device holds the store's topic (verkehr confirms each MCAST),
 * else in the room; candidates in the room presence when the device is in the room (ejabberd
 * shows them to devices entering later), else as {@code loc} on verkehr.
 *
 * <p>Wiring: build the channel, give its {@link #ssmpListener} to the {@link SsmpClient} (it
 * passes on everything that is not a store message) and its {@link #xmppListener} to the
 * {@link XmppClient}, {@link #attach} both, and hand it the stores to follow ({@link #stores},
 * e.g. from the {@code AclFollower}). Either client may be null: a device on one transport.
 */
public final class StoreChannel implements AutoCloseable {

    /** The transport a message went out on. */
    public enum Transport { SSMP, XMPP }

    private static final int MAX_REMEMBERED = 100_000;

    private record Seen(SID store, StoreMessage.Kind kind, DID from, String body) { }

    private final DID self;
    private final StoreListener listener;
    private final long windowNanos;
    private final boolean presence;
    private final Map<Seen, Long> seen = new LinkedHashMap<>();
    private final Set<SID> wanted = ConcurrentHashMap.newKeySet();
    private final Set<SID> subscribing = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean retryPending = new AtomicBoolean();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().name("store-channel").daemon().unstarted(r));
    private volatile SsmpClient ssmp;
    private volatile XmppClient xmpp;

    public StoreChannel(DID self, StoreListener listener) {
        this(self, listener, Duration.ofSeconds(5), false);
    }

    /**
     * @param window how long a message is remembered to drop its copy from the other transport
     * @param presence whether store topics are subscribed with PRESENCE (the events go to the SSMP listener's next)
     */
    public StoreChannel(DID self, StoreListener listener, Duration window, boolean presence) {
        this.self = self;
        this.listener = listener;
        this.windowNanos = window.toNanos();
        this.presence = presence;
    }

    /** The clients to send with and to follow stores on; either may be null. */
    public void attach(SsmpClient ssmp, XmppClient xmpp) {
        this.ssmp = ssmp;
        this.xmpp = xmpp;
    }

    /** An SSMP listener that takes the store messages on {@code <sid>} topics and passes everything else to {@code next}. */
    public SsmpListener ssmpListener(SsmpListener next) {
        return new ForwardingSsmpListener(next) {
            @Override
            public void onMulticast(String from, String topic, byte[] payload) {
                SID store = storeTopic(topic);
                StoreMessage message = store == null ? null : StoreMessage.parse(payload).orElse(null);
                if (message == null) {
                    super.onMulticast(from, topic, payload);
                    return;
                }
                if (message.kind() == StoreMessage.Kind.MAXCAST) {
                    try {
                        heard(store, message.kind(), message.device(), MaxcastFrame.parse(message.body()).text());
                    } catch (MaxcastFrame.InvalidFrameException e) {
                        dropped.incrementAndGet();
                    }
                } else {
                    heard(store, message.kind(), message.device(), message.body());
                }
            }

            @Override
            public void onConnected() {
                retries.execute(StoreChannel.this::syncTopics);
                super.onConnected();
            }
        };
    }

    /** An XMPP listener for the {@link XmppClient}; its connection events go to {@code next}. */
    public XmppListener xmppListener(XmppListener next) {
        return new XmppListener() {
            @Override
            public void onMaxcast(SID store, DID from, MaxcastFrame frame) {
                heard(store, StoreMessage.Kind.MAXCAST, from, frame.text());
            }

            @Override
            public void onCandidates(SID store, DID from, String json) {
                heard(store, StoreMessage.Kind.CANDIDATES, from, json);
            }

            @Override
            public void onConnected() {
                next.onConnected();
            }

            @Override
            public void onDisconnected(Throwable cause) {
                next.onDisconnected(cause);
            }
        };
    }

    public XmppListener xmppListener() {
        return xmppListener(new XmppListener() { });
    }

    /** The stores to follow: their topics are subscribed and their rooms joined; the others are left. */
    public void stores(Set<SID> stores) {
        wanted.retainAll(stores);
        wanted.addAll(stores);
        XmppClient x = xmpp;
        if (x != null) {
            x.rooms(Set.copyOf(stores));
        }
        retries.execute(this::syncTopics);
    }

    /**
     * Sends a frame to the other devices of the store, on one transport; null when neither can
     * carry it now. Blocks for verkehr's answer: not to be called from the SSMP listener.
     */
    public Transport sendMaxcast(SID store, MaxcastFrame frame) {
        if (holdsTopic(store) && mcast(store, new StoreMessage(StoreMessage.Kind.MAXCAST, self, frame.text()))) {
            return Transport.SSMP;
        }
        XmppClient x = xmpp;
        return x != null && x.sendMaxcast(store, frame) ? Transport.XMPP : null;
    }

    /** Publishes this device's transport candidates to the store, on one transport; null when neither can carry them now. */
    public Transport publishCandidates(SID store, String json) {
        XmppClient x = xmpp;
        if (x != null && x.inRoom(store) && x.publishCandidates(store, json)) {
            return Transport.XMPP;
        }
        return holdsTopic(store) && mcast(store, new StoreMessage(StoreMessage.Kind.CANDIDATES, self, json)) ? Transport.SSMP : null;
    }

    /** Copies dropped because the other transport had brought them first. */
    public long duplicates() {
        return duplicates.get();
    }

    /** Frames from verkehr dropped because they were malformed (the XMPP client drops its own). */
    public long dropped() {
        return dropped.get();
    }

    private void heard(SID store, StoreMessage.Kind kind, DID from, String body) {
        if (from.equals(self)) {
            return; // our own, relayed back by the bridge from the other side
        }
        if (!first(new Seen(store, kind, from, body))) {
            duplicates.incrementAndGet();
            return;
        }
        if (kind == StoreMessage.Kind.MAXCAST) {
            try {
                listener.onMaxcast(store, from, MaxcastFrame.parse(body));
            } catch (MaxcastFrame.InvalidFrameException e) {
                dropped.incrementAndGet();
            }
        } else {
            listener.onCandidates(store, from, body);
        }
    }

    private synchronized boolean first(Seen message) {
        long now = System.nanoTime();
        Iterator<Map.Entry<Seen, Long>> oldest = seen.entrySet().iterator();
        while (oldest.hasNext()) {
            Map.Entry<Seen, Long> entry = oldest.next();
            if (now - entry.getValue() <= windowNanos && seen.size() < MAX_REMEMBERED) {
                break;
            }
            oldest.remove();
        }
        return seen.putIfAbsent(message, now) == null;
    }

    private boolean holdsTopic(SID store) {
        SsmpClient s = ssmp;
        return s != null && s.isConnected() && s.subscriptions().contains(store.hex());
    }

    private boolean mcast(SID store, StoreMessage message) {
        try {
            ssmp.mcast(store.hex(), message.payload());
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Subscribes the wanted store topics not held and leaves the held ones no longer wanted; a refused one is tried again in a second. */
    private void syncTopics() {
        SsmpClient s = ssmp;
        if (s == null || !s.isConnected()) {
            return;
        }
        Set<String> held = s.subscriptions();
        for (String topic : held) {
            SID store = storeTopic(topic);
            if (store != null && !wanted.contains(store)) {
                s.unsubscribeAsync(topic);
            }
        }
        for (SID store : wanted) {
            if (!held.contains(store.hex()) && subscribing.add(store)) {
                s.subscribeAsync(store.hex(), presence).whenComplete((ok, failed) -> {
                    subscribing.remove(store);
                    if (failed == null && !wanted.contains(store)) {
                        s.unsubscribeAsync(store.hex()); // left while the subscription was on its way
                    }
                    if (failed != null && wanted.contains(store) && !retries.isShutdown() && retryPending.compareAndSet(false, true)) {
                        retries.schedule(() -> {
                            retryPending.set(false);
                            syncTopics();
                        }, 1, TimeUnit.SECONDS);
                    }
                });
            }
        }
    }

    private static SID storeTopic(String topic) {
        if (topic.length() != 32) {
            return null;
        }
        try {
            return SID.of(topic);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Stops retrying subscriptions; the clients are the caller's to close. */
    @Override
    public void close() {
        retries.shutdownNow();
    }
}
