package dev.aero.common.ssmp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import dev.aero.common.id.DID;

class StoreMessageTest {

    private static final String D = "5d41402abc4b2a76b9719d911017c592";

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void parsesMaxcastAndCandidateLinesAndWritesThemBack() {
        StoreMessage mc = StoreMessage.parse(bytes("mc " + D + " AAAAAf////8AAAAFaGVsbG9i")).orElseThrow();
        assertThat(mc.kind()).isEqualTo(StoreMessage.Kind.MAXCAST);
        assertThat(mc.device()).isEqualTo(DID.of(D));
        assertThat(mc.body()).isEqualTo("AAAAAf////8AAAAFaGVsbG9i");
        assertThat(new String(mc.payload(), StandardCharsets.UTF_8)).isEqualTo("mc " + D + " AAAAAf////8AAAAFaGVsbG9i");
        StoreMessage loc = StoreMessage.parse(bytes("loc " + D + " {\"tcp\":[\"10.0.0.2:3000\"]}")).orElseThrow();
        assertThat(loc.kind()).isEqualTo(StoreMessage.Kind.CANDIDATES);
        assertThat(loc.body()).isEqualTo("{\"tcp\":[\"10.0.0.2:3000\"]}");
    }

    @Test
    void anythingElseIsNotAStoreMessage() {
        for (String s : new String[] { "", "mc", "mc ", "mc " + D, "mc " + D + " ", "mcx " + D + " x", "mc " + D.toUpperCase() + " x",
                "mc " + D.substring(1) + " x", "MC " + D + " x", "hello", "loc  " + D + " x" }) {
            assertThat(StoreMessage.parse(bytes(s))).as(s).isEmpty();
        }
    }

    @Test
    void theClaimedSenderIsTheWordAfterTheKindAsWritten() {
        assertThat(StoreMessage.claimedSender(bytes("mc " + D + " x"))).isEqualTo(D);
        assertThat(StoreMessage.claimedSender(bytes("loc someone-else {}"))).isEqualTo("someone-else");
        assertThat(StoreMessage.claimedSender(bytes("mc "))).isEmpty();
        assertThat(StoreMessage.claimedSender(bytes("maxcast-1"))).isNull();
        assertThat(StoreMessage.claimedSender(bytes("mc"))).isNull();
    }

    @Test
    void aBodyIsOneNonEmptyLine() {
        assertThatThrownBy(() -> new StoreMessage(StoreMessage.Kind.MAXCAST, DID.of(D), "a\nb")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StoreMessage(StoreMessage.Kind.MAXCAST, DID.of(D), "")).isInstanceOf(IllegalArgumentException.class);
    }
}
