package dev.aero.client.xmpp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import org.jivesoftware.smack.ConnectionConfiguration.SecurityMode;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smack.tcp.XMPPTCPConnectionConfiguration;
import org.jivesoftware.smackx.muc.MultiUserChat;
import org.jivesoftware.smackx.muc.MultiUserChatManager;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.jid.parts.Resourcepart;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

import dev.aero.client.sp.SpClient;
import dev.aero.common.id.DID;
import dev.aero.common.id.SID;
import dev.aero.common.testing.TestEjabberd;
import dev.aero.common.xmpp.MaxcastFrame;

/**
 * A device's XMPP session on the real ejabberd test node, with its tokens from an SP stand-in
 * that signs them with the node's key: it enters its store's room, hears another device's
 * frames (never a bad one) and, after ejabberd ends its session, signs in again with a fresh
 * token and is back in the room.
 */
class XmppClientTest {

    private static final String FRAME = "AAAAAf////8AAAAFaGVsbG9i";

    private TestEjabberd ejabberd;
    private HttpServer sp;
    private final AtomicInteger tokens = new AtomicInteger();
    private XmppClient client;
    private XMPPTCPConnection other;

    @BeforeEach
    void start() throws IOException {
        ejabberd = TestEjabberd.get();
        sp = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        sp.createContext("/api/v1/devices/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            String did = path.substring("/api/v1/devices/".length(), path.indexOf("/xmpp-token"));
            String jid = did + "@" + ejabberd.domain();
            Instant expires = Instant.now().plusSeconds(300);
            tokens.incrementAndGet();
            byte[] body = ("{\"token\":\"" + ejabberd.jwtKey().sign(jid, expires) + "\",\"jid\":\"" + jid + "\",\"expires_at\":\"" + expires
                    + "\",\"host\":\"" + ejabberd.host() + "\",\"port\":" + ejabberd.port() + ",\"domain\":\"" + ejabberd.domain()
                    + "\",\"muc_service\":\"" + ejabberd.mucService() + "\"}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        sp.start();
    }

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        if (other != null) {
            other.disconnect();
        }
        sp.stop(0);
    }

    private int api(String command, String json) throws Exception {
        String auth = Base64.getEncoder().encodeToString((ejabberd.bridgeJid() + ":" + ejabberd.bridgePassword()).getBytes(StandardCharsets.UTF_8));
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(ejabberd.apiUrl() + "/" + command))
                .header("Authorization", "Basic " + auth).POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    private SID room(DID... members) throws Exception {
        SID sid = SID.random();
        assertThat(api("create_room_with_opts", "{\"name\":\"" + sid.hex() + "\",\"service\":\"" + ejabberd.mucService() + "\",\"host\":\""
                + ejabberd.domain() + "\",\"options\":[{\"name\":\"members_only\",\"value\":\"true\"},{\"name\":\"moderated\",\"value\":\"false\"}]}"))
                .isEqualTo(200);
        for (DID d : members) {
            assertThat(api("set_room_affiliation", "{\"name\":\"" + sid.hex() + "\",\"service\":\"" + ejabberd.mucService() + "\",\"jid\":\""
                    + d.hex() + "@" + ejabberd.domain() + "\",\"affiliation\":\"member\"}")).isEqualTo(200);
        }
        return sid;
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(condition.getAsBoolean()).as(what).isTrue();
    }

    /** The device's client, with a token stand-in SP; frames it hears go to {@code heard} as {@code <sid> <from> <frame>}. */
    private XmppClient client(DID me, BlockingQueue<String> heard) {
        return new XmppClient(SpClient.builder(URI.create("http://127.0.0.1:" + sp.getAddress().getPort())).build(), me,
                ejabberd.trustManager(), "test", new XmppListener() {
                    @Override
                    public void onMaxcast(SID store, DID from, MaxcastFrame frame) {
                        heard.add(store.hex() + " " + from.hex() + " " + frame.text());
                    }
                });
    }

    /** Another device, signed in with plain Smack and in the store's room. */
    private MultiUserChat peerInRoom(DID peer, SID sid) throws Exception {
        String peerJid = peer.hex() + "@" + ejabberd.domain();
        other = new XMPPTCPConnection(XMPPTCPConnectionConfiguration.builder().setXmppDomain(ejabberd.domain()).setHost(ejabberd.host())
                .setPort(ejabberd.port()).setUsernameAndPassword(peer.hex(), ejabberd.jwtKey().sign(peerJid, Instant.now().plusSeconds(300)))
                .setSecurityMode(SecurityMode.required).setCustomX509TrustManager(ejabberd.trustManager()).build());
        other.connect().login();
        MultiUserChat peerRoom = MultiUserChatManager.getInstanceFor(other).getMultiUserChat(JidCreate.entityBareFrom(sid.hex() + "@"
                + ejabberd.mucService()));
        peerRoom.join(peerRoom.getEnterConfigurationBuilder(Resourcepart.from(peer.hex())).requestMaxStanzasHistory(0).build());
        return peerRoom;
    }

    @Test
    void aDeviceSitsInItsRoomsHearsOthersFramesAndComesBackAfterItsSessionEnds() throws Exception {
        DID me = DID.random();
        DID peer = DID.random();
        SID sid = room(me, peer);
        BlockingQueue<String> heard = new LinkedBlockingQueue<>();
        client = client(me, heard);
        client.connect();
        client.rooms(Set.of(sid));
        await(() -> client.inRoom(sid), "in the room");

        MultiUserChat peerRoom = peerInRoom(peer, sid);
        peerRoom.sendMessage("AAAAAf////8AAAAFaGVsbG9j");
        peerRoom.sendMessage(FRAME);
        assertThat(heard.poll(5, TimeUnit.SECONDS)).as("the bad frame is never handed on").isEqualTo(sid.hex() + " " + peer.hex() + " " + FRAME);
        assertThat(client.sendMaxcast(sid, MaxcastFrame.parse(FRAME))).isTrue();
        assertThat(heard.poll(500, TimeUnit.MILLISECONDS)).as("its own frame is not heard").isNull();

        // ejabberd ends the device's session: it signs in again, with a new token, and is back in the room.
        assertThat(tokens.get()).isEqualTo(1);
        assertThat(api("kick_user", "{\"user\":\"" + me.hex() + "\",\"host\":\"" + ejabberd.domain() + "\"}")).isEqualTo(200);
        await(() -> tokens.get() == 2 && client.inRoom(sid), "back in the room with a fresh token");
        peerRoom.sendMessage(FRAME);
        assertThat(heard.poll(5, TimeUnit.SECONDS)).isEqualTo(sid.hex() + " " + peer.hex() + " " + FRAME);
    }

    @Test
    void aDeviceThatTriedItsRoomBeforeItWasAMemberHearsEachFrameOnce() throws Exception {
        DID me = DID.random();
        DID peer = DID.random();
        SID sid = room(peer);
        BlockingQueue<String> heard = new LinkedBlockingQueue<>();
        client = client(me, heard);
        client.connect();
        client.rooms(Set.of(sid));
        // Refused while not a member (the client tries again every second); let it be refused at least twice.
        await(() -> client.refusedJoins() >= 2, "two refused attempts");
        assertThat(client.inRoom(sid)).isFalse();
        assertThat(api("set_room_affiliation", "{\"name\":\"" + sid.hex() + "\",\"service\":\"" + ejabberd.mucService() + "\",\"jid\":\""
                + me.hex() + "@" + ejabberd.domain() + "\",\"affiliation\":\"member\"}")).isEqualTo(200);
        await(() -> client.inRoom(sid), "in the room once a member");

        MultiUserChat peerRoom = peerInRoom(peer, sid);
        peerRoom.sendMessage(FRAME);
        assertThat(heard.poll(5, TimeUnit.SECONDS)).isEqualTo(sid.hex() + " " + peer.hex() + " " + FRAME);
        assertThat(heard.poll(500, TimeUnit.MILLISECONDS)).as("heard once, not once per refused attempt").isNull();
    }
}
