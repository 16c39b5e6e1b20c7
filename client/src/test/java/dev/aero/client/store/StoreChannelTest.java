package dev.aero.client.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.aero.client.ssmp.SsmpListener;
import dev.aero.client.xmpp.XmppListener;
import dev.aero.common.id.DID;
import dev.aero.common.id.SID;
import dev.aero.common.ssmp.StoreMessage;
import dev.aero.common.xmpp.MaxcastFrame;

/**
 * What a device on both transports hands on: each store message once, whichever transport brings
 * it first; never its own; never a malformed frame; and everything that is not a store message
 * passed on untouched to the SSMP listener behind it.
 */
class StoreChannelTest {

    private static final String FRAME = "AAAAAf////8AAAAFaGVsbG9i";

    private final DID self = DID.random();
    private final DID other = DID.random();
    private final SID store = SID.random();
    private final List<String> heard = new CopyOnWriteArrayList<>();
    private final List<String> passedOn = new CopyOnWriteArrayList<>();
    private final StoreListener recorder = new StoreListener() {
        @Override
        public void onMaxcast(SID s, DID from, MaxcastFrame frame) {
            heard.add("mc " + s.hex() + " " + from.hex() + " " + frame.text());
        }

        @Override
        public void onCandidates(SID s, DID from, String json) {
            heard.add("loc " + s.hex() + " " + from.hex() + " " + json);
        }
    };
    private final SsmpListener next = new SsmpListener() {
        @Override
        public void onMulticast(String from, String topic, byte[] payload) {
            passedOn.add(topic + " " + new String(payload, StandardCharsets.UTF_8));
        }
    };
    private StoreChannel channel;

    @AfterEach
    void close() {
        channel.close();
    }

    private StoreChannel channel(Duration window) {
        channel = new StoreChannel(self, recorder, window, false);
        return channel;
    }

    private static byte[] line(StoreMessage.Kind kind, DID from, String body) {
        return new StoreMessage(kind, from, body).payload();
    }

    @Test
    void aFrameHeardOnVerkehrAndThenInTheRoomIsHandedOnOnce() throws Exception {
        StoreChannel c = channel(Duration.ofSeconds(5));
        SsmpListener ssmp = c.ssmpListener(next);
        XmppListener xmpp = c.xmppListener();

        ssmp.onMulticast(other.hex(), store.hex(), line(StoreMessage.Kind.MAXCAST, other, FRAME));
        xmpp.onMaxcast(store, other, MaxcastFrame.parse(FRAME));

        assertThat(heard).containsExactly("mc " + store.hex() + " " + other.hex() + " " + FRAME);
        assertThat(c.duplicates()).isEqualTo(1);
        assertThat(passedOn).isEmpty();
    }

    @Test
    void candidatesHeardInTheRoomAndThenOnVerkehrAreHandedOnOnce() {
        StoreChannel c = channel(Duration.ofSeconds(5));
        c.xmppListener().onCandidates(store, other, "{\"tcp\":[\"10.0.0.7:3000\"]}");
        c.ssmpListener(next).onMulticast("xmpp-bridge/1", store.hex(), line(StoreMessage.Kind.CANDIDATES, other, "{\"tcp\":[\"10.0.0.7:3000\"]}"));

        assertThat(heard).containsExactly("loc " + store.hex() + " " + other.hex() + " {\"tcp\":[\"10.0.0.7:3000\"]}");
        assertThat(c.duplicates()).isEqualTo(1);
    }

    @Test
    void theSameFrameFromAnotherDeviceOrInAnotherStoreOrOfAnotherKindIsNotADuplicate() throws Exception {
        StoreChannel c = channel(Duration.ofSeconds(5));
        DID third = DID.random();
        SID otherStore = SID.random();
        XmppListener xmpp = c.xmppListener();
        xmpp.onMaxcast(store, other, MaxcastFrame.parse(FRAME));
        xmpp.onMaxcast(store, third, MaxcastFrame.parse(FRAME));
        xmpp.onMaxcast(otherStore, other, MaxcastFrame.parse(FRAME));
        xmpp.onCandidates(store, other, FRAME);

        assertThat(heard).hasSize(4);
        assertThat(c.duplicates()).isZero();
    }

    @Test
    void aRepeatOutsideTheWindowIsANewMessage() throws Exception {
        StoreChannel c = channel(Duration.ZERO);
        XmppListener xmpp = c.xmppListener();
        xmpp.onMaxcast(store, other, MaxcastFrame.parse(FRAME));
        c.ssmpListener(next).onMulticast(other.hex(), store.hex(), line(StoreMessage.Kind.MAXCAST, other, FRAME));

        assertThat(heard).hasSize(2);
    }

    @Test
    void theDevicesOwnMessagesRelayedBackByTheBridgeAreDropped() throws Exception {
        StoreChannel c = channel(Duration.ofSeconds(5));
        c.ssmpListener(next).onMulticast("xmpp-bridge/1", store.hex(), line(StoreMessage.Kind.MAXCAST, self, FRAME));
        c.xmppListener().onMaxcast(store, self, MaxcastFrame.parse(FRAME));
        c.xmppListener().onCandidates(store, self, "{}");

        assertThat(heard).isEmpty();
        assertThat(c.duplicates()).isZero();
    }

    @Test
    void aMalformedFrameOnVerkehrIsDroppedAndCounted() {
        StoreChannel c = channel(Duration.ofSeconds(5));
        String badChecksum = "AAAAAf////8AAAAFaGVsbG9j";
        String badLength = "AAAAAf////8AAAAGaGVsbG9i";
        c.ssmpListener(next).onMulticast(other.hex(), store.hex(), line(StoreMessage.Kind.MAXCAST, other, badChecksum));
        c.ssmpListener(next).onMulticast(other.hex(), store.hex(), line(StoreMessage.Kind.MAXCAST, other, badLength));
        c.ssmpListener(next).onMulticast(other.hex(), store.hex(), line(StoreMessage.Kind.MAXCAST, other, "not base64!"));

        assertThat(heard).isEmpty();
        assertThat(c.dropped()).isEqualTo(3);
        assertThat(passedOn).isEmpty();
    }

    @Test
    void whatIsNotAStoreMessageOnAStoreTopicGoesToTheNextListener() {
        StoreChannel c = channel(Duration.ofSeconds(5));
        SsmpListener ssmp = c.ssmpListener(next);
        ssmp.onMulticast("sp", "acl/" + other.hex(), "1234".getBytes(StandardCharsets.UTF_8));
        ssmp.onMulticast(other.hex(), store.hex(), "hello there".getBytes(StandardCharsets.UTF_8));
        ssmp.onMulticast(other.hex(), "cmd/" + self.hex(), line(StoreMessage.Kind.MAXCAST, other, FRAME));

        assertThat(heard).isEmpty();
        assertThat(passedOn).containsExactly("acl/" + other.hex() + " 1234", store.hex() + " hello there",
                "cmd/" + self.hex() + " mc " + other.hex() + " " + FRAME);
    }

    @Test
    void withNeitherTransportNothingIsSent() throws Exception {
        StoreChannel c = channel(Duration.ofSeconds(5));
        c.attach(null, null);
        assertThat(c.sendMaxcast(store, MaxcastFrame.parse(FRAME))).isNull();
        assertThat(c.publishCandidates(store, "{}")).isNull();
    }
}
