package dev.aero.zephyr;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.aero.common.zephyr.ZephyrWire;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;

/**
 * The relay's reading of a client's first bytes (BIND, docs/protocols/zephyr.md) on any bytes,
 * split into reads at any points, through a real {@link RelayConnection} in an
 * {@link EmbeddedChannel}. Beside it a second client (the peer) has connected. Whatever arrives,
 * the connection ends where the protocol says, for the protocol's own reason and never for an
 * exception ({@link CloseCause#IO_ERROR}): closed for bad magic, bad length, an unknown zid or its
 * own; still waiting for the rest of a BIND; or bound to the peer, holding what came after the
 * BIND for it. And none is left hanging: once the deadlines pass, every connection is closed and
 * the zid registry is empty.
 *
 * <p>Input: how to name a zid (as sent, or the client's own or the peer's patched in, since
 * zids are random), whether the peer binds back, the sizes of the reads, then the bytes.
 */
class RelayFramingFuzzTest {

    private static final byte[] HEADER = { (byte) 0x82, (byte) 0x96, 0x44, (byte) 0xA1, 0, 0, 0, 4 };
    private static final ZephyrProperties SETTINGS = new Binder(new MapConfigurationPropertySource(
            Map.of("aero.zephyr.port", "0", "aero.zephyr.fd-reserve", "0"))).bindOrCreate("aero.zephyr", ZephyrProperties.class);

    @FuzzTest(maxDuration = "10s")
    void firstBytesBindOrAreRefused(FuzzedDataProvider data) {
        int naming = data.consumeInt(0, 2);
        boolean peerBindsBack = data.consumeBoolean();
        int[] reads = new int[data.consumeInt(1, 6)];
        for (int i = 0; i < reads.length; i++) {
            reads[i] = data.consumeInt(1, 24);
        }
        byte[] stream = data.consumeRemainingAsBytes();

        ZidRegistry registry = new ZidRegistry();
        RelayMetrics metrics = new RelayMetrics(new SimpleMeterRegistry());
        RelayContext context = new RelayContext(SETTINGS, registry, metrics, new FdReserve(0), null);
        RelayConnection peer = new RelayConnection(context);
        EmbeddedChannel peerChannel = new EmbeddedChannel(peer);
        RelayConnection client = new RelayConnection(context);
        EmbeddedChannel clientChannel = new EmbeddedChannel(client);
        try {
            int peerZid = registered(peerChannel);
            int clientZid = registered(clientChannel);
            assertThat(peerZid).isEqualTo(peer.zid()).isNotEqualTo(clientZid);
            assertThat(clientZid).isEqualTo(client.zid());
            if (stream.length >= ZephyrWire.MESSAGE_SIZE && naming > 0) {
                ByteBuffer.wrap(stream, 8, 4).putInt(naming == 1 ? clientZid : peerZid);
            }

            // The bytes, read by read; a socket the relay closed is read no more.
            int offset = 0;
            for (int i = 0; offset < stream.length && clientChannel.isOpen(); i++) {
                int n = i < reads.length - 1 ? Math.min(reads[i], stream.length - offset) : stream.length - offset;
                clientChannel.writeInbound(Unpooled.copiedBuffer(stream, offset, n));
                clientChannel.runPendingTasks();
                offset += n;
            }
            clientChannel.checkException();

            RelayConnection.State expectedState = RelayConnection.State.CLOSED;
            CloseCause expectedCause = expectedRefusal(stream, clientZid, peerZid);
            if (expectedCause == null) {
                expectedState = stream.length < ZephyrWire.MESSAGE_SIZE
                        ? RelayConnection.State.AWAITING_BIND : RelayConnection.State.WAITING_FOR_PEER;
            }
            assertThat(client.closeCause()).as("close cause").isEqualTo(expectedCause);
            assertThat(client.state()).isEqualTo(expectedState);
            assertThat(clientChannel.isOpen()).isEqualTo(expectedCause == null);
            assertThat(registry.lookup(clientZid)).isEqualTo(expectedCause == null ? client : null);
            assertThat(peerChannel.isOpen()).isTrue();
            assertThat(peer.state()).isEqualTo(RelayConnection.State.AWAITING_BIND);
            assertThat((Object) clientChannel.readOutbound()).as("nothing but REGISTER is ever sent to a client").isNull();

            if (expectedState == RelayConnection.State.WAITING_FOR_PEER && peerBindsBack) {
                peerChannel.writeInbound(Unpooled.wrappedBuffer(ZephyrWire.message(clientZid)));
                for (int i = 0; i < 4; i++) {
                    peerChannel.runPendingTasks();
                    clientChannel.runPendingTasks();
                }
                assertThat(client.state()).isEqualTo(RelayConnection.State.RELAYING);
                assertThat(peer.state()).isEqualTo(RelayConnection.State.RELAYING);
                assertThat(drain(peerChannel)).as("what followed the BIND reaches the peer, once, in order")
                        .isEqualTo(Arrays.copyOfRange(stream, ZephyrWire.MESSAGE_SIZE, stream.length));
            }

            // Never a hang: past every deadline, nothing is left open.
            Duration past = SETTINGS.bindDeadline().plus(SETTINGS.pairingDeadline()).plus(SETTINGS.idleTimeout()).plusSeconds(1);
            clientChannel.advanceTimeBy(past.toNanos(), TimeUnit.NANOSECONDS);
            clientChannel.runScheduledPendingTasks();
            clientChannel.runPendingTasks();
            if (client.state() == RelayConnection.State.RELAYING) {
                // The idle timeout measures wall-clock time, which does not pass here: the client
                // hangs up, and the relay closes its partner after it.
                clientChannel.close();
                clientChannel.runPendingTasks();
                assertThat(client.closeCause()).isNull();
            } else {
                assertThat(clientChannel.isOpen()).as("client still open past every deadline, in state %s", client.state()).isFalse();
                assertThat(client.closeCause()).isNotNull().isNotEqualTo(CloseCause.IO_ERROR);
            }
            peerChannel.advanceTimeBy(past.toNanos(), TimeUnit.NANOSECONDS);
            peerChannel.runScheduledPendingTasks();
            peerChannel.runPendingTasks();
            clientChannel.runPendingTasks();
            assertThat(peerChannel.isOpen()).as("peer still open past every deadline, in state %s", peer.state()).isFalse();
            assertThat(peer.closeCause()).isNotEqualTo(CloseCause.IO_ERROR);
            assertThat(registry.size()).isZero();
            assertThat(metrics.connections()).isZero();
            assertThat(metrics.boundPairs()).isZero();
        } finally {
            clientChannel.finishAndReleaseAll();
            peerChannel.finishAndReleaseAll();
        }
    }

    /** What the protocol says of a client's whole input, independently of the relay's code. */
    private static CloseCause expectedRefusal(byte[] stream, int ownZid, int peerZid) {
        for (int i = 0; i < Math.min(stream.length, 4); i++) {
            if (stream[i] != HEADER[i]) {
                return CloseCause.BAD_MAGIC;
            }
        }
        if (stream.length >= 8 && !Arrays.equals(stream, 4, 8, HEADER, 4, 8)) {
            return CloseCause.BAD_LENGTH;
        }
        if (stream.length < ZephyrWire.MESSAGE_SIZE) {
            return null;
        }
        int requested = ByteBuffer.wrap(stream, 8, 4).getInt();
        if (requested == ownZid) {
            return CloseCause.SELF_BIND;
        }
        return requested == peerZid ? null : CloseCause.UNKNOWN_ZID;
    }

    /** The REGISTER a new connection is sent: the header and a zid in [0, 2^31 - 1]. */
    private static int registered(EmbeddedChannel channel) {
        byte[] register = drain(channel);
        assertThat(register).hasSize(ZephyrWire.MESSAGE_SIZE);
        assertThat(Arrays.copyOf(register, 8)).isEqualTo(HEADER);
        int zid = ByteBuffer.wrap(register, 8, 4).getInt();
        assertThat(zid).isNotNegative();
        return zid;
    }

    private static byte[] drain(EmbeddedChannel channel) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuf buf;
        while ((buf = channel.readOutbound()) != null) {
            byte[] b = new byte[buf.readableBytes()];
            buf.readBytes(b);
            buf.release();
            out.writeBytes(b);
        }
        return out.toByteArray();
    }
}
