package dev.aero.zephyr;

import static dev.aero.zephyr.RelayFixture.assertClosedByRelay;
import static dev.aero.zephyr.RelayFixture.assertStillOpen;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.Socket;
import java.time.Duration;

import org.junit.jupiter.api.Test;


/** Bind deadline, pairing deadline and idle timeout, each with short settings. */
class RelayDeadlinesTest {

    @Test
    void noBindWithinTheBindDeadlineIsClosed() throws Exception {
        try (RelayFixture relay = RelayFixture.start("bind-deadline", "400ms");
                Socket s = relay.raw(null)) {
            long start = System.nanoTime();
            assertClosedByRelay(s, Duration.ofSeconds(5));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(300), Duration.ofSeconds(3));
            relay.awaitCount(CloseCause.BIND_DEADLINE, 1);
        }
    }

    @Test
    void aPartialBindDoesNotEscapeTheBindDeadline() throws Exception {
        try (RelayFixture relay = RelayFixture.start("bind-deadline", "400ms");
                Socket s = relay.raw(null)) {
            s.getOutputStream().write(new byte[] { (byte) 0x82, (byte) 0x96 });
            assertClosedByRelay(s, Duration.ofSeconds(5));
            relay.awaitCount(CloseCause.BIND_DEADLINE, 1);
        }
    }

    @Test
    void aBoundClientIsNoLongerSubjectToTheBindDeadline() throws Exception {
        try (RelayFixture relay = RelayFixture.start("bind-deadline", "300ms", "pairing-deadline", "30s")) {
            Socket[] pair = relay.pair();
            Thread.sleep(600);
            pair[0].getOutputStream().write(5);
            assertThat(pair[1].getInputStream().read()).isEqualTo(5);
            assertThat(relay.count(CloseCause.BIND_DEADLINE)).isZero();
            RelayProtocolTest.closeAll(pair);
        }
    }

    @Test
    void aPeerThatNeverBindsBackClosesBothWhenThePairingDeadlinePasses() throws Exception {
        try (RelayFixture relay = RelayFixture.start("bind-deadline", "30s", "pairing-deadline", "500ms")) {
            int[] bZid = new int[1];
            Socket sb = relay.raw(bZid);
            Socket sa = relay.client().bind(bZid[0]);
            assertClosedByRelay(sa, Duration.ofSeconds(5));
            assertClosedByRelay(sb, Duration.ofSeconds(5));
            relay.awaitCount(CloseCause.PAIRING_DEADLINE, 2);
        }
    }

    @Test
    void aBoundPairIsNotSubjectToThePairingDeadline() throws Exception {
        try (RelayFixture relay = RelayFixture.start("pairing-deadline", "300ms")) {
            Socket[] pair = relay.pair();
            Thread.sleep(700);
            pair[1].getOutputStream().write(6);
            assertThat(pair[0].getInputStream().read()).isEqualTo(6);
            RelayProtocolTest.closeAll(pair);
        }
    }

    @Test
    void anIdlePairIsClosedAfterTheIdleTimeout() throws Exception {
        try (RelayFixture relay = RelayFixture.start("idle-timeout", "600ms")) {
            Socket[] pair = relay.pair();
            // Traffic in either direction keeps it alive past the timeout...
            for (int i = 0; i < 6; i++) {
                Thread.sleep(200);
                pair[i % 2].getOutputStream().write(i);
                assertThat(pair[(i + 1) % 2].getInputStream().read()).isEqualTo(i);
            }
            // ...silence does not.
            assertClosedByRelay(pair[0], Duration.ofSeconds(5));
            assertClosedByRelay(pair[1], Duration.ofSeconds(5));
            relay.awaitCount(CloseCause.IDLE_TIMEOUT, 2);
        }
    }

    @Test
    void idleTimeoutZeroMeansNever() throws Exception {
        try (RelayFixture relay = RelayFixture.start("idle-timeout", "0")) {
            Socket[] pair = relay.pair();
            assertStillOpen(pair[0], Duration.ofMillis(800));
            pair[0].getOutputStream().write(1);
            assertThat(pair[1].getInputStream().read()).isEqualTo(1);
            RelayProtocolTest.closeAll(pair);
        }
    }
}
