package dev.aero.client.xmpp;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import javax.net.ssl.X509TrustManager;

import org.jivesoftware.smack.ConnectionConfiguration.SecurityMode;
import org.jivesoftware.smack.ConnectionListener;
import org.jivesoftware.smack.packet.ExtensionElement;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smack.packet.StandardExtensionElement;
import org.jivesoftware.smack.roster.Roster;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smack.tcp.XMPPTCPConnectionConfiguration;
import org.jivesoftware.smackx.muc.MultiUserChat;
import org.jivesoftware.smackx.muc.MultiUserChatManager;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.jid.parts.Resourcepart;

import dev.aero.client.sp.SpApiException;
import dev.aero.client.sp.SpClient;
import dev.aero.client.sp.XmppToken;
import dev.aero.common.concurrent.Backoff;
import dev.aero.common.id.DID;
import dev.aero.common.id.SID;
import dev.aero.common.xmpp.MaxcastFrame;

/**
 * A device's XMPP session (docs/protocols/xmpp.md): it gets a token from SP with the device
 * certificate, signs in to ejabberd over TLS (trusting what it is given: the platform CA), and
 * sits in the rooms of the stores it is given ({@link #rooms}, e.g. from the
 * {@code AclFollower}'s store list), with its DID as nickname and no history. It sends maxcast
 * frames and publishes its transport candidates in its room presence, and hands the listener
 * every other device's frames and candidates: a device's own in the room, or the bridge's relay
 * of a verkehr device's, whose sender is the {@code origin} element. When the session is lost it
 * signs in again with a fresh token after a growing delay (0.5 to 30 s) and joins its rooms
 * again; when SP refuses the device a token (401 or 403: it is unlinked) it stops.
 */
public final class XmppClient implements AutoCloseable {

    /** The bridge's nickname in every room. */
    public static final String BRIDGE_NICK = "xmpp-bridge";
    private static final String MAXCAST_NS = "urn:aero:maxcast";
    private static final String TRANSPORT_NS = "urn:aero:transport";

    private final SpClient sp;
    private final DID device;
    private final X509TrustManager trust;
    private final String resource;
    private final XmppListener listener;
    private final Set<SID> wanted = ConcurrentHashMap.newKeySet();
    private final Map<SID, MultiUserChat> rooms = new ConcurrentHashMap<>();
    /** The room objects of the current session that carry this client's listeners (once each, however often a join fails). */
    private final Map<SID, MultiUserChat> listening = new ConcurrentHashMap<>();
    private final Map<SID, String> candidates = new ConcurrentHashMap<>();
    private final AtomicLong refusedJoins = new AtomicLong();
    private final Backoff backoff = Backoff.exponential(Duration.ofMillis(500), Duration.ofSeconds(30));
    private final ScheduledExecutorService executor;
    private volatile XMPPTCPConnection connection;
    private volatile boolean closed;

    /**
     * @param sp SP's device listener, with the device's certificate
     * @param trust what ejabberd's certificate must chain to
     */
    public XmppClient(SpClient sp, DID device, X509TrustManager trust, String resource, XmppListener listener) {
        this.sp = sp;
        this.device = device;
        this.trust = trust;
        this.resource = resource;
        this.listener = listener;
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().name("xmpp-" + device.hex().substring(0, 8))
                .daemon().unstarted(r));
        Roster.setRosterLoadedAtLoginDefault(false);
    }

    /** Signs in now (blocking); after a later loss it signs in again by itself. */
    public void connect() throws Exception {
        signIn();
    }

    public boolean isConnected() {
        XMPPTCPConnection c = connection;
        return c != null && c.isAuthenticated();
    }

    /** The stores whose rooms the device sits in: joins the new ones, leaves the others. */
    public void rooms(Set<SID> stores) {
        wanted.retainAll(stores);
        wanted.addAll(stores);
        executor.execute(this::syncRooms);
    }

    /** Whether the device is in the store's room now. */
    public boolean inRoom(SID store) {
        MultiUserChat room = rooms.get(store);
        return room != null && room.isJoined();
    }

    /** How many times entering a room failed (not a member yet, or the room not there yet); each is tried again a second later. */
    public long refusedJoins() {
        return refusedJoins.get();
    }

    /** Sends a frame to the store's room; false when the device is not in it now. */
    public boolean sendMaxcast(SID store, MaxcastFrame frame) {
        MultiUserChat room = rooms.get(store);
        if (room == null || !room.isJoined()) {
            return false;
        }
        try {
            room.sendMessage(frame.text());
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    /** Publishes where this device can be reached, in its presence in the store's room (kept for later joins). */
    public boolean publishCandidates(SID store, String json) {
        if (json.isEmpty() || json.length() > 900 || json.indexOf('\n') >= 0 || json.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("candidates are one line of 1 to 900 characters");
        }
        candidates.put(store, json);
        XMPPTCPConnection c = connection;
        if (c == null || !inRoom(store)) {
            return false;
        }
        try {
            c.sendStanza(c.getStanzaFactory().buildPresenceStanza()
                    .to(JidCreate.fullFrom(store.hex() + "@" + mucService(c) + "/" + device.hex()))
                    .addExtension(transport(json)).build());
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private void signIn() throws Exception {
        XmppToken token = sp.xmppToken(device);
        XMPPTCPConnection c = new XMPPTCPConnection(XMPPTCPConnectionConfiguration.builder()
                .setXmppDomain(token.domain()).setHost(token.host()).setPort(token.port())
                .setUsernameAndPassword(device.hex(), token.token()).setResource(resource)
                .setSecurityMode(SecurityMode.required).setCustomX509TrustManager(trust).setConnectTimeout(10_000).build());
        c.setReplyTimeout(10_000);
        // No stream management: a lost session is never resumed here (a new one signs in with a fresh token and
        // joins again), and its acknowledgements cost ~20 ms of latency per message under load (bench/xmpp).
        c.setUseStreamManagement(false);
        c.addConnectionListener(new ConnectionListener() {
            @Override
            public void connectionClosedOnError(Exception e) {
                lost(c, e);
            }
        });
        try {
            c.connect().login();
        } catch (Exception e) {
            c.disconnect();
            throw e;
        }
        connection = c;
        rooms.clear();
        backoff.reset();
        listener.onConnected();
        executor.execute(this::syncRooms);
    }

    private void lost(XMPPTCPConnection c, Exception cause) {
        if (c != connection) {
            return;
        }
        connection = null;
        rooms.clear();
        listener.onDisconnected(cause);
        scheduleSignIn();
    }

    private void scheduleSignIn() {
        if (closed) {
            return;
        }
        executor.schedule(() -> {
            try {
                signIn();
            } catch (SpApiException e) {
                if (e.status() == 401 || e.status() == 403) {
                    // The device is unlinked (its certificate revoked): no token will ever come.
                    closed = true;
                    listener.onDisconnected(e);
                    return;
                }
                scheduleSignIn();
            } catch (Exception e) {
                scheduleSignIn();
            }
        }, backoff.next().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void syncRooms() {
        XMPPTCPConnection c = connection;
        if (c == null || closed) {
            return;
        }
        MultiUserChatManager manager = MultiUserChatManager.getInstanceFor(c);
        for (SID store : Set.copyOf(rooms.keySet())) {
            if (!wanted.contains(store)) {
                MultiUserChat room = rooms.remove(store);
                try {
                    room.leave();
                } catch (Exception e) {
                    // gone already
                }
            }
        }
        for (SID store : wanted) {
            if (inRoom(store)) {
                continue;
            }
            try {
                MultiUserChat room = manager.getMultiUserChat(JidCreate.entityBareFrom(store.hex() + "@" + mucService(c)));
                if (listening.put(store, room) != room) {
                    room.addMessageListener(message -> onMessage(store, message));
                    room.addParticipantListener(presence -> onPresence(store, presence));
                }
                String json = candidates.get(store);
                var config = room.getEnterConfigurationBuilder(Resourcepart.from(device.hex())).requestMaxStanzasHistory(0);
                if (json != null) {
                    config.withPresence(p -> p.addExtension(transport(json)));
                }
                room.join(config.build());
                rooms.put(store, room);
            } catch (Exception e) {
                // Not a member (yet): the room is joined at the next sync, after the bridge has caught up.
                refusedJoins.incrementAndGet();
                executor.schedule(this::syncRooms, 1, TimeUnit.SECONDS);
            }
        }
    }

    private void onMessage(SID store, Message message) {
        if (message.getFrom() == null || message.getFrom().getResourceOrNull() == null) {
            return;
        }
        String nick = message.getFrom().getResourceOrNull().toString();
        if (nick.equals(device.hex())) {
            return; // our own, reflected
        }
        DID from = nick.equals(BRIDGE_NICK) ? origin(message) : did(nick);
        if (from == null || from.equals(device)) {
            return;
        }
        ExtensionElement transport = message.getExtensionElement("transport", TRANSPORT_NS);
        if (transport instanceof StandardExtensionElement t && nick.equals(BRIDGE_NICK)) {
            if (t.getText() != null) {
                listener.onCandidates(store, from, t.getText());
            }
            return;
        }
        if (message.getBody() == null) {
            return;
        }
        try {
            listener.onMaxcast(store, from, MaxcastFrame.parse(message.getBody()));
        } catch (MaxcastFrame.InvalidFrameException e) {
            // dropped: never handed on
        }
    }

    private void onPresence(SID store, Presence presence) {
        if (presence.getType() != Presence.Type.available || presence.getFrom() == null || presence.getFrom().getResourceOrNull() == null) {
            return;
        }
        DID from = did(presence.getFrom().getResourceOrNull().toString());
        ExtensionElement transport = presence.getExtensionElement("transport", TRANSPORT_NS);
        if (from != null && !from.equals(device) && transport instanceof StandardExtensionElement t && t.getText() != null) {
            listener.onCandidates(store, from, t.getText());
        }
    }

    /** The device a bridge's relay comes from: its {@code origin}'s {@code did}, else its {@code transport}'s. */
    private static DID origin(Message message) {
        String did = attribute(message.getExtensionElement("origin", MAXCAST_NS), "did");
        return did(did != null ? did : attribute(message.getExtensionElement("transport", TRANSPORT_NS), "did"));
    }

    private static String attribute(ExtensionElement element, String name) {
        return element instanceof StandardExtensionElement e ? e.getAttributeValue(name) : null;
    }

    private static DID did(String hex) {
        if (hex == null) {
            return null;
        }
        try {
            return DID.of(hex);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static StandardExtensionElement transport(String json) {
        return StandardExtensionElement.builder("transport", TRANSPORT_NS).setText(json).build();
    }

    private static String mucService(XMPPTCPConnection c) {
        return "c." + c.getXMPPServiceDomain();
    }

    @Override
    public void close() {
        closed = true;
        executor.shutdownNow();
        XMPPTCPConnection c = connection;
        connection = null;
        if (c != null) {
            c.disconnect();
        }
    }
}
