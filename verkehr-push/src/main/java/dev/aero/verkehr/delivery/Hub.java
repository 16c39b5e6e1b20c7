package dev.aero.verkehr.delivery;

import dev.aero.verkehr.connection.Session;
import dev.aero.verkehr.topic.StoreMembership;
import dev.aero.verkehr.topic.TopicAuthorizer;
import dev.aero.verkehr.topic.Topic;
import dev.aero.verkehr.login.Identity;
import dev.aero.verkehr.login.Authenticator;
import dev.aero.common.ssmp.ConnectionEvents;
import dev.aero.common.ssmp.PlatformTopics;
import dev.aero.common.ssmp.SsmpVerb;
import dev.aero.common.ssmp.SsmpLines;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.netty.util.concurrent.EventExecutor;

import dev.aero.common.ssmp.SsmpSyntax;
import dev.aero.verkehr.VerkehrMetrics;
import dev.aero.verkehr.VerkehrProperties;
import dev.aero.verkehr.cluster.BusMessage;
import dev.aero.verkehr.cluster.Cluster;
import dev.aero.verkehr.cluster.ConnectionRecord;

/**
 * Routing between connections: ids, topics, presence, and the cluster. Local delivery writes
 * straight to the recipients' event loops; when other nodes are live, messages for connections
 * elsewhere cross the Redis bus, and subscriptions and logins are kept in Redis so that every
 * node sees the same ids and topic members.
 */
public final class Hub {

    private final VerkehrProperties settings;
    private final VerkehrMetrics metrics;
    private final Authenticator authenticator;
    private final TopicAuthorizer authorizer;
    private final StoreMembership stores;
    private final Cluster cluster;
    /** Device connections by their user's {@code acl/} topic: those an ACL change re-checks. */
    private final Map<String, Set<Session>> devicesByAcl = new ConcurrentHashMap<>();
    private final Map<String, Session> byId = new ConcurrentHashMap<>();
    private final Set<Session> open = ConcurrentHashMap.newKeySet();
    private final Map<String, Topic> topics = new ConcurrentHashMap<>();
    private final AtomicLong serials = new AtomicLong();
    private final AtomicInteger connections = new AtomicInteger();
    /** Deliveries queued for each event loop by other threads' fan-outs, not yet written. */
    private final Map<EventExecutor, AtomicLong> backlog = new ConcurrentHashMap<>();

    public Hub(VerkehrProperties settings, VerkehrMetrics metrics, Authenticator authenticator, StoreMembership stores,
            Cluster cluster) {
        this.settings = settings;
        this.metrics = metrics;
        this.authenticator = authenticator;
        this.stores = stores;
        this.authorizer = new TopicAuthorizer(stores);
        this.cluster = cluster;
        metrics.gauges(connections::get, byId::size, topics::size);
    }

    public void start() {
        cluster.start(this::onBus, this::nodeGone);
    }

    public Session newSession() {
        return new Session(this, serials.incrementAndGet(), settings, metrics, authenticator, authorizer);
    }

    public String nodeId() {
        return cluster.nodeId();
    }

    public Cluster cluster() {
        return cluster;
    }

    public int connectionCount() {
        return connections.get();
    }

    public Collection<Session> sessions() {
        return List.copyOf(open);
    }

    public Session session(String id) {
        return byId.get(id);
    }

    public int topicCount() {
        return topics.size();
    }

    // ---- lifecycle ----

    public boolean admit(Session s) {
        int n = connections.incrementAndGet();
        if (settings.maxConnections() > 0 && n > settings.maxConnections()) {
            connections.decrementAndGet();
            metrics.refused("max-connections");
            return false;
        }
        open.add(s);
        return true;
    }

    /**
     * Gives a logged-in connection its id: on this node at once (closing an earlier local holder),
     * and in Redis, where the other nodes look ids up. Completes once Redis holds the claim, so a
     * 200 sent then means that a UCAST from any node finds the connection; fails if the claim
     * could not be written. The id is taken here before the claim is sent, so that a message
     * routed to it from another node as soon as the claim lands finds the connection; the session
     * holds such messages back until its 200 has been written.
     */
    public CompletableFuture<Void> loggedIn(Session s) {
        Identity who = s.identity();
        if (who.anonymous()) {
            return CompletableFuture.completedFuture(null);
        }
        if (holdsStores(who)) {
            devicesByAcl.computeIfAbsent(stores.aclTopic(who.user()), k -> ConcurrentHashMap.newKeySet()).add(s);
        }
        Session previous = byId.put(who.id(), s);
        if (previous != null && previous != s) {
            previous.closeFor("replaced");
        }
        ConnectionRecord record = new ConnectionRecord(who.id(), s.key(), address(s), System.currentTimeMillis(), who.scheme());
        CompletableFuture<ConnectionRecord> claim = cluster.claim(record);
        claim.thenAccept(prev -> {
            // The previous holder on another node learns it has been replaced; also when the claim
            // lands after the session gave up on it, since Redis no longer routes to that holder.
            if (prev != null && !prev.key().equals(s.key()) && !prev.node().equals(nodeId()) && cluster.isLive(prev.node())) {
                cluster.sendTo(prev.node(), new BusMessage.Kick(nodeId(), who.id(), prev.key()));
            }
        });
        cluster.appendEvent(ConnectionEvents.LOGIN, who.id(), address(s), nodeId(), s.key(), who.scheme(), null, certificateFields(who));
        return claim.thenApply(prev -> null);
    }

    public void closed(Session s, String cause, Map<String, Boolean> held) {
        if (open.remove(s)) {
            connections.decrementAndGet();
        }
        Identity who = s.identity();
        if (who == null || who.anonymous()) {
            return;
        }
        byId.remove(who.id(), s);
        if (holdsStores(who)) {
            devicesByAcl.computeIfPresent(stores.aclTopic(who.user()), (k, set) -> {
                set.remove(s);
                return set.isEmpty() ? null : set;
            });
        }
        for (String topic : held.keySet()) {
            leave(s, topic);
        }
        cluster.release(who.id(), s.key());
        cluster.appendEvent(ConnectionEvents.CLOSE, who.id(), address(s), nodeId(), s.key(), who.scheme(), cause, certificateFields(who));
    }

    /** Devices may hold store topics, so their user's ACL changes concern them. */
    private static boolean holdsStores(Identity who) {
        return !who.trusted() && who.device() != null && who.user() != null;
    }

    /**
     * An {@code acl/} message passed through this node (published here or on another node): the
     * user's cached stores are forgotten and its devices here re-checked.
     */
    private void aclChanged(String aclTopic) {
        stores.invalidate(aclTopic);
        Set<Session> devices = devicesByAcl.get(aclTopic);
        if (devices != null) {
            for (Session s : devices) {
                s.revalidateStores(stores);
            }
        }
    }

    private static Map<String, String> certificateFields(Identity who) {
        if (who.serial() == null) {
            return null;
        }
        Map<String, String> extra = new HashMap<>();
        extra.put("serial", who.serial().toString(16));
        if (who.device() != null) {
            extra.put("did", who.device().hex());
        }
        return extra;
    }

    private static String address(Session s) {
        return s.remoteAddress() == null ? "" : s.remoteAddress().getAddress().getHostAddress();
    }

    /** Closes every connection logged in with a certificate whose serial is in {@code revoked}. */
    public int closeRevoked(Set<BigInteger> revoked) {
        int n = 0;
        for (Session s : open) {
            Identity who = s.identity();
            if (who != null && who.serial() != null && revoked.contains(who.serial())) {
                s.closeFor("certificate-revoked");
                n++;
            }
        }
        return n;
    }

    // ---- topics ----

    /**
     * Adds a subscription. Completes with the 200 line, or with null when the 200 has already been
     * queued together with the PRESENCE batch.
     */
    public CompletionStage<byte[]> subscribe(Session s, String topicName, boolean presence) {
        boolean[] created = new boolean[1];
        Topic topic = topics.compute(topicName, (name, t) -> {
            Topic result = t == null ? new Topic(name) : t;
            created[0] = t == null;
            result.addLocal(s);
            return result;
        });
        String id = s.identity().id();
        cluster.broadcast(new BusMessage.Presence(nodeId(), topicName, id, s.key(), true));
        CompletableFuture<java.util.Map<String, String>> stored = cluster.subscribe(topicName, id, s.key(), created[0]);
        if (created[0]) {
            stored.whenComplete((snapshot, failure) -> topic.loaded(failure == null ? snapshot : null));
        }
        if (!presence) {
            return CompletableFuture.completedFuture(SsmpLines.OK);
        }
        CompletableFuture<byte[]> answered = new CompletableFuture<>();
        topic.whenLoaded(() -> {
            topic.watch(s);
            answered.complete(null);
        });
        return answered;
    }

    public void unsubscribe(Session s, String topicName) {
        leave(s, topicName);
    }

    private void leave(Session s, String topicName) {
        topics.computeIfPresent(topicName, (name, t) -> {
            t.removeLocal(s);
            return t.localCount() == 0 ? null : t;
        });
        String id = s.identity().id();
        cluster.broadcast(new BusMessage.Presence(nodeId(), topicName, id, s.key(), false));
        cluster.unsubscribe(topicName, id, s.key());
    }

    // ---- messages ----

    /**
     * MCAST: every subscriber but the sending connection ({@code exceptKey}, null for none), on
     * every node, and the topic's history if it keeps one. Completes with the message's history
     * sequence number, or null when none is kept or it could not be written: the message is
     * delivered already, so a failed history write is counted, not reported as a failed publish.
     */
    public CompletableFuture<Long> mcast(String fromId, String exceptKey, String topicName, byte[] wirePayload) {
        byte[] line = SsmpLines.event(fromId, SsmpVerb.MCAST.name(), topicName, wirePayload);
        if (topicName.startsWith(PlatformTopics.ACL_PREFIX)) {
            aclChanged(topicName);
        }
        deliverLocally(topicName, line, exceptKey);
        if (!cluster.alone()) {
            cluster.broadcast(new BusMessage.Mcast(nodeId(), topicName, line));
        }
        if (!settings.history().keeps(topicName)) {
            return CompletableFuture.completedFuture(null);
        }
        return cluster.appendHistory(topicName, fromId, SsmpSyntax.fromWireForm(wirePayload)).exceptionally(failure -> {
            metrics.dropped("history-unwritten");
            return null;
        });
    }

    private void deliverLocally(String topicName, byte[] line, String exceptKey) {
        Topic topic = topics.get(topicName);
        if (topic == null) {
            return;
        }
        for (Topic.Group g : topic.groups()) {
            Session[] sessions = g.sessions();
            EventExecutor loop = g.loop();
            if (loop.inEventLoop()) {
                fanOut(sessions, line, exceptKey);
            } else {
                AtomicLong queued = backlog.computeIfAbsent(loop, l -> new AtomicLong());
                queued.addAndGet(sessions.length);
                loop.execute(() -> {
                    try {
                        fanOut(sessions, line, exceptKey);
                    } finally {
                        queued.addAndGet(-sessions.length);
                    }
                });
            }
        }
    }

    private void fanOut(Session[] sessions, byte[] line, String exceptKey) {
        int n = 0;
        for (Session s : sessions) {
            if (exceptKey == null || !exceptKey.equals(s.key())) {
                s.write(line);
                n++;
            }
        }
        metrics.delivered(SsmpVerb.MCAST.name(), n);
    }

    /**
     * Whether some event loop has more fan-out deliveries queued than
     * {@code aero.verkehr.max-fanout-backlog}: publishers then pause until it drains, which
     * keeps both that queue's memory and the delivery latency bounded.
     */
    public boolean fanOutCongested() {
        long limit = settings.maxFanoutBacklog();
        for (AtomicLong queued : backlog.values()) {
            if (queued.get() > limit) {
                return true;
            }
        }
        return false;
    }

    /** UCAST: completes with whether a connection holds {@code to} (on any node). */
    public CompletableFuture<Boolean> ucast(String fromId, String to, byte[] wirePayload) {
        if (to.equals(SsmpSyntax.ANONYMOUS)) {
            return CompletableFuture.completedFuture(false);
        }
        byte[] line = SsmpLines.event(fromId, SsmpVerb.UCAST.name(), to, wirePayload);
        Session local = byId.get(to);
        if (local != null) {
            local.send(line);
            metrics.delivered(SsmpVerb.UCAST.name(), 1);
            return CompletableFuture.completedFuture(true);
        }
        if (cluster.alone()) {
            return CompletableFuture.completedFuture(false);
        }
        return cluster.locate(to).handle((record, failure) -> {
            if (record == null || record.node().equals(nodeId())) {
                return false;
            }
            cluster.sendTo(record.node(), new BusMessage.Ucast(nodeId(), to, line));
            return true;
        });
    }

    public CompletableFuture<Boolean> ucast(Session from, String to, byte[] wirePayload) {
        return ucast(from.identity().id(), to, wirePayload);
    }

    /** BCAST: every connection sharing a topic with the sender, once each, on every node. */
    public void bcast(Session from, Set<String> held, byte[] wirePayload) {
        String self = from.identity().id();
        byte[] line = SsmpLines.event(self, SsmpVerb.BCAST.name(), null, wirePayload);
        Map<String, String> recipients = new HashMap<>();
        for (String name : held) {
            Topic t = topics.get(name);
            if (t != null) {
                recipients.putAll(t.memberKeys());
            }
        }
        recipients.remove(self);
        Map<String, List<String>> remote = new HashMap<>();
        int n = 0;
        for (Map.Entry<String, String> r : recipients.entrySet()) {
            String key = r.getValue();
            String node = key.substring(0, key.indexOf('/'));
            if (node.equals(nodeId())) {
                Session s = byId.get(r.getKey());
                if (s != null) {
                    s.send(line);
                    n++;
                }
            } else {
                remote.computeIfAbsent(node, k -> new ArrayList<>()).add(r.getKey());
            }
        }
        metrics.delivered(SsmpVerb.BCAST.name(), n);
        remote.forEach((node, ids) -> cluster.sendTo(node, new BusMessage.Bcast(nodeId(), ids, line)));
    }

    // ---- the bus ----

    private void onBus(BusMessage m) {
        switch (m) {
            case BusMessage.Mcast mc -> {
                if (mc.topic().startsWith(PlatformTopics.ACL_PREFIX)) {
                    aclChanged(mc.topic());
                }
                deliverLocally(mc.topic(), mc.line(), null);
            }
            case BusMessage.Presence p -> {
                Topic t = topics.get(p.topic());
                if (t != null) {
                    if (p.subscribed()) {
                        t.memberJoined(p.id(), p.key());
                    } else {
                        t.memberLeft(p.id(), p.key());
                    }
                }
            }
            case BusMessage.Ucast u -> {
                Session s = byId.get(u.to());
                if (s != null) {
                    s.send(u.line());
                    metrics.delivered(SsmpVerb.UCAST.name(), 1);
                }
            }
            case BusMessage.Bcast b -> {
                int n = 0;
                for (String id : b.ids()) {
                    Session s = byId.get(id);
                    if (s != null) {
                        s.send(b.line());
                        n++;
                    }
                }
                metrics.delivered(SsmpVerb.BCAST.name(), n);
            }
            case BusMessage.Kick k -> {
                Session s = byId.get(k.id());
                if (s != null && s.key().equals(k.key())) {
                    s.closeFor("replaced");
                }
            }
            default -> {
            }
        }
    }

    private void nodeGone(String node) {
        for (Topic t : topics.values()) {
            t.nodeGone(node);
        }
    }
}
