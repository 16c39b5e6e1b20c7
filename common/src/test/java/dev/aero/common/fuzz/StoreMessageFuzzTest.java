package dev.aero.common.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.aero.common.ssmp.StoreMessage;
import dev.aero.common.xmpp.MaxcastFrame;

/**
 * The parsers of what devices send each other through verkehr and the bridge: any bytes give a
 * well-formed message or none (never another exception), and what is parsed writes back the
 * same. In the suite this runs the committed inputs; {@code JAZZER_FUZZ=1} fuzzes.
 */
class StoreMessageFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void storeMessagesParseOrAreRefused(byte[] payload) {
        StoreMessage.parse(payload).ifPresent(m -> {
            assertThat(StoreMessage.parse(m.payload())).contains(m);
            assertThat(StoreMessage.claimedSender(payload)).isEqualTo(m.device().hex());
        });
    }

    @FuzzTest(maxDuration = "10s")
    void maxcastFramesParseOrAreRefused(byte[] input) {
        String text = new String(input, StandardCharsets.ISO_8859_1);
        MaxcastFrame frame;
        try {
            frame = MaxcastFrame.parse(text);
        } catch (MaxcastFrame.InvalidFrameException e) {
            assertThat(MaxcastFrame.check(text)).isNotNull();
            return;
        }
        assertThat(MaxcastFrame.check(text)).isNull();
        assertThat(frame.payload().length).isBetween(0, 700);
        assertThat(MaxcastFrame.parse(frame.text()).payload()).isEqualTo(frame.payload());
    }
}
