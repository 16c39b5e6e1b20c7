package dev.aero.xmpp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.jivesoftware.smack.XMPPException;
import org.jivesoftware.smack.packet.StanzaError;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smackx.muc.MultiUserChat;
import org.jivesoftware.smackx.muc.MultiUserChatManager;
import org.jivesoftware.smackx.muc.UserStatusListener;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.jid.parts.Resourcepart;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.aero.common.id.DID;
import dev.aero.common.id.SID;
import dev.aero.common.testing.TestEjabberd;
import dev.aero.xmpp.ejabberd.EjabberdApi;
import dev.aero.xmpp.rooms.RoomKeeper;
import dev.aero.xmpp.rooms.RoomReconciler;
import dev.aero.xmpp.sp.SpStores;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * Rooms kept in line with SP on the real ejabberd test node: created with the folder, members
 * exactly the store's devices, a device that loses membership out at once, destroyed with the
 * folder, and a reconciliation that heals whatever drifted.
 */
class RoomsTest {

    private TestEjabberd ejabberd;
    private StandInSp sp;
    private EjabberdApi api;
    private SpStores stores;
    private RoomKeeper keeper;
    private final List<XMPPTCPConnection> devices = new java.util.ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        ejabberd = TestEjabberd.get();
        sp = new StandInSp();
        api = new EjabberdApi(ejabberd.apiUrl(), ejabberd.bridgeJid(), ejabberd.bridgePassword(), ejabberd.mucService(), Duration.ofSeconds(10));
        stores = new SpStores(sp.url(), StandInSp.SECRET, Duration.ofSeconds(5));
        keeper = new RoomKeeper(api, ejabberd.domain(), new SimpleMeterRegistry());
    }

    @AfterEach
    void tearDown() {
        devices.forEach(XMPPTCPConnection::disconnect);
        sp.close();
    }

    private XMPPTCPConnection device(DID did) throws Exception {
        String jid = did.hex() + "@" + ejabberd.domain();
        XMPPTCPConnection c = XmppConnections.to(ejabberd, did.hex(), ejabberd.jwtKey().sign(jid, Instant.now().plusSeconds(300)));
        c.connect().login();
        devices.add(c);
        return c;
    }

    private MultiUserChat room(XMPPTCPConnection c, SID sid) throws Exception {
        return MultiUserChatManager.getInstanceFor(c).getMultiUserChat(JidCreate.entityBareFrom(sid.hex() + "@" + ejabberd.mucService()));
    }

    private static void join(MultiUserChat room, DID did) throws Exception {
        room.join(room.getEnterConfigurationBuilder(Resourcepart.from(did.hex())).requestMaxStanzasHistory(0).build());
    }

    private static void assertRefused(MultiUserChat room, DID did, StanzaError.Condition condition) {
        assertThatThrownBy(() -> join(room, did)).isInstanceOfSatisfying(XMPPException.XMPPErrorException.class,
                e -> assertThat(e.getStanzaError().getCondition()).isEqualTo(condition));
    }

    private static void await(BooleanSupplier condition, Duration within) throws InterruptedException {
        Await.until(condition, within, "the condition");
    }

    @Test
    void aStoresRoomAdmitsItsDevicesAndNoOtherDevice() throws Exception {
        SID sid = SID.random();
        DID member = DID.random();
        DID outsider = DID.random();
        sp.store(sid, member);
        assertThat(keeper.keep(stores.store(sid))).as("room created, one member").isEqualTo(2);
        assertThat(keeper.keep(stores.store(sid))).as("nothing left to change").isZero();
        assertThat(api.affiliations(sid.hex())).containsEntry(member.hex() + "@" + ejabberd.domain(), "member");

        MultiUserChat mine = room(device(member), sid);
        join(mine, member);
        assertThat(mine.isJoined()).isTrue();
        assertRefused(room(device(outsider), sid), outsider, StanzaError.Condition.registration_required);
    }

    @Test
    void aDeviceThatLosesMembershipIsOutOfTheRoomAtOnce() throws Exception {
        SID sid = SID.random();
        DID staying = DID.random();
        DID leaving = DID.random();
        sp.store(sid, staying, leaving);
        keeper.keep(stores.store(sid));
        MultiUserChat leavingRoom = room(device(leaving), sid);
        CountDownLatch revoked = new CountDownLatch(1);
        leavingRoom.addUserStatusListener(new UserStatusListener() {
            @Override
            public void membershipRevoked() {
                revoked.countDown();
            }
        });
        join(leavingRoom, leaving);
        join(room(device(staying), sid), staying);

        sp.store(sid, staying);
        assertThat(keeper.keep(stores.store(sid))).isEqualTo(1);
        assertThat(revoked.await(5, TimeUnit.SECONDS)).as("status 321 reaches the device").isTrue();
        assertThat(leavingRoom.isJoined()).isFalse();
        assertThat(api.affiliations(sid.hex())).containsOnlyKeys(staying.hex() + "@" + ejabberd.domain());
        assertRefused(room(device(leaving), sid), leaving, StanzaError.Condition.registration_required);
    }

    @Test
    void destroyingTheFolderDestroysTheRoom() throws Exception {
        SID sid = SID.random();
        DID member = DID.random();
        sp.store(sid, member);
        keeper.keep(stores.store(sid));
        MultiUserChat room = room(device(member), sid);
        CountDownLatch destroyed = new CountDownLatch(1);
        room.addUserStatusListener(new UserStatusListener() {
            @Override
            public void roomDestroyed(MultiUserChat alternateMUC, String reason) {
                destroyed.countDown();
            }
        });
        join(room, member);

        sp.destroy(sid);
        assertThat(keeper.keep(stores.store(sid))).isEqualTo(1);
        assertThat(destroyed.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(api.rooms()).doesNotContain(sid.hex());
        // A device cannot bring it back: only the bridge creates rooms.
        assertRefused(room(devices.getFirst(), sid), member, StanzaError.Condition.forbidden);
    }

    @Test
    void aReconciliationBringsEveryRoomInLineWhateverWasMissed() throws Exception {
        SID fresh = SID.random();
        SID drifted = SID.random();
        SID gone = SID.random();
        DID a = DID.random();
        DID b = DID.random();
        sp.store(drifted, a);
        sp.store(gone, a);
        keeper.keep(stores.store(drifted));
        keeper.keep(stores.store(gone));
        // Changes the bridge never heard of (its events were lost while it was down):
        sp.store(fresh, a, b);
        sp.store(drifted, b);
        sp.destroy(gone);
        api.setAffiliation(drifted.hex(), DID.random().hex() + "@" + ejabberd.domain(), "member");

        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        RoomReconciler reconciler = new RoomReconciler(stores, api, keeper, Duration.ofMinutes(5), 1, meters);
        reconciler.reconcile();
        assertThat(meters.get("aero.xmpp.rooms").gauge().value()).isEqualTo(2);
        assertThat(meters.get("aero.xmpp.members").gauge().value()).as("a and b in fresh, b in drifted").isEqualTo(3);

        String da = a.hex() + "@" + ejabberd.domain();
        String db = b.hex() + "@" + ejabberd.domain();
        assertThat(api.affiliations(fresh.hex())).containsOnlyKeys(da, db);
        assertThat(api.affiliations(drifted.hex())).containsOnlyKeys(db);
        assertThat(api.rooms()).contains(fresh.hex(), drifted.hex()).doesNotContain(gone.hex());
    }

    @Test
    void anUnlinkedDevicesSessionsEndWithinFiveSeconds() throws Exception {
        RoomReconciler reconciler = new RoomReconciler(stores, api, keeper, Duration.ofMinutes(5), 100, 4, true, ejabberd.domain(),
                new SimpleMeterRegistry());
        reconciler.start();
        try {
            DID unlinked = DID.random();
            DID bystander = DID.random();
            XMPPTCPConnection gone = device(unlinked);
            XMPPTCPConnection stays = device(bystander);
            reconciler.unlinked(unlinked);
            await(() -> !gone.isConnected(), Duration.ofSeconds(5));
            assertThat(stays.isAuthenticated()).as("another device's session is left alone").isTrue();
        } finally {
            reconciler.stop();
        }
    }

    @Test
    void aChangedStoreIsActedOnAndAFailureIsRetriedUntilItHeals() throws Exception {
        RoomReconciler reconciler = new RoomReconciler(stores, api, keeper, Duration.ofMinutes(5), 100, new SimpleMeterRegistry());
        reconciler.start();
        try {
            SID sid = SID.random();
            DID member = DID.random();
            sp.failing(true);
            sp.store(sid, member);
            reconciler.changed(sid);
            await(() -> reconciler.lastFailure() != null, Duration.ofSeconds(5));
            sp.failing(false);
            await(() -> {
                try {
                    return api.affiliations(sid.hex()).containsKey(member.hex() + "@" + ejabberd.domain());
                } catch (Exception e) {
                    return false;
                }
            }, Duration.ofSeconds(5));
            await(() -> reconciler.lastFailure() == null, Duration.ofSeconds(5));
        } finally {
            reconciler.stop();
        }
    }
}
