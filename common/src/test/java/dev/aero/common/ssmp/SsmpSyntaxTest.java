package dev.aero.common.ssmp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;

import org.junit.jupiter.api.Test;

class SsmpSyntaxTest {

    @Test
    void idsAreOneToSixtyFourCharactersOfTheAlphabet() {
        assertThat(SsmpSyntax.isId("acl/AbC_1-2+3=4~5.6:7@8")).isTrue();
        assertThat(SsmpSyntax.isId("x".repeat(64))).isTrue();
        assertThat(SsmpSyntax.isId("x".repeat(65))).isFalse();
        assertThat(SsmpSyntax.isId("")).isFalse();
        assertThat(SsmpSyntax.isId(null)).isFalse();
        for (String bad : new String[] {"a b", "a|b", "é", "a\nb", "a*b", "a#b"}) {
            assertThat(SsmpSyntax.isId(bad)).as(bad).isFalse();
        }
    }

    @Test
    void textPayloadsStayAsTheyAre() {
        byte[] raw = "hello world".getBytes();
        assertThat(SsmpSyntax.toWireForm(raw)).isEqualTo(raw);
        assertThat(SsmpSyntax.isWireForm(raw)).isTrue();
    }

    @Test
    void payloadsStartingWithALowByteOrHoldingLfGoInBinaryForm() {
        assertThat(SsmpSyntax.toWireForm(new byte[] {'a', '\n', 'b'})).containsExactly(0, 2, 'a', '\n', 'b');
        assertThat(SsmpSyntax.toWireForm(new byte[] {3})).containsExactly(0, 0, 3);
        byte[] big = new byte[1024];
        byte[] wire = SsmpSyntax.toWireForm(big);
        assertThat(wire[0]).isEqualTo((byte) 3);
        assertThat(wire[1]).isEqualTo((byte) 0xff);
        assertThat(wire).hasSize(1026);
    }

    @Test
    void wireFormRoundTripsEveryPayload() {
        Random random = new Random(42);
        for (int i = 0; i < 5000; i++) {
            byte[] raw = new byte[1 + random.nextInt(1024)];
            random.nextBytes(raw);
            byte[] wire = SsmpSyntax.toWireForm(raw);
            assertThat(SsmpSyntax.isWireForm(wire)).isTrue();
            assertThat(SsmpSyntax.fromWireForm(wire)).isEqualTo(raw);
        }
    }

    @Test
    void emptyAndOversizedPayloadsAreRefused() {
        assertThatThrownBy(() -> SsmpSyntax.toWireForm(new byte[0])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SsmpSyntax.toWireForm(new byte[1025])).isInstanceOf(IllegalArgumentException.class);
        assertThat(SsmpSyntax.isWireForm(new byte[] {0, 5, 1})).as("length says 6, one byte follows").isFalse();
        assertThat(SsmpSyntax.isWireForm("x".repeat(1025).getBytes())).isFalse();
    }
}
