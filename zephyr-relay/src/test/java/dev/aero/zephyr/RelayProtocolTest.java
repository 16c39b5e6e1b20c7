package dev.aero.zephyr;

import static dev.aero.zephyr.RelayFixture.assertClosedByRelay;
import static dev.aero.zephyr.RelayFixture.assertStillOpen;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.aero.client.zephyr.ZephyrClient;
import dev.aero.common.zephyr.ZephyrWire;

/** The protocol of docs/protocols/zephyr.md, rule by rule, over real sockets. */
class RelayProtocolTest {

    private static final Duration SHORTLY = Duration.ofSeconds(5);
    private RelayFixture relay;

    @BeforeEach
    void start() {
        relay = RelayFixture.start();
    }

    @AfterEach
    void stop() {
        relay.close();
    }

    @Test
    void registerIsTwelveBytesWithMagicLengthAndADistinctZid() throws Exception {
        Set<Integer> zids = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            int[] zid = new int[1];
            try (Socket s = relay.raw(zid)) {
                assertThat(zid[0]).isBetween(0, Integer.MAX_VALUE);
                zids.add(zid[0]);
            }
        }
        assertThat(zids).hasSize(50);
    }

    @Test
    void bothDirectionsArriveUnchangedAndInOrder() throws Exception {
        Socket[] pair = relay.pair();
        for (int round = 0; round < 100; round++) {
            byte[] ab = ("a->b " + round + " ").getBytes(StandardCharsets.US_ASCII);
            byte[] ba = ("b->a " + round + " ").getBytes(StandardCharsets.US_ASCII);
            pair[0].getOutputStream().write(ab);
            pair[1].getOutputStream().write(ba);
            assertThat(pair[1].getInputStream().readNBytes(ab.length)).isEqualTo(ab);
            assertThat(pair[0].getInputStream().readNBytes(ba.length)).isEqualTo(ba);
        }
        byte[] all = new byte[256];
        for (int i = 0; i < all.length; i++) {
            all[i] = (byte) i;
        }
        pair[0].getOutputStream().write(all);
        assertThat(pair[1].getInputStream().readNBytes(all.length)).as("every byte value passes unchanged").isEqualTo(all);
        closeAll(pair);
    }

    @Test
    void bytesSentBeforeThePeerBindsAreDeliveredAfterItDoes() throws Exception {
        ZephyrClient a = relay.client();
        ZephyrClient b = relay.client();
        Socket sa = a.bind(b.zid());
        byte[] early = "sent before the peer bound".getBytes(StandardCharsets.US_ASCII);
        sa.getOutputStream().write(early);
        Thread.sleep(200);
        Socket sb = b.bind(a.zid());
        sb.setSoTimeout(5000);
        assertThat(sb.getInputStream().readNBytes(early.length)).isEqualTo(early);
        sa.getOutputStream().write('!');
        assertThat(sb.getInputStream().read()).isEqualTo('!');
        closeAll(sa, sb);
    }

    @Test
    void bindAndDataInOneWriteAreSplitCorrectly() throws Exception {
        ZephyrClient b = relay.client();
        int[] zid = new int[1];
        Socket a = relay.raw(zid);
        byte[] payload = "payload glued to the BIND".getBytes(StandardCharsets.US_ASCII);
        a.getOutputStream().write(ByteBuffer.allocate(12 + payload.length).put(ZephyrWire.message(b.zid())).put(payload).array());
        Socket sb = b.bind(zid[0]);
        sb.setSoTimeout(5000);
        assertThat(sb.getInputStream().readNBytes(payload.length)).isEqualTo(payload);
        closeAll(a, sb);
    }

    @Test
    void bindSentOneByteAtATimeIsUnderstood() throws Exception {
        ZephyrClient b = relay.client();
        int[] zid = new int[1];
        Socket a = relay.raw(zid);
        for (byte x : ZephyrWire.message(b.zid())) {
            a.getOutputStream().write(x);
            a.getOutputStream().flush();
            Thread.sleep(5);
        }
        Socket sb = b.bind(zid[0]);
        sb.getOutputStream().write(7);
        a.setSoTimeout(5000);
        assertThat(a.getInputStream().read()).isEqualTo(7);
        closeAll(a, sb);
    }

    @Test
    void badMagicIsClosed() throws Exception {
        try (Socket s = relay.raw(null)) {
            s.getOutputStream().write(new byte[] { (byte) 0x82, (byte) 0x96, (byte) 0x44, (byte) 0xA2 });
            assertClosedByRelay(s, SHORTLY);
        }
        relay.awaitCount(CloseCause.BAD_MAGIC, 1);
    }

    @Test
    void badMagicIsClosedOnItsFirstWrongByte() throws Exception {
        try (Socket s = relay.raw(null)) {
            s.getOutputStream().write('G');
            assertClosedByRelay(s, SHORTLY);
        }
        relay.awaitCount(CloseCause.BAD_MAGIC, 1);
    }

    @Test
    void lengthOtherThanFourIsClosed() throws Exception {
        try (Socket s = relay.raw(null)) {
            s.getOutputStream().write(ByteBuffer.allocate(12).putInt(ZephyrWire.MAGIC).putInt(5).putInt(1).array());
            assertClosedByRelay(s, SHORTLY);
        }
        relay.awaitCount(CloseCause.BAD_LENGTH, 1);
    }

    @Test
    void bindToAnUnknownZidIsClosed() throws Exception {
        int[] zid = new int[1];
        try (Socket s = relay.raw(zid)) {
            int unknown = zid[0] == 12345 ? 12346 : 12345;
            s.getOutputStream().write(ZephyrWire.message(unknown));
            assertClosedByRelay(s, SHORTLY);
        }
        relay.awaitCount(CloseCause.UNKNOWN_ZID, 1);
    }

    @Test
    void bindToANegativeZidIsAnUnknownZid() throws Exception {
        try (Socket s = relay.raw(null)) {
            s.getOutputStream().write(ZephyrWire.message(-1));
            assertClosedByRelay(s, SHORTLY);
        }
        relay.awaitCount(CloseCause.UNKNOWN_ZID, 1);
    }

    @Test
    void bindToOwnZidIsClosed() throws Exception {
        int[] zid = new int[1];
        try (Socket s = relay.raw(zid)) {
            s.getOutputStream().write(ZephyrWire.message(zid[0]));
            assertClosedByRelay(s, SHORTLY);
        }
        relay.awaitCount(CloseCause.SELF_BIND, 1);
    }

    @Test
    void bindToAPeerBoundToSomeoneElseIsClosed() throws Exception {
        Socket[] pair = relayPairWithZids();
        try (Socket intruder = relay.raw(null)) {
            intruder.getOutputStream().write(ZephyrWire.message(pairZids[0]));
            assertClosedByRelay(intruder, SHORTLY);
        }
        relay.awaitCount(CloseCause.PEER_BOUND_ELSEWHERE, 1);
        pair[0].getOutputStream().write(1);
        assertThat(pair[1].getInputStream().read()).as("the pair is untouched").isEqualTo(1);
        closeAll(pair);
    }

    @Test
    void bindToAPeerWaitingForSomeoneElseIsClosed() throws Exception {
        ZephyrClient a = relay.client();
        ZephyrClient b = relay.client();
        ZephyrClient c = relay.client();
        a.bind(b.zid());
        Socket sc = c.bind(a.zid());
        assertClosedByRelay(sc, SHORTLY);
        relay.awaitCount(CloseCause.PEER_BOUND_ELSEWHERE, 1);
        a.close();
        b.close();
    }

    @Test
    void aWaiterIsClosedWhenItsPeerPairsWithAnother() throws Exception {
        ZephyrClient a = relay.client();
        ZephyrClient b = relay.client();
        ZephyrClient c = relay.client();
        Socket sc = c.bind(b.zid());
        Socket sb = b.bind(a.zid());
        Socket sa = a.bind(b.zid());
        assertClosedByRelay(sc, SHORTLY);
        sa.getOutputStream().write(9);
        sb.setSoTimeout(5000);
        assertThat(sb.getInputStream().read()).isEqualTo(9);
        relay.awaitCount(CloseCause.PEER_BOUND_ELSEWHERE, 1);
        closeAll(sa, sb);
    }

    @Test
    void aWaiterIsClosedWhenItsPeerGoesAway() throws Exception {
        ZephyrClient a = relay.client();
        ZephyrClient b = relay.client();
        Socket sa = a.bind(b.zid());
        // Let the BIND land first: a peer already gone at BIND time is an unknown zid instead.
        Thread.sleep(300);
        b.close();
        assertClosedByRelay(sa, SHORTLY);
        relay.awaitCount(CloseCause.PEER_GONE, 1);
    }

    @Test
    void closingOneSideClosesThePartner() throws Exception {
        Socket[] pair = relay.pair();
        pair[0].close();
        assertClosedByRelay(pair[1], SHORTLY);
        awaitBoundPairs(0);
    }

    @Test
    void boundPairsAndConnectionsAreCounted() throws Exception {
        Socket[] one = relay.pair();
        Socket[] two = relay.pair();
        awaitBoundPairs(2);
        assertThat(relay.metrics.connections()).isEqualTo(4);
        closeAll(one);
        closeAll(two);
        awaitBoundPairs(0);
    }

    @Test
    void aClosedPairIsReleasedAtOnceNotWhenItsTimersFire() throws Exception {
        ZephyrClient a = relay.client();
        ZephyrClient b = relay.client();
        java.lang.ref.WeakReference<RelayConnection> connection =
                new java.lang.ref.WeakReference<>(relay.server.context().registry().lookup(a.zid()));
        assertThat(connection.get()).isNotNull();
        Socket sa = a.bind(b.zid());
        Socket sb = b.bind(a.zid());
        awaitBoundPairs(1);
        sa.close();
        sb.close();
        awaitBoundPairs(0);
        long deadline = System.nanoTime() + SHORTLY.toNanos();
        while (connection.get() != null && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(50);
        }
        assertThat(connection.get()).as("nothing (such as the idle timer) still holds the closed connection").isNull();
    }

    @Test
    void aClientWaitingForItsBindIsLeftAlone() throws Exception {
        try (Socket s = relay.raw(null)) {
            assertStillOpen(s, Duration.ofMillis(300));
        }
    }

    private int[] pairZids = new int[2];

    private Socket[] relayPairWithZids() throws Exception {
        ZephyrClient a = relay.client();
        ZephyrClient b = relay.client();
        pairZids = new int[] { a.zid(), b.zid() };
        Socket sa = a.bind(b.zid());
        Socket sb = b.bind(a.zid());
        sb.setSoTimeout(5000);
        sa.setSoTimeout(5000);
        awaitBoundPairs(1);
        return new Socket[] { sa, sb };
    }

    private void awaitBoundPairs(int expected) throws InterruptedException {
        long deadline = System.nanoTime() + SHORTLY.toNanos();
        while (relay.metrics.boundPairs() != expected && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(relay.metrics.boundPairs()).isEqualTo(expected);
    }

    static void closeAll(Socket... sockets) throws Exception {
        for (Socket s : sockets) {
            s.close();
        }
    }

    static void write(OutputStream out, byte[] bytes) throws Exception {
        out.write(bytes);
        out.flush();
    }
}
