package dev.aero.xmpp.relay;

import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import javax.net.ssl.X509TrustManager;

import org.jivesoftware.smack.ConnectionConfiguration.SecurityMode;
import org.jivesoftware.smack.ConnectionListener;
import org.jivesoftware.smack.XMPPConnection;
import org.jivesoftware.smack.filter.StanzaTypeFilter;
import org.jivesoftware.smack.packet.ExtensionElement;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smack.packet.StandardExtensionElement;
import org.jivesoftware.smack.roster.Roster;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smack.tcp.XMPPTCPConnectionConfiguration;
import org.jivesoftware.smackx.muc.packet.MUCInitialPresence;
import org.jivesoftware.smackx.muc.packet.MUCUser;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.Jid;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.jid.parts.Resourcepart;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import dev.aero.common.concurrent.Backoff;
import dev.aero.common.id.DID;
import dev.aero.common.id.SID;
import dev.aero.common.ssmp.StoreMessage;
import dev.aero.common.xmpp.MaxcastFrame;
import dev.aero.xmpp.rooms.RoomListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The bridge's XMPP session: one connection as the bridge's account (a MUC service admin), in
 * every store's room under the nickname {@link #NICK}, relaying between each room and the
 * store's verkehr topic (docs/protocols/xmpp.md, Bridging):
 * <ul>
 * <li>a device's group-chat frame becomes {@code mc <did> <frame>} on {@code <sid>}, the DID
 * taken from the occupant's real JID (never from its nickname); a device's presence with
 * {@code <transport xmlns='urn:aero:transport'>} becomes {@code loc <did> <json>};</li>
 * <li>{@code mc <did> <frame>} from verkehr becomes a group-chat message with body the frame and
 * {@code <origin xmlns='urn:aero:maxcast' did='...'/>}; {@code loc <did> <json>} a group-chat
 * message with {@code <transport xmlns='urn:aero:transport' did='...'>json</transport>} and no
 * body;</li>
 * <li>the bridge's own messages, reflected by the room, are never relayed back; bad frames are
 * dropped and counted by cause.</li>
 * </ul>
 * It joins rooms with raw MUC presences (no history), at most {@code MAX_PENDING_JOINS} awaiting
 * their answer at once (queued, so an answer costs no pass over every room), and after any loss
 * of the connection makes a new one and joins every room again (Smack's own rejoining gives up
 * on the first slow room).
 */
public class XmppRelay implements SmartLifecycle, RoomListener {

    private static final Logger log = LoggerFactory.getLogger(XmppRelay.class);

    /** The bridge's nickname in every room. */
    public static final String NICK = "xmpp-bridge";
    static final String MAXCAST_NS = "urn:aero:maxcast";
    static final String TRANSPORT_NS = "urn:aero:transport";
    /** The longest transport-candidates JSON relayed (an SSMP payload is at most 1,024 bytes). */
    static final int MAX_CANDIDATES = 900;
    private static final int MAX_PENDING_JOINS = 200;
    private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(10);
    private static final Pattern ROOM_NAME = Pattern.compile("[0-9a-f]{32}");

    /** Where the bridge signs in, and as whom. */
    public record Settings(String host, int port, String domain, String user, String password, String resource,
            Callable<X509TrustManager> trust) {

        String mucService() {
            return "c." + domain;
        }
    }

    private final Settings settings;
    private final StoreTopics topics;
    private final PresenceSink presence;
    private final Occupants occupants = new Occupants();
    private final Set<String> wanted = ConcurrentHashMap.newKeySet();
    private final Set<String> joined = ConcurrentHashMap.newKeySet();
    private final Map<String, Long> pendingJoins = new ConcurrentHashMap<>();
    /** Rooms to send a join for, in order (guarded by itself): a presence costs no pass over every room. */
    private final Set<String> toJoin = new LinkedHashSet<>();
    private final Backoff backoff = Backoff.exponential(Duration.ofMillis(500), Duration.ofSeconds(5));
    private final MeterRegistry meters;
    private final Counter reconnects;
    private volatile Runnable onSignedIn = () -> { };
    private volatile XMPPTCPConnection connection;
    private final boolean enabled;
    private volatile boolean running;
    private volatile boolean up;
    private ScheduledExecutorService executor;

    public XmppRelay(Settings settings, StoreTopics topics, PresenceSink presence, MeterRegistry meters) {
        this(settings, topics, presence, true, meters);
    }

    /** {@code enabled} false: {@link #start} opens no session (the bridge is not configured). */
    public XmppRelay(Settings settings, StoreTopics topics, PresenceSink presence, boolean enabled, MeterRegistry meters) {
        this.enabled = enabled;
        this.settings = settings;
        this.topics = topics;
        this.presence = presence;
        this.meters = meters;
        this.reconnects = Counter.builder("aero.xmpp.reconnects").description("new XMPP sessions after the first").register(meters);
        Gauge.builder("aero.xmpp.rooms.joined", joined::size).description("rooms the bridge is in").register(meters);
        Gauge.builder("aero.xmpp.occupants", occupants::count).description("devices in the bridge's rooms now").register(meters);
    }

    /** Run after each new session has signed in (the reconciler checks every room again). */
    public void onSignedIn(Runnable action) {
        this.onSignedIn = action;
    }

    public boolean enabled() {
        return enabled;
    }

    /** Whether the bridge's XMPP session is signed in. */
    public boolean connected() {
        return up;
    }

    /** Whether the bridge is in the room. */
    public boolean inRoom(String room) {
        return joined.contains(room);
    }

    /** The room exists (SP has the folder): the bridge is in it and relays it. */
    @Override
    public void roomExists(SID sid) {
        String room = sid.hex();
        topics.follow(sid);
        if (wanted.add(room)) {
            enqueue(room);
            joinSome();
        }
    }

    /** The room is gone with its folder. */
    @Override
    public void roomGone(SID sid) {
        String room = sid.hex();
        wanted.remove(room);
        joined.remove(room);
        pendingJoins.remove(room);
        topics.unfollow(sid);
        occupants.forget(room).values().forEach(o -> presence.offline(o.device(), o.fullJid()));
    }

    // ---- the session ----

    @Override
    public synchronized void start() {
        if (running || !enabled) {
            return;
        }
        running = true;
        Roster.setRosterLoadedAtLoginDefault(false);
        executor = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().name("xmpp-relay").daemon().unstarted(r));
        executor.execute(this::connect);
        executor.scheduleWithFixedDelay(this::expireJoins, 1, 1, TimeUnit.SECONDS);
    }

    private void connect() {
        if (!running) {
            return;
        }
        XMPPTCPConnection c = null;
        try {
            c = new XMPPTCPConnection(XMPPTCPConnectionConfiguration.builder()
                    .setXmppDomain(settings.domain()).setHost(settings.host()).setPort(settings.port())
                    .setUsernameAndPassword(settings.user(), settings.password()).setResource(settings.resource())
                    .setSecurityMode(SecurityMode.required).setCustomX509TrustManager(settings.trust().call())
                    .setSendPresence(true).setConnectTimeout(10_000).build());
            // Thousands of rooms on one session: no stream-management queue to overflow.
            c.setUseStreamManagement(false);
            c.setReplyTimeout(JOIN_TIMEOUT.toMillis());
            XMPPTCPConnection session = c;
            c.addSyncStanzaListener(stanza -> onMessage((Message) stanza), StanzaTypeFilter.MESSAGE);
            c.addSyncStanzaListener(stanza -> onPresence((Presence) stanza), StanzaTypeFilter.PRESENCE);
            c.addConnectionListener(new ConnectionListener() {
                @Override
                public void connectionClosedOnError(Exception e) {
                    lost(session, e);
                }
            });
            c.connect().login();
            connection = c;
            up = true;
            backoff.reset();
            log.info("signed in to ejabberd {}:{} as {}@{}/{}; joining {} room(s)", settings.host(), settings.port(), settings.user(),
                    settings.domain(), settings.resource(), wanted.size());
            wanted.forEach(this::enqueue);
            joinSome();
            onSignedIn.run();
        } catch (Exception e) {
            if (c != null) {
                c.disconnect();
            }
            long wait = backoff.next().toMillis();
            log.warn("ejabberd session not up ({}); trying again in {} ms", e.toString(), wait);
            if (running) {
                executor.schedule(this::connect, wait, TimeUnit.MILLISECONDS);
            }
        }
    }

    private void lost(XMPPTCPConnection session, Exception cause) {
        if (session != connection) {
            return;
        }
        up = false;
        connection = null;
        log.warn("ejabberd session lost ({}); a new one will join every room again", cause.toString());
        for (String room : Set.copyOf(joined)) {
            occupants.forget(room).values().forEach(o -> presence.offline(o.device(), o.fullJid()));
        }
        joined.clear();
        pendingJoins.clear();
        reconnects.increment();
        if (running) {
            executor.schedule(this::connect, backoff.next().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void enqueue(String room) {
        synchronized (toJoin) {
            toJoin.add(room);
        }
    }

    /** Sends the queued joins of wanted rooms the bridge is not in, keeping at most MAX_PENDING_JOINS unanswered. */
    private void joinSome() {
        XMPPTCPConnection c = connection;
        if (c == null || !up) {
            return;
        }
        while (pendingJoins.size() < MAX_PENDING_JOINS) {
            String room;
            synchronized (toJoin) {
                Iterator<String> next = toJoin.iterator();
                if (!next.hasNext()) {
                    return;
                }
                room = next.next();
                next.remove();
            }
            if (!wanted.contains(room) || joined.contains(room) || pendingJoins.containsKey(room)) {
                continue;
            }
            pendingJoins.put(room, System.nanoTime() + JOIN_TIMEOUT.toNanos());
            try {
                Presence join = c.getStanzaFactory().buildPresenceStanza().to(JidCreate.fullFrom(room + "@" + settings.mucService() + "/" + NICK))
                        .addExtension(new MUCInitialPresence(null, -1, 0, -1, null)).build();
                c.sendStanza(join);
            } catch (Exception e) {
                pendingJoins.remove(room);
                enqueue(room);
                log.warn("join of room {} not sent: {}", room, e.toString());
                return;
            }
        }
    }

    /** Once a second: joins unanswered for too long are given up, and every wanted room the bridge is not in is queued again. */
    private void expireJoins() {
        long now = System.nanoTime();
        pendingJoins.entrySet().removeIf(e -> now - e.getValue() > 0);
        for (String room : wanted) {
            if (!joined.contains(room) && !pendingJoins.containsKey(room)) {
                enqueue(room);
            }
        }
        joinSome();
    }

    // ---- XMPP to SSMP ----

    private void onMessage(Message message) {
        String room = roomOf(message.getFrom());
        if (room == null || message.getType() != Message.Type.groupchat) {
            return;
        }
        Resourcepart nick = message.getFrom().getResourceOrNull();
        if (nick == null || NICK.equals(nick.toString())) {
            return; // the room's subject, or the bridge's own message reflected
        }
        String body = message.getBody();
        if (body == null) {
            return;
        }
        Occupants.Occupant from = occupants.get(room, nick.toString()).orElse(null);
        if (from == null) {
            dropped("xmpp-to-ssmp", "unknown-sender");
            return;
        }
        MaxcastFrame.Problem problem = MaxcastFrame.check(body);
        if (problem != null) {
            dropped("xmpp-to-ssmp", problem.cause());
            return;
        }
        if (topics.publish(SID.of(room), new StoreMessage(StoreMessage.Kind.MAXCAST, from.device(), body))) {
            relayed("xmpp-to-ssmp", "maxcast");
        } else {
            dropped("xmpp-to-ssmp", "verkehr-unreachable");
        }
    }

    private void onPresence(Presence p) {
        String room = roomOf(p.getFrom());
        Resourcepart nick = p.getFrom() == null ? null : p.getFrom().getResourceOrNull();
        if (room == null || nick == null) {
            return;
        }
        MUCUser user = MUCUser.from(p);
        if (NICK.equals(nick.toString())) {
            ownPresence(room, p, user);
            return;
        }
        if (p.getType() == Presence.Type.unavailable) {
            occupants.left(room, nick.toString()).ifPresent(o -> presence.offline(o.device(), o.fullJid()));
            return;
        }
        if (p.getType() != Presence.Type.available || user == null || user.getItem() == null || user.getItem().getJid() == null) {
            return;
        }
        Jid real = user.getItem().getJid();
        DID device = deviceOf(real);
        if (device == null) {
            return;
        }
        Occupants.Occupant occupant = new Occupants.Occupant(device, real.toString());
        boolean fresh = occupants.get(room, nick.toString()).map(o -> !o.fullJid().equals(real.toString())).orElse(true);
        occupants.joined(room, nick.toString(), occupant);
        if (fresh) {
            presence.online(device, real.toString());
        }
        ExtensionElement transport = p.getExtensionElement("transport", TRANSPORT_NS);
        if (transport instanceof StandardExtensionElement candidates) {
            String json = candidates.getText();
            if (json == null || json.isEmpty() || json.length() > MAX_CANDIDATES || json.indexOf('\n') >= 0 || json.indexOf('\r') >= 0) {
                dropped("xmpp-to-ssmp", "bad-candidates");
            } else if (topics.publish(SID.of(room), new StoreMessage(StoreMessage.Kind.CANDIDATES, device, json))) {
                relayed("xmpp-to-ssmp", "candidates");
            } else {
                dropped("xmpp-to-ssmp", "verkehr-unreachable");
            }
        }
    }

    private void ownPresence(String room, Presence p, MUCUser user) {
        pendingJoins.remove(room);
        if (p.getType() == Presence.Type.available) {
            joined.add(room);
        } else {
            // Left, refused, destroyed or kicked: joined again only while the room is wanted.
            joined.remove(room);
            occupants.forget(room).values().forEach(o -> presence.offline(o.device(), o.fullJid()));
            if (p.getType() == Presence.Type.error) {
                log.warn("room {} refused the bridge: {}", room, p.getError());
            }
            if (wanted.contains(room)) {
                enqueue(room);
            }
        }
        joinSome();
    }

    // ---- SSMP to XMPP ----

    /** A message verkehr delivered on a store's topic (never one the bridge sent: verkehr does not echo). */
    public void fromVerkehr(SID sid, StoreMessage message) {
        String room = sid.hex();
        XMPPTCPConnection c = connection;
        if (c == null || !joined.contains(room)) {
            dropped("ssmp-to-xmpp", "room-not-joined");
            return;
        }
        try {
            EntityBareJid to = JidCreate.entityBareFrom(room + "@" + settings.mucService());
            Message out;
            if (message.kind() == StoreMessage.Kind.MAXCAST) {
                MaxcastFrame.Problem problem = MaxcastFrame.check(message.body());
                if (problem != null) {
                    dropped("ssmp-to-xmpp", problem.cause());
                    return;
                }
                out = c.getStanzaFactory().buildMessageStanza().to(to).ofType(Message.Type.groupchat).setBody(message.body())
                        .addExtension(StandardExtensionElement.builder("origin", MAXCAST_NS).addAttribute("did", message.device().hex()).build())
                        .build();
            } else {
                if (message.body().length() > MAX_CANDIDATES) {
                    dropped("ssmp-to-xmpp", "bad-candidates");
                    return;
                }
                out = c.getStanzaFactory().buildMessageStanza().to(to).ofType(Message.Type.groupchat)
                        .addExtension(StandardExtensionElement.builder("transport", TRANSPORT_NS).addAttribute("did", message.device().hex())
                                .setText(message.body()).build())
                        .build();
            }
            c.sendStanza(out);
            relayed("ssmp-to-xmpp", message.kind() == StoreMessage.Kind.MAXCAST ? "maxcast" : "candidates");
        } catch (Exception e) {
            dropped("ssmp-to-xmpp", "xmpp-unreachable");
        }
    }

    // ---- helpers ----

    private String roomOf(Jid from) {
        if (from == null || !settings.mucService().equals(from.getDomain().toString())) {
            return null;
        }
        String local = from.getLocalpartOrNull() == null ? null : from.getLocalpartOrNull().toString();
        return local != null && ROOM_NAME.matcher(local).matches() ? local : null;
    }

    private DID deviceOf(Jid real) {
        if (real.getLocalpartOrNull() == null || !settings.domain().equals(real.getDomain().toString())) {
            return null;
        }
        try {
            return DID.of(real.getLocalpartOrNull().toString());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private void relayed(String direction, String kind) {
        meters.counter("aero.xmpp.relayed", "direction", direction, "kind", kind).increment();
    }

    private void dropped(String direction, String cause) {
        meters.counter("aero.xmpp.dropped", "direction", direction, "cause", cause).increment();
    }

    @Override
    public synchronized void stop() {
        running = false;
        up = false;
        if (executor != null) {
            executor.shutdownNow();
        }
        XMPPConnection c = connection;
        connection = null;
        if (c instanceof XMPPTCPConnection tcp) {
            tcp.disconnect();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
