package dev.aero.xmpp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.aero.common.testing.BootServiceContract;
import dev.aero.common.testing.TestEjabberd;
import dev.aero.xmpp.relay.XmppRelay;
import dev.aero.xmpp.rooms.RoomReconciler;

/**
 * The bridge as it starts, against the real ejabberd test node and a stand-in SP: its rooms are
 * in line and its XMPP session is up, so it is UP (no verkehr here: that component is UNKNOWN).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class XmppBridgeApplicationTest extends BootServiceContract {

    private static final StandInSp SP = standInSp();

    private static StandInSp standInSp() {
        try {
            return new StandInSp();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        TestEjabberd ejabberd = TestEjabberd.get();
        registry.add("aero.xmpp.domain", ejabberd::domain);
        registry.add("aero.xmpp.host", ejabberd::host);
        registry.add("aero.xmpp.port", ejabberd::port);
        registry.add("aero.xmpp.trust-file", () -> ejabberd.caFile().toString());
        registry.add("aero.xmpp.resource", () -> "application-test");
        registry.add("aero.xmpp.bridge-user", ejabberd::bridgeUser);
        registry.add("aero.xmpp.bridge-password", ejabberd::bridgePassword);
        registry.add("aero.xmpp.api-url", () -> ejabberd.apiUrl().toString());
        registry.add("aero.xmpp.sp-url", () -> SP.url().toString());
        registry.add("aero.xmpp.deployment-secret", () -> StandInSp.SECRET);
        // No verkehr in this module's tests: the store feed is off (the end-to-end tests run it).
        registry.add("aero.xmpp.verkehr-ssmp", () -> "");
    }

    @Autowired
    RoomReconciler reconciler;

    @Autowired
    XmppRelay relay;

    @AfterAll
    static void stopSp() {
        SP.close();
    }

    /** The first reconciliation runs in the background from the start; the contract is checked once it is done. */
    @BeforeEach
    void roomsInLine() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!(reconciler.reconciled() && relay.connected()) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(reconciler.reconciled()).as("first reconciliation: " + reconciler.lastFailure()).isTrue();
        assertThat(relay.connected()).as("the bridge's XMPP session").isTrue();
    }

    @Override
    protected Set<String> backingServices() {
        return Set.of("rooms", "ejabberd");
    }
}
