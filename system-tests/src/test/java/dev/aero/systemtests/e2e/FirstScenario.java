package dev.aero.systemtests.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.X509TrustManager;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.aero.client.devman.CheckinClient;
import dev.aero.client.sp.Acl;
import dev.aero.client.sp.Device;
import dev.aero.client.sp.SignUp;
import dev.aero.client.sp.SpClient;
import dev.aero.client.ssmp.SsmpException;
import dev.aero.client.store.StoreChannel;
import dev.aero.client.xmpp.XmppClient;
import dev.aero.client.xmpp.XmppListener;
import dev.aero.client.zephyr.ZephyrClient;
import dev.aero.common.auth.ServiceCredential;
import dev.aero.common.command.CommandType;
import dev.aero.common.id.DID;
import dev.aero.common.id.SID;
import dev.aero.common.id.UserID;
import dev.aero.common.ssmp.StoreMessage;
import dev.aero.common.xmpp.MaxcastFrame;

/**
 * The end-to-end scenarios, across the real processes of a running platform (SP, verkehr,
 * command-server, devman, zephyr-relay, xmpp-bridge; MariaDB, Redis and ejabberd), driven only
 * through the {@code client} SDK as desktop clients would, on the ports the platform publishes.
 * They run against every way the platform is deployed: the launcher's native processes
 * ({@link FirstScenarioTest}) and the compose stack ({@link ComposeScenarioTest}).
 *
 * <p>The first: sign up, register two devices, hold verkehr connections (devman shows them
 * online), a rename pushed to the other device, relay ids swapped over SSMP unicast and 100 MiB
 * moved through zephyr, an unlink with wipe that the device carries out within two seconds
 * while everything else refuses it, and a command enqueued while verkehr is down that reaches
 * the device when it is back.
 *
 * <p>Sharing: two users, three devices. A shares a folder with B; B joins, and B's ACL follower
 * has the folder within a second; the devices meet on the store topic with PRESENCE and exchange
 * a maxcast; A removes B, and B's devices are out of the store within 5 s and B's follower drops
 * the folder.
 *
 * <p>XMPP: an XMPP-only device, an SSMP-only device and a device on both transports hear each
 * other's maxcast and candidates exactly once through xmpp-bridge; verkehr restarted under the
 * bridge, and the bridge killed while folders change, both heal by themselves.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
abstract class FirstScenario {

    static final JsonMapper JSON = JsonMapper.builder().build();
    static final String PASSWORD = "correct horse battery staple";
    private static final long RELAYED_BYTES = 100L * 1024 * 1024;
    /** The platform the class under way runs against. */
    protected static ScenarioPlatform platform;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** Starts {@code started} from nothing and runs this class's scenarios against it. */
    static void begin(ScenarioPlatform started) throws Exception {
        platform = started;
        admin = null;
        platform.start();
    }

    @AfterAll
    static void stopPlatform() throws Exception {
        if (platform != null) {
            platform.close();
        }
    }

    static URI sp() {
        return platform.http(8080);
    }

    private static URI commandServerForDevices() {
        return URI.create("https://localhost:" + platform.port(9021));
    }

    private static URI devmanForDevices() {
        return URI.create("https://localhost:" + platform.port(8702));
    }

    private static URI spForDevices() {
        return URI.create("https://localhost:" + platform.port(8443));
    }

    DesktopDevice device(Account owner, String name) throws Exception {
        return DesktopDevice.register(owner.client(), UserID.of(owner.email()), name, commandServerForDevices(), spForDevices(),
                "localhost", platform.port(29438), false);
    }

    /** A device on both transports: verkehr and the store rooms, through the SDK's store channel. */
    private DesktopDevice deviceOnBoth(Account owner, String name) throws Exception {
        return DesktopDevice.register(owner.client(), UserID.of(owner.email()), name, commandServerForDevices(), spForDevices(),
                "localhost", platform.port(29438), true);
    }

    record Account(String email, SpClient client) { }

    private static Account admin;

    /**
     * The organization's first user, who created it with the setup token the launcher gives the
     * operator (whichever scenario runs first signs it up).
     */
    static synchronized Account admin() throws Exception {
        if (admin == null) {
            String email = "e2e-" + System.nanoTime() + "@example.com";
            SpClient anonymous = SpClient.create(sp());
            String setupToken = platform.setupToken();
            assertThat(platform.launcherLog()).as("./aero up shows the operator the setup token").contains(setupToken);
            ScenarioPlatform.SecretFile tokenFile = platform.setupTokenFile();
            assertThat(tokenFile).as("the setup token's file").isNotNull();
            assertThat(tokenFile.permissions()).as(tokenFile.where()).isEqualTo("rw-------");
            assertThat(tokenFile.content().strip()).isEqualTo(setupToken);
            anonymous.signUp(SignUp.firstAdmin(email, PASSWORD, "Eve", "Tester", "E2E Org", setupToken));
            assertThat(platform.setupTokenFile()).as("the used setup token's file").isNull();
            admin = new Account(email, anonymous.withToken(anonymous.signIn(email, PASSWORD).token()));
        }
        return admin;
    }

    /** A user the admin invited. */
    static Account invitedUser(String who) throws Exception {
        String email = "e2e-" + who + "-" + System.nanoTime() + "@example.com";
        String code = admin().client().invite(email).invitationCode();
        SpClient anonymous = SpClient.create(sp());
        anonymous.signUp(new SignUp(email, PASSWORD, "Bo", "Invited", code, null));
        return new Account(email, anonymous.withToken(anonymous.signIn(email, PASSWORD).token()));
    }

    /** devman's view of a device (service API), or null when it has never seen it. */
    JsonNode devman(DID did) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(platform.http(8701).resolve("/v1/devices/" + did.hex()))
                .header(ServiceCredential.HEADER, new ServiceCredential("system-tests", platform.deploymentSecret()).toHeaderValue())
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 404) {
            return null;
        }
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    /** Waits until devman shows the device online (or offline); returns how long that took. */
    Duration awaitDevmanOnline(DID did, boolean online, Duration timeout) throws Exception {
        long start = System.nanoTime();
        DesktopDevice.await(() -> {
            try {
                JsonNode d = devman(did);
                return d != null && d.path("online").asBoolean() == online ? d : null;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, timeout, "devman showing " + did + (online ? " online" : " offline"));
        return Duration.ofNanos(System.nanoTime() - start);
    }

    @Test
    void twoDevicesOfOneUserFromSignUpToUnlink() throws Exception {
        // A user signs up (the first one creates the organization) and signs in.
        Account account = admin();
        SpClient user = account.client();

        // Two devices registered from CSRs, each holding a verkehr connection with its certificate.
        try (DesktopDevice one = device(account, "desktop one"); DesktopDevice two = device(account, "desktop two")) {
            one.goOnline();
            Duration oneOnline = awaitDevmanOnline(one.did, true, Duration.ofSeconds(5));
            two.goOnline();
            Duration twoOnline = awaitDevmanOnline(two.did, true, Duration.ofSeconds(5));
            report("SSMP login to online in devman: %d ms and %d ms", oneOnline.toMillis(), twoOnline.toMillis());
            try (CheckinClient checkin = new CheckinClient(devmanForDevices(), one.tls)) {
                CheckinClient.CheckedIn seen = checkin.checkin();
                assertThat(seen.ipAddress()).isEqualTo(platform.clientAddressSeenByServices());
                assertThat(seen.interval()).isEqualTo(Duration.ofSeconds(60));
            }
            assertThat(oneOnline).isLessThan(Duration.ofSeconds(1));
            assertThat(twoOnline).isLessThan(Duration.ofSeconds(1));
            assertThat(devman(one.did).path("online_via").toString()).isEqualTo("[\"ssmp\"]");
            // SP's device list carries devman's view (SP leaves devman alone for a few seconds
            // after a miss, which a cold start of both may cause).
            DesktopDevice.await(() -> user.devices().stream().allMatch(d -> Boolean.TRUE.equals(d.online())) ? true : null,
                    Duration.ofSeconds(15), "SP's device list showing both devices online");
            assertThat(user.devices()).extracting(Device::lastSeenTime).doesNotContainNull();

            // Renaming device 1 tells device 2, by push.
            long renamed = System.nanoTime();
            user.renameDevice(one.did, "desktop one, renamed");
            DesktopDevice.Push renamePush = two.awaitPush(CommandType.INVALIDATE_DEVICE_NAME_CACHE, renamed, Duration.ofSeconds(5));
            report("rename request to push receipt on the other device: %d ms", (renamePush.receivedNanos() - renamed) / 1_000_000);
            two.awaitHandled(CommandType.INVALIDATE_DEVICE_NAME_CACHE, Duration.ofSeconds(5));
            assertThat(one.pushes).noneMatch(p -> p.type() == CommandType.INVALIDATE_DEVICE_NAME_CACHE);

            relay100MiB(one, two);
            unlinkWithWipe(user, one, two);
            commandEnqueuedWhileVerkehrIsDownArrivesWhenItIsBack(user, one);
        }
    }

    @Test
    void twoUsersShareAFolderAndTheirDevicesMeetInItsStoreTopic() throws Exception {
        // Neither is the admin, whose device list the first scenario checks.
        Account a = invitedUser("owner");
        Account b = invitedUser("sharer");
        try (DesktopDevice a1 = device(a, "a's desktop"); DesktopDevice b1 = device(b, "b's laptop");
                DesktopDevice b2 = device(b, "b's desktop")) {
            for (DesktopDevice d : new DesktopDevice[] {a1, b1, b2}) {
                d.goOnline();
                d.awaitAcl(x -> true, 0, Duration.ofSeconds(10));
            }

            // A shares a folder with B; B joins, and B's follower has it within a second.
            SID sid = SID.random();
            a.client().createSharedFolder("Project plans", sid);
            a.client().inviteToSharedFolder(sid, b.email(), "EDITOR");
            assertThat(b.client().sharedFolders()).extracting(f -> f.sid() + " " + f.state()).contains(sid + " PENDING");
            b.client().joinSharedFolder(sid);
            long joined = System.nanoTime();
            DesktopDevice.SeenAcl seen = b1.awaitAcl(x -> x.has(sid), 0, Duration.ofSeconds(5));
            Duration toFollower = Duration.ofNanos(Math.max(0, seen.receivedNanos() - joined));
            report("join answered to the folder in B's ACL follower: %d ms", toFollower.toMillis());
            assertThat(toFollower).isLessThan(Duration.ofSeconds(1));
            Acl.Store store = seen.acl().stores().stream().filter(s -> s.sid().equals(sid)).findFirst().orElseThrow();
            assertThat(store.role()).isEqualTo("EDITOR");
            assertThat(store.members()).extracting(Acl.Member::user).containsExactlyInAnyOrder(a.email(), b.email());
            b2.awaitAcl(x -> x.has(sid), 0, Duration.ofSeconds(5));
            a1.awaitAcl(x -> x.has(sid) && x.acl().stores().stream().anyMatch(s -> s.members().size() == 2), 0, Duration.ofSeconds(5));

            // The devices meet in the store with PRESENCE and exchange a maxcast.
            a1.ssmp().subscribe(sid.hex(), true);
            b1.ssmp().subscribe(sid.hex(), true);
            b2.ssmp().subscribe(sid.hex(), false);
            a1.awaitPresence("SUBSCRIBE " + b1.did.hex() + " " + sid.hex(), Duration.ofSeconds(5));
            a1.awaitPresence("SUBSCRIBE " + b2.did.hex() + " " + sid.hex(), Duration.ofSeconds(5));
            b1.awaitPresence("SUBSCRIBE " + a1.did.hex() + " " + sid.hex(), Duration.ofSeconds(5));
            b1.ssmp().mcast(sid.hex(), maxcast(b1.did));
            String expected = b1.did.hex() + " " + sid.hex() + " mc " + b1.did.hex() + " " + FRAME;
            a1.awaitMulticast(expected::equals, Duration.ofSeconds(5));
            b2.awaitMulticast(expected::equals, Duration.ofSeconds(5));

            // The store's XMPP room, kept by xmpp-bridge from SP's svc/stores feed, has the three devices as members.
            awaitRoomMembers(sid, Set.of(a1.did, b1.did, b2.did), Duration.ofSeconds(5));

            // A removes B: B's devices leave the store within 5 s, and B's follower drops the folder.
            long removed = System.nanoTime();
            a.client().removeSharedFolderMember(sid, b.email());
            long gone1 = a1.awaitPresence("UNSUBSCRIBE " + b1.did.hex() + " " + sid.hex(), Duration.ofSeconds(10));
            long gone2 = a1.awaitPresence("UNSUBSCRIBE " + b2.did.hex() + " " + sid.hex(), Duration.ofSeconds(10));
            Duration out = Duration.ofNanos(Math.max(gone1, gone2) - removed);
            report("member removal to its devices out of the store topic: %d ms", out.toMillis());
            assertThat(out).isLessThan(Duration.ofSeconds(5));
            b1.awaitAcl(x -> !x.has(sid), removed, Duration.ofSeconds(5));
            awaitRoomMembers(sid, Set.of(a1.did), Duration.ofSeconds(5));
            report("member removal to its devices out of the XMPP room: %d ms", (System.nanoTime() - removed) / 1_000_000);
            assertThatThrownBy(() -> b1.ssmp().mcast(sid.hex(), maxcast(b1.did)))
                    .isInstanceOfSatisfying(SsmpException.class, e -> assertThat(e.code()).isEqualTo(401));
            assertThatThrownBy(() -> b2.ssmp().subscribe(sid.hex(), false))
                    .isInstanceOfSatisfying(SsmpException.class, e -> assertThat(e.code()).isEqualTo(401));
            a1.ssmp().mcast(sid.hex(), maxcast(a1.did));
            assertThat(a1.ssmp().subscriptions()).contains(sid.hex());
        }
    }

    @Test
    void anXmppDeviceAnSsmpDeviceAndADeviceOnBothHearEachOtherOnceThroughTheBridge() throws Exception {
        Account a = invitedUser("xmpp-owner");
        Account b = invitedUser("ssmp-member");
        try (DesktopDevice x = device(a, "a's XMPP-only laptop"); DesktopDevice both = deviceOnBoth(a, "a's desktop on both");
                DesktopDevice s = device(b, "b's SSMP-only desktop")) {
            s.goOnline();
            both.goOnline();
            SID sid = SID.random();
            a.client().createSharedFolder("Bridged", sid);
            a.client().inviteToSharedFolder(sid, b.email(), "EDITOR");
            b.client().joinSharedFolder(sid);
            awaitRoomMembers(sid, Set.of(x.did, both.did, s.did), Duration.ofSeconds(5));

            BlockingQueue<String> heardByX = new LinkedBlockingQueue<>();
            // ejabberd serves a certificate of the platform CA (the bridge keeps it): the device trusts the CA it registered with.
            X509TrustManager ejabberdTrust = trusting(x.certificate.caCertificate());
            try (XmppClient xmpp = new XmppClient(x.asDevice, x.did, ejabberdTrust, "laptop", new XmppListener() {
                @Override
                public void onMaxcast(SID store, DID from, MaxcastFrame frame) {
                    heardByX.add("mc " + store.hex() + " " + from.hex() + " " + frame.text());
                }

                @Override
                public void onCandidates(SID store, DID from, String json) {
                    heardByX.add("loc " + store.hex() + " " + from.hex() + " " + json);
                }
            })) {
                xmpp.connect();
                xmpp.rooms(Set.of(sid));
                DesktopDevice.await(() -> xmpp.inRoom(sid) ? true : null, Duration.ofSeconds(10), "the XMPP device in the room");
                // The bridge reports the device's room presence: devman shows it online via xmpp alone.
                long joinedRoom = System.nanoTime();
                DesktopDevice.await(() -> {
                    try {
                        JsonNode d = devman(x.did);
                        return d != null && d.path("online").asBoolean() && d.path("online_via").toString().equals("[\"xmpp\"]") ? d : null;
                    } catch (Exception e) {
                        return null;
                    }
                }, Duration.ofSeconds(10), "devman showing the XMPP device online via xmpp");
                report("XMPP device in its room to online via xmpp in devman: %d ms", (System.nanoTime() - joinedRoom) / 1_000_000);
                s.ssmp().subscribe(sid.hex(), false);
                // The device on both follows the store on both: its topic and its room.
                both.goOnXmppToo(trusting(both.certificate.caCertificate()));
                both.channel.stores(Set.of(sid));
                DesktopDevice.await(() -> both.xmpp().inRoom(sid) && both.ssmp().subscriptions().contains(sid.hex()) ? true : null,
                        Duration.ofSeconds(10), "the device on both in the room and on the topic");

                // Maxcast from each reaches the other two exactly once. verkehr names the bridge as the sender of
                // what it relays; the line names the device.
                String fromX = frame("from the XMPP-only device");
                String fromS = frame("from the SSMP-only device");
                String fromBoth = frame("from the device on both");
                long sent = System.nanoTime();
                assertThat(xmpp.sendMaxcast(sid, MaxcastFrame.parse(fromX))).isTrue();
                assertThat(nextOn(s, sid, Duration.ofSeconds(5))).matches("xmpp-bridge/[0-9a-f]+ " + sid.hex() + " mc " + x.did.hex() + " " + fromX);
                report("maxcast XMPP device to SSMP device through the bridge: %d ms", (System.nanoTime() - sent) / 1_000_000);
                assertThat(both.storeMessages.poll(5, TimeUnit.SECONDS)).isEqualTo("mc " + sid.hex() + " " + x.did.hex() + " " + fromX);

                sent = System.nanoTime();
                s.ssmp().mcast(sid.hex(), new StoreMessage(StoreMessage.Kind.MAXCAST, s.did, fromS).payload());
                assertThat(heardByX.poll(5, TimeUnit.SECONDS)).isEqualTo("mc " + sid.hex() + " " + s.did.hex() + " " + fromS);
                report("maxcast SSMP device to XMPP device through the bridge: %d ms", (System.nanoTime() - sent) / 1_000_000);
                assertThat(both.storeMessages.poll(5, TimeUnit.SECONDS)).isEqualTo("mc " + sid.hex() + " " + s.did.hex() + " " + fromS);

                // The device on both sends once (on verkehr, which confirms it); the bridge carries it into the room.
                assertThat(both.channel.sendMaxcast(sid, MaxcastFrame.parse(fromBoth))).isEqualTo(StoreChannel.Transport.SSMP);
                assertThat(nextOn(s, sid, Duration.ofSeconds(5))).matches(both.did.hex() + " " + sid.hex() + " mc " + both.did.hex() + " " + fromBoth);
                assertThat(heardByX.poll(5, TimeUnit.SECONDS)).isEqualTo("mc " + sid.hex() + " " + both.did.hex() + " " + fromBoth);

                // Candidates likewise: in room presence, as loc on verkehr, and from the device on both (in its room presence).
                assertThat(xmpp.publishCandidates(sid, "{\"tcp\":[\"10.0.0.7:3000\"]}")).isTrue();
                assertThat(nextOn(s, sid, Duration.ofSeconds(5)))
                        .matches("xmpp-bridge/[0-9a-f]+ " + sid.hex() + " loc " + x.did.hex() + " \\{\"tcp\":\\[\"10\\.0\\.0\\.7:3000\"\\]\\}");
                assertThat(both.storeMessages.poll(5, TimeUnit.SECONDS)).isEqualTo("loc " + sid.hex() + " " + x.did.hex() + " {\"tcp\":[\"10.0.0.7:3000\"]}");
                s.ssmp().mcast(sid.hex(), new StoreMessage(StoreMessage.Kind.CANDIDATES, s.did, "{\"tcp\":[\"10.0.0.8:3000\"]}").payload());
                assertThat(heardByX.poll(5, TimeUnit.SECONDS)).isEqualTo("loc " + sid.hex() + " " + s.did.hex() + " {\"tcp\":[\"10.0.0.8:3000\"]}");
                assertThat(both.storeMessages.poll(5, TimeUnit.SECONDS)).isEqualTo("loc " + sid.hex() + " " + s.did.hex() + " {\"tcp\":[\"10.0.0.8:3000\"]}");
                assertThat(both.channel.publishCandidates(sid, "{\"tcp\":[\"10.0.0.9:3000\"]}")).isEqualTo(StoreChannel.Transport.XMPP);
                assertThat(heardByX.poll(5, TimeUnit.SECONDS)).isEqualTo("loc " + sid.hex() + " " + both.did.hex() + " {\"tcp\":[\"10.0.0.9:3000\"]}");
                assertThat(nextOn(s, sid, Duration.ofSeconds(5)))
                        .matches("xmpp-bridge/[0-9a-f]+ " + sid.hex() + " loc " + both.did.hex() + " \\{\"tcp\":\\[\"10\\.0\\.0\\.9:3000\"\\]\\}");

                // Nothing twice, nothing back to its sender, on any side: the device on both heard each of the
                // four messages of the others on both transports and kept one.
                assertThat(heardByX.poll(500, TimeUnit.MILLISECONDS)).isNull();
                assertThat(nextOn(s, sid, Duration.ofMillis(500))).isNull();
                assertThat(both.storeMessages.poll(500, TimeUnit.MILLISECONDS)).isNull();
                assertThat(both.channel.duplicates()).isGreaterThanOrEqualTo(4);

                // The owner removes B: its device is out of the room at once, and out of the topic.
                long removed = System.nanoTime();
                a.client().removeSharedFolderMember(sid, b.email());
                awaitRoomMembers(sid, Set.of(x.did, both.did), Duration.ofSeconds(5));
                assertThatThrownBy(() -> s.ssmp().mcast(sid.hex(), maxcast(s.did)))
                        .isInstanceOfSatisfying(SsmpException.class, e -> assertThat(e.code()).isEqualTo(401));
                report("member removal to its device out of the room and the topic: %d ms", (System.nanoTime() - removed) / 1_000_000);
            }
        }
    }

    @Test
    void afterVerkehrRestartsTheBridgeHoldsItsStoreTopicsAgainAndRelaysBothWays() throws Exception {
        Account a = invitedUser("restart-owner");
        Account b = invitedUser("restart-member");
        try (DesktopDevice x = device(a, "a's XMPP-only laptop"); DesktopDevice s = device(b, "b's SSMP-only desktop")) {
            s.goOnline();
            SID before = SID.random();
            a.client().createSharedFolder("Before the restart", before);
            a.client().inviteToSharedFolder(before, b.email(), "EDITOR");
            b.client().joinSharedFolder(before);
            awaitRoomMembers(before, Set.of(x.did, s.did), Duration.ofSeconds(5));
            BlockingQueue<String> heardByX = new LinkedBlockingQueue<>();
            try (XmppClient xmpp = new XmppClient(x.asDevice, x.did, trusting(x.certificate.caCertificate()), "laptop", new XmppListener() {
                @Override
                public void onMaxcast(SID store, DID from, MaxcastFrame frame) {
                    heardByX.add("mc " + store.hex() + " " + from.hex() + " " + frame.text());
                }
            })) {
                xmpp.connect();
                xmpp.rooms(Set.of(before));
                DesktopDevice.await(() -> xmpp.inRoom(before) ? true : null, Duration.ofSeconds(10), "the XMPP device in the room");
                s.ssmp().subscribe(before.hex(), true);

                platform.kill("verkehr-push");
                awaitBridgeHealth("verkehr", "DOWN", Duration.ofSeconds(10));
                // A folder shared while verkehr is down: SP keeps its svc/stores event in the outbox, and the
                // bridge must also take up a topic it never held.
                SID during = SID.random();
                a.client().createSharedFolder("During the restart", during);
                a.client().inviteToSharedFolder(during, b.email(), "EDITOR");
                b.client().joinSharedFolder(during);
                xmpp.rooms(Set.of(before, during));
                int presenceSeen = s.presence.size();
                long restarted = System.nanoTime();
                platform.up();
                awaitBridgeHealth("verkehr", "UP", Duration.ofSeconds(30));
                awaitRoomMembers(during, Set.of(x.did, s.did), Duration.ofSeconds(10));
                DesktopDevice.await(() -> xmpp.inRoom(during) ? true : null, Duration.ofSeconds(10), "the XMPP device in the new room");
                DesktopDevice.await(() -> s.ssmp().isConnected() ? true : null, Duration.ofSeconds(30), "the SSMP device back on verkehr");
                s.ssmp().subscribe(during.hex(), true);
                // verkehr keeps no subscriptions across its restart: the bridge is seen taking both topics again.
                for (SID sid : List.of(before, during)) {
                    DesktopDevice.await(() -> {
                        List<String> events = List.copyOf(s.presence);
                        return events.subList(presenceSeen, events.size()).stream()
                                .anyMatch(e -> e.matches("SUBSCRIBE xmpp-bridge/[0-9a-f]+ " + sid.hex())) ? true : null;
                    }, Duration.ofSeconds(10), "the bridge on " + sid + " again");
                }
                report("verkehr started again to the bridge holding its store topics: %d ms", (System.nanoTime() - restarted) / 1_000_000);

                // Relaying resumes both ways on both stores, once each.
                for (SID sid : List.of(before, during)) {
                    String fromS = frame("after the restart, from SSMP on " + sid.hex().substring(0, 8));
                    s.ssmp().mcast(sid.hex(), new StoreMessage(StoreMessage.Kind.MAXCAST, s.did, fromS).payload());
                    assertThat(heardByX.poll(5, TimeUnit.SECONDS)).isEqualTo("mc " + sid.hex() + " " + s.did.hex() + " " + fromS);
                    String fromX = frame("after the restart, from XMPP on " + sid.hex().substring(0, 8));
                    assertThat(xmpp.sendMaxcast(sid, MaxcastFrame.parse(fromX))).isTrue();
                    assertThat(nextOn(s, sid, Duration.ofSeconds(5))).matches("xmpp-bridge/[0-9a-f]+ " + sid.hex() + " mc " + x.did.hex() + " " + fromX);
                }
                assertThat(heardByX.poll(500, TimeUnit.MILLISECONDS)).isNull();
                assertThat(nextOn(s, before, Duration.ofMillis(200))).isNull();
                assertThat(nextOn(s, during, Duration.ofMillis(200))).isNull();
            }
        }
    }

    @Test
    void changesMadeWhileTheBridgeIsDownAreInTheRoomsOnceItIsBack() throws Exception {
        Account a = invitedUser("bridge-down-owner");
        Account b = invitedUser("bridge-down-member");
        try (DesktopDevice da = device(a, "a's laptop"); DesktopDevice db = device(b, "b's laptop")) {
            SID shrinks = SID.random();
            a.client().createSharedFolder("Loses a member", shrinks);
            a.client().inviteToSharedFolder(shrinks, b.email(), "EDITOR");
            b.client().joinSharedFolder(shrinks);
            SID destroyed = SID.random();
            a.client().createSharedFolder("Destroyed", destroyed);
            awaitRoomMembers(shrinks, Set.of(da.did, db.did), Duration.ofSeconds(5));
            awaitRoomMembers(destroyed, Set.of(da.did), Duration.ofSeconds(5));

            // The bridge dies; SP's svc/stores events for what follows go to no one.
            platform.kill("xmpp-bridge");
            a.client().removeSharedFolderMember(shrinks, b.email());
            a.client().destroySharedFolder(destroyed);
            SID created = SID.random();
            a.client().createSharedFolder("Created", created);
            a.client().inviteToSharedFolder(created, b.email(), "VIEWER");
            b.client().joinSharedFolder(created);

            long started = System.nanoTime();
            platform.up();
            // The reconciliation at its start brings every room in line.
            awaitRoomMembers(shrinks, Set.of(da.did), Duration.ofSeconds(30));
            awaitRoomGone(destroyed, Duration.ofSeconds(30));
            awaitRoomMembers(created, Set.of(da.did, db.did), Duration.ofSeconds(30));
            report("xmpp-bridge started again to every room in line: %d ms", (System.nanoTime() - started) / 1_000_000);
            awaitBridgeHealth("rooms", "UP", Duration.ofSeconds(10));
        }
    }

    @Test
    void secretsOnDiskAreTheirOwnersAloneAndNeverInALog() throws Exception {
        // Every secret file is its owner's alone (0600, 0700 for a directory) or, where two
        // services' accounts share it, its group's too; never anybody else's.
        List<ScenarioPlatform.SecretFile> files = platform.secretFiles();
        assertThat(files).as("secret files found").hasSizeGreaterThanOrEqualTo(6);
        for (ScenarioPlatform.SecretFile f : files) {
            assertThat(f.permissions()).as(f.where()).isEqualTo(f.expected()).endsWith("---");
        }

        // The secrets' values, and a line of the CA's private key, appear in no log of the platform.
        List<String> secrets = new java.util.ArrayList<>();
        secrets.add(platform.deploymentSecret());
        secrets.add(secret(files, "bridge.password").strip());
        secrets.add(JSON.readTree(secret(files, "jwt.jwk")).path("k").asString());
        secret(files, "ca.key.pem").lines().filter(l -> !l.startsWith("-----") && l.length() >= 40).findFirst().ifPresent(secrets::add);
        assertThat(secrets).hasSize(4).allSatisfy(v -> assertThat(v).hasSizeGreaterThanOrEqualTo(32));
        Map<String, String> logs = platform.logs();
        for (Map.Entry<String, String> log : logs.entrySet()) {
            for (String secret : secrets) {
                assertThat(log.getValue()).as(log.getKey() + " holds a secret").doesNotContain(secret);
            }
        }
        assertThat(logs).as("the platform's logs").hasSizeGreaterThanOrEqualTo(6);
        assertThat(logs.values()).as("logs with something in them").filteredOn(l -> l.length() > 1000).hasSizeGreaterThanOrEqualTo(6);
    }

    private static String secret(List<ScenarioPlatform.SecretFile> files, String name) {
        return files.stream().filter(f -> f.where().endsWith("/" + name)).map(ScenarioPlatform.SecretFile::content).findFirst()
                .orElseThrow(() -> new AssertionError("no " + name + " among " + files.stream().map(ScenarioPlatform.SecretFile::where).toList()));
    }

    @Test
    void everyOperationOfEveryApiRefusesEveryCredentialItDoesNotGrant() throws Exception {
        Account a = invitedUser("authz-a");
        Account b = invitedUser("authz-b");
        String ca = a.client().caCertificatePem();
        dev.aero.client.device.DeviceKeys linkedKeys = dev.aero.client.device.DeviceKeys.generate();
        DID linked = DID.random();
        a.client().registerDevice(new dev.aero.client.sp.RegisterDevice(linkedKeys.certificationRequestPem(linked), "a-laptop", "Linux", "Debian 13"));
        dev.aero.client.device.DeviceKeys revokedKeys = dev.aero.client.device.DeviceKeys.generate();
        DID revoked = DID.random();
        String revokedPem = a.client().registerDevice(new dev.aero.client.sp.RegisterDevice(revokedKeys.certificationRequestPem(revoked),
                "a-old-laptop", "Linux", "Debian 12")).certificate();
        a.client().unlinkDevice(revoked, false);
        dev.aero.client.device.DeviceKeys otherKeys = dev.aero.client.device.DeviceKeys.generate();
        DID other = DID.random();
        String otherPem = b.client().registerDevice(new dev.aero.client.sp.RegisterDevice(otherKeys.certificationRequestPem(other),
                "b-laptop", "Linux", "Debian 13")).certificate();
        SID folder = SID.random();
        a.client().createSharedFolder("A's folder", folder);
        long group = admin().client().createGroup("authz group " + System.nanoTime()).groupId();
        javax.net.ssl.SSLContext revokedTls = revokedKeys.sslContext(revokedPem, ca);
        // devman learns of the revocation from SP's CRL: wait until it refuses the unlinked device.
        CheckinClient revokedCheckin = new CheckinClient(devmanForDevices(), revokedTls);
        DesktopDevice.await(() -> {
            try {
                revokedCheckin.checkin();
                return null;
            } catch (Exception refused) {
                return true;
            }
        }, Duration.ofSeconds(90), "devman refusing the unlinked device's certificate");

        AuthorizationMatrix.Subjects subjects = new AuthorizationMatrix.Subjects(a.email(),
                SpClient.create(sp()).signIn(a.email(), PASSWORD).token(), SpClient.create(sp()).signIn(b.email(), PASSWORD).token(), linked.hex(), revoked.hex(), otherKeys.sslContext(otherPem, ca), otherPem, revokedTls,
                revokedPem, folder.hex(), group);
        java.util.concurrent.atomic.AtomicInteger tried = new java.util.concurrent.atomic.AtomicInteger();
        List<String> failures = AuthorizationMatrix.check(subjects, platform::port, tried);
        assertThat(failures).as("operations whose answers differ from the authorization matrix").isEmpty();
        assertThat(tried.get()).as("attempts").isGreaterThan(300);
        System.out.println("authorization matrix: " + tried.get() + " requests");
    }

    /**
     * Metrics that exist only once their first event happened (a counter per cause or verb made
     * on first use): an alert or panel on them is right, but a quiet platform does not show them.
     */
    private static final Set<String> REGISTERED_ON_FIRST_USE = Set.of("verkehr_drops_total", "verkehr_requests_refused_total",
            "verkehr_messages_out_total", "zephyr_connections_closed_total");

    @Test
    void everyMetricTheAlertRulesAndDashboardsUseIsExportedByTheServices() throws Exception {
        Path monitoring = LauncherInstance.repositoryRoot().resolve("deploy/monitoring");
        StringBuilder queries = new StringBuilder(Files.readString(monitoring.resolve("rules/aero.rules.yml")));
        try (var dashboards = Files.list(monitoring.resolve("grafana/dashboards"))) {
            for (Path dashboard : dashboards.sorted().toList()) {
                for (JsonNode panel : JSON.readTree(Files.readString(dashboard)).path("panels")) {
                    panel.path("targets").forEach(t -> queries.append('\n').append(t.path("expr").asString()));
                }
            }
        }
        java.util.regex.Matcher names = java.util.regex.Pattern.compile(
                "\\b((?:aero|verkehr|zephyr|disk|jvm|process|http_server)_[a-z_]+)\\b(?![.*])").matcher(queries);
        Set<String> used = new java.util.TreeSet<>();
        while (names.find()) {
            used.add(names.group(1));
        }
        assertThat(used).as("metrics in the rules and dashboards").contains("aero_health", "aero_commands_dead_letters_total",
                "aero_sp_outbox_pending", "aero_sp_ca_not_after_seconds", "disk_free_bytes");
        StringBuilder exported = new StringBuilder();
        for (String service : ScenarioPlatform.SERVICES.keySet()) {
            ScenarioPlatform.Answer metrics = platform.management(service, "/actuator/prometheus");
            assertThat(metrics.status()).as("%s /actuator/prometheus", service).isEqualTo(200);
            exported.append(metrics.body());
        }
        for (String name : used) {
            if (REGISTERED_ON_FIRST_USE.contains(name)) {
                continue;
            }
            String base = name.replaceAll("_(bucket|count|sum)$", "");
            assertThat(exported.toString()).as("a service exports %s", name)
                    .containsPattern("(?m)^(" + name + "|" + base + "_bucket|" + base + "_count)[{ ]");
        }
        // Every service reports its health as a metric, UP here.
        for (String service : ScenarioPlatform.SERVICES.keySet()) {
            assertThat(platform.management(service, "/actuator/prometheus").body()).as("%s aero_health", service)
                    .containsPattern("(?m)^aero_health\\{[^}]*\\} 1\\.0$");
        }
    }

    @Test
    void actuatorIsOnManagementPortsOnlyAndThePublicPortsAnswerProbesWithoutDetails() throws Exception {
        List<java.net.InetAddress> unreachable = platform.managementUnreachableOn();
        assertThat(unreachable).as("addresses to try the management ports on").isNotEmpty();
        for (Map.Entry<String, int[]> s : ScenarioPlatform.SERVICES.entrySet()) {
            URI publicPort = platform.http(s.getValue()[0]);
            for (String internal : List.of("/actuator", "/actuator/health", "/actuator/prometheus", "/actuator/env",
                    "/actuator/heapdump", "/actuator/health/liveness")) {
                HttpResponse<String> r = get(publicPort.resolve(internal));
                assertThat(r.statusCode()).as("%s%s", publicPort, internal).isEqualTo(404);
                assertThat(r.body()).as("%s%s", publicPort, internal).doesNotContain("jvm_").doesNotContain("components");
            }
            for (String probe : List.of("/livez", "/readyz")) {
                HttpResponse<String> r = get(publicPort.resolve(probe));
                assertThat(r.statusCode()).as("%s%s", publicPort, probe).isEqualTo(200);
                assertThat(JSON.readTree(r.body()).propertyNames()).as("%s%s: %s", publicPort, probe, r.body())
                        .containsExactly("status");
            }
            // The operator reads health and metrics on the management port, where the platform puts it ...
            ScenarioPlatform.Answer health = platform.management(s.getKey(), "/actuator/health");
            assertThat(health.status()).as(s.getKey() + " health").isEqualTo(200);
            assertThat(JSON.readTree(health.body()).path("components").isObject()).as(health.body()).isTrue();
            assertThat(platform.management(s.getKey(), "/actuator/prometheus").body()).contains("jvm_memory_used_bytes");
            // ... and nobody else reaches it.
            int management = platform.port(s.getValue()[1]);
            for (java.net.InetAddress address : unreachable) {
                try (java.net.Socket socket = new java.net.Socket()) {
                    socket.connect(new java.net.InetSocketAddress(address, management), 2000);
                    throw new AssertionError(s.getKey() + "'s management port " + management + " answers on " + address);
                } catch (java.net.ConnectException expected) {
                    // refused: nothing listens there
                }
            }
        }
    }

    HttpResponse<String> get(URI uri) throws Exception {
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Waits until the bridge's health shows this component with this status. */
    private void awaitBridgeHealth(String component, String status, Duration within) throws Exception {
        DesktopDevice.await(() -> {
            try {
                ScenarioPlatform.Answer r = platform.management("xmpp-bridge", "/actuator/health");
                return JSON.readTree(r.body()).path("components").path(component).path("status").asString().equals(status) ? true : null;
            } catch (Exception e) {
                return null;
            }
        }, within, "the bridge's " + component + " health " + status);
    }

    /** A maxcast frame (version 1, unfiltered) with this text as payload, base64. */
    private static String frame(String payload) {
        return new MaxcastFrame(1, -1, payload.getBytes(StandardCharsets.UTF_8)).text();
    }

    /** The next multicast the device gets on the store's topic (others, e.g. its acl/ topic's, are skipped), or null. */
    private static String nextOn(DesktopDevice device, SID sid, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        for (long left = within.toNanos(); left > 0; left = deadline - System.nanoTime()) {
            String line = device.multicasts.poll(left, TimeUnit.NANOSECONDS);
            if (line != null && line.split(" ", 3)[1].equals(sid.hex())) {
                return line;
            }
        }
        return null;
    }

    private static X509TrustManager trusting(String caPem) throws Exception {
        java.security.KeyStore store = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
        store.load(null, null);
        try (InputStream in = new java.io.ByteArrayInputStream(caPem.getBytes(StandardCharsets.US_ASCII))) {
            store.setCertificateEntry("platform-ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        javax.net.ssl.TrustManagerFactory factory = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        return (X509TrustManager) factory.getTrustManagers()[0];
    }

    /** A maxcast frame (version 1, unfiltered, payload "hello"), base64, as docs/protocols/xmpp.md shows it. */
    private static final String FRAME = "AAAAAf////8AAAAFaGVsbG9i";

    private static byte[] maxcast(DID from) {
        return new StoreMessage(StoreMessage.Kind.MAXCAST, from, FRAME).payload();
    }

    /** Waits until the store's room on the platform's ejabberd has exactly these devices as members. */
    private void awaitRoomMembers(SID sid, Set<DID> devices, Duration within) throws Exception {
        String domain = platform.xmppDomain();
        Set<String> wanted = new java.util.TreeSet<>();
        devices.forEach(d -> wanted.add(d.hex() + "@" + domain));
        DesktopDevice.await(() -> {
            try {
                ScenarioPlatform.Answer r = roomAffiliations(sid, "c." + domain);
                if (r.status() != 200) {
                    return null;
                }
                Set<String> members = new java.util.TreeSet<>();
                for (JsonNode a : JSON.readTree(r.body())) {
                    if (a.path("affiliation").asString().equals("member")) {
                        // ejabberd 24.12 answers a jid; 23.01 a username and a domain.
                        members.add(a.has("jid") ? a.path("jid").asString()
                                : a.path("username").asString() + "@" + a.path("domain").asString());
                    }
                }
                return members.equals(wanted) ? true : null;
            } catch (Exception e) {
                return null;
            }
        }, within, "the room of " + sid + " with members " + wanted);
    }

    /** get_room_affiliations with ejabberd 24.12's argument ({@code room}), or 23.01's ({@code name}) where that is refused. */
    private static ScenarioPlatform.Answer roomAffiliations(SID sid, String service) throws Exception {
        ScenarioPlatform.Answer r = platform.ejabberdApi("get_room_affiliations",
                "{\"room\":\"" + sid.hex() + "\",\"service\":\"" + service + "\"}");
        if (r.status() == 400 && (r.body().contains("missing argument") || r.body().contains("unknown arguments"))) {
            r = platform.ejabberdApi("get_room_affiliations", "{\"name\":\"" + sid.hex() + "\",\"service\":\"" + service + "\"}");
        }
        return r;
    }

    /** Waits until the platform's ejabberd no longer has the store's room. */
    private void awaitRoomGone(SID sid, Duration within) throws Exception {
        String service = "c." + platform.xmppDomain();
        DesktopDevice.await(() -> {
            try {
                ScenarioPlatform.Answer r = platform.ejabberdApi("muc_online_rooms", "{\"service\":\"" + service + "\"}");
                return r.status() == 200 && !r.body().contains(sid.hex()) ? true : null;
            } catch (Exception e) {
                return null;
            }
        }, within, "the room of " + sid + " gone");
    }

    private static void report(String format, Object... args) {
        System.out.printf("[e2e] " + format + "%n", args);
    }

    /** The devices swap relay ids over SSMP unicast ({@code sig:z}) and move 100 MiB through zephyr. */
    private void relay100MiB(DesktopDevice one, DesktopDevice two) throws Exception {
        InetSocketAddress relay = new InetSocketAddress("127.0.0.1", platform.port(8888));
        try (ZephyrClient z1 = ZephyrClient.connect(relay, Duration.ofSeconds(5));
                ZephyrClient z2 = ZephyrClient.connect(relay, Duration.ofSeconds(5))) {
            one.ssmp().ucast(two.did.hex(), signal(z1.zid()));
            int peerOfTwo = zidOf(two.awaitUnicast(u -> u.startsWith(one.did.hex() + " sig:z "), Duration.ofSeconds(5)));
            two.ssmp().ucast(one.did.hex(), signal(z2.zid()));
            int peerOfOne = zidOf(one.awaitUnicast(u -> u.startsWith(two.did.hex() + " sig:z "), Duration.ofSeconds(5)));
            assertThat(peerOfTwo).isEqualTo(z1.zid());
            assertThat(peerOfOne).isEqualTo(z2.zid());

            Socket sending = z1.bind(peerOfOne);
            Socket receiving = z2.bind(peerOfTwo);
            long start = System.nanoTime();
            CompletableFuture<String> received = CompletableFuture.supplyAsync(() -> sha256(receiving, RELAYED_BYTES));
            String sent = send(sending, RELAYED_BYTES);
            assertThat(received.get(120, TimeUnit.SECONDS)).isEqualTo(sent);
            report("100 MiB relayed with equal SHA-256 %s… in %d ms", sent.substring(0, 12), (System.nanoTime() - start) / 1_000_000);
        }
    }

    private static byte[] signal(int zid) {
        return ("sig:z " + Base64.getEncoder().encodeToString(ByteBuffer.allocate(4).putInt(zid).array())).getBytes(StandardCharsets.US_ASCII);
    }

    private static int zidOf(String unicast) {
        String b64 = unicast.substring(unicast.indexOf("sig:z ") + "sig:z ".length()).strip();
        return ByteBuffer.wrap(Base64.getDecoder().decode(b64)).getInt();
    }

    private static String send(Socket socket, long total) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        Random random = new Random(42);
        byte[] chunk = new byte[256 * 1024];
        OutputStream out = socket.getOutputStream();
        for (long sent = 0; sent < total; sent += chunk.length) {
            random.nextBytes(chunk);
            int n = (int) Math.min(chunk.length, total - sent);
            out.write(chunk, 0, n);
            digest.update(chunk, 0, n);
        }
        out.flush();
        return HexFormat.of().formatHex(digest.digest());
    }

    private static String sha256(Socket socket, long total) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[256 * 1024];
            long read = 0;
            while (read < total) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, total - read));
                if (n < 0) {
                    throw new IllegalStateException("the relayed stream ended after " + read + " of " + total + " bytes");
                }
                digest.update(buffer, 0, n);
                read += n;
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Unlink with wipe: device 2 carries out UNLINK_AND_WIPE_SELF within two seconds, by push or,
     * when verkehr's CRL refresh closed its connection before the push went out, from its queue;
     * it acknowledges it with its just-revoked certificate and can do nothing else; verkehr drops
     * it, devman shows it offline, and device 1 is told to refresh the CRL.
     */
    private void unlinkWithWipe(SpClient user, DesktopDevice one, DesktopDevice two) throws Exception {
        long requested = System.nanoTime();
        user.unlinkDevice(two.did, true);
        two.awaitHandled(CommandType.UNLINK_AND_WIPE_SELF, Duration.ofSeconds(10));
        Duration latency = Duration.ofNanos(System.nanoTime() - requested);
        DesktopDevice.Push push = two.pushes.stream().filter(p -> p.type() == CommandType.UNLINK_AND_WIPE_SELF).findFirst().orElse(null);
        report("unlink request to UNLINK_AND_WIPE_SELF carried out: %d ms (%s)", latency.toMillis(), push == null ? "read from the queue"
                : "pushed after " + (push.receivedNanos() - requested) / 1_000_000 + " ms");
        assertThat(latency).as("unlink request to the wipe carried out").isLessThan(Duration.ofSeconds(2));

        // Its certificate is on SP's CRL.
        X509Certificate certificate = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new java.io.ByteArrayInputStream(two.certificate.certificate().getBytes(StandardCharsets.US_ASCII)));
        assertThat(SpClient.create(sp()).parsedCrl().isRevoked(certificate)).isTrue();

        // It read its own queue and acknowledged the unlink with the revoked certificate ...
        assertThat(two.queue.head().empty()).isTrue();
        // ... and nothing else: not another device's queue, not verkehr, not a check-in.
        assertThatThrownBy(() -> new dev.aero.client.commands.CommandClient(commandServerForDevices(), one.did, two.tls).head())
                .hasMessageContaining("403");
        DesktopDevice.await(() -> two.connectionEvents.contains("disconnected reconnecting") ? true : null, Duration.ofSeconds(10),
                "verkehr dropping the revoked device");
        awaitDevmanOnline(two.did, false, Duration.ofSeconds(10));
        Thread.sleep(1500); // the reconnect backoff has had time to try again
        assertThat(two.ssmp().isConnected()).as("a revoked certificate cannot log in again").isFalse();
        awaitDevmanOnline(two.did, false, Duration.ofSeconds(1));
        try (CheckinClient checkin = new CheckinClient(devmanForDevices(), two.tls)) {
            assertThatThrownBy(checkin::checkin).isInstanceOfSatisfying(CheckinClient.RefusedException.class,
                    e -> assertThat(e.status()).isEqualTo(401)).hasMessageContaining("certificate-revoked");
        }

        // The user's other device is told to fetch the new CRL.
        one.awaitPush(CommandType.REFRESH_CRL, requested, Duration.ofSeconds(5));
        one.awaitHandled(CommandType.REFRESH_CRL, Duration.ofSeconds(5));
        assertThat(devman(one.did).path("online").asBoolean()).isTrue();
    }

    /** verkehr down: a rename is queued all the same, and reaches the device once verkehr is back. */
    private void commandEnqueuedWhileVerkehrIsDownArrivesWhenItIsBack(SpClient user, DesktopDevice one) throws Exception {
        platform.kill("verkehr-push");
        DesktopDevice.await(() -> one.ssmp().isConnected() ? null : true, Duration.ofSeconds(10), "device 1 losing verkehr");
        user.updateName("Eve", "Renamed");
        platform.up();
        one.awaitHandled(CommandType.INVALIDATE_USER_NAME_CACHE, Duration.ofSeconds(60));
        DesktopDevice.await(() -> one.ssmp().isConnected() ? true : null, Duration.ofSeconds(30), "device 1 back on verkehr");
        awaitDevmanOnline(one.did, true, Duration.ofSeconds(10));
        assertThat(one.queue.head().empty()).isTrue();

        // The device closes its connection: offline in devman within a second.
        one.ssmp().close();
        Duration offline = awaitDevmanOnline(one.did, false, Duration.ofSeconds(5));
        report("SSMP close to offline in devman: %d ms", offline.toMillis());
        assertThat(offline).isLessThan(Duration.ofSeconds(1));
    }
}
