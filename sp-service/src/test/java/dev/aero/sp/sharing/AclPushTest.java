package dev.aero.sp.sharing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.transaction.support.TransactionTemplate;

import dev.aero.common.id.SID;
import dev.aero.common.id.UserID;
import dev.aero.common.ssmp.PlatformTopics;
import dev.aero.sp.SpServiceTest;
import dev.aero.sp.SpTestSupport;

/**
 * New ACL epochs reach verkehr's {@code acl/} topics through the outbox: after the commit,
 * never for a rolled-back change, and once verkehr is back after an outage. verkehr's service
 * API is stood in for by a small HTTP server that records each publish (and can refuse).
 */
@SpServiceTest
class AclPushTest extends SpTestSupport {

    private static final StandInVerkehr VERKEHR = new StandInVerkehr();

    @DynamicPropertySource
    static void verkehr(DynamicPropertyRegistry registry) {
        registry.add("aero.sp.acl-push.verkehr-url", VERKEHR::url);
    }

    @AfterAll
    static void stopVerkehr() {
        VERKEHR.stop();
    }

    @Autowired
    AclEpochs epochs;

    @Autowired
    TransactionTemplate tx;

    @BeforeEach
    void reset() {
        VERKEHR.status.set(200);
    }

    private List<String> publishedFor(String email) {
        String topic = PlatformTopics.acl(email);
        return VERKEHR.payloadsOn(topic);
    }

    private void awaitPublished(String email, String epoch) throws InterruptedException {
        StandInVerkehr.awaitPayload(() -> publishedFor(email), epoch, Duration.ofSeconds(10));
    }

    @Test
    void aJoinPublishesTheNewEpochOfEveryAffectedUserAsTheService() throws Exception {
        Account owner = member("push-owner");
        Account peer = member("push-peer");
        SID sid = SID.random();
        owner.client().createSharedFolder("Pushed", sid);
        awaitPublished(owner.email(), "2");
        owner.client().inviteToSharedFolder(sid, peer.email(), "EDITOR");
        peer.client().joinSharedFolder(sid);
        awaitPublished(owner.email(), "3");
        awaitPublished(peer.email(), "2");
        assertThat(VERKEHR.published).allMatch(p -> p.authorization().equals("Aero-Service-Shared-Secret sp-service test-deployment-secret"));
        // The rows go once verkehr's answer is back, just after the stand-in recorded the publish.
        long gone = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (count("acl_outbox") > 0 && System.nanoTime() < gone) {
            Thread.sleep(20);
        }
        assertThat(count("acl_outbox")).isZero();
    }

    @Test
    void aRolledBackChangeOwesNothing() throws Exception {
        String email = uniqueEmail("rollback");
        tx.executeWithoutResult(status -> {
            epochs.bump(List.of(UserID.of(email)));
            status.setRollbackOnly();
        });
        String marker = uniqueEmail("marker");
        tx.executeWithoutResult(status -> epochs.bump(List.of(UserID.of(marker))));
        awaitPublished(marker, "2");
        assertThat(publishedFor(email)).isEmpty();
        assertThat(epochs.of(UserID.of(email))).isEqualTo(1);
    }

    @Test
    void anEpochOwedWhileVerkehrIsDownArrivesOnceItIsBack() throws Exception {
        VERKEHR.status.set(503);
        String email = uniqueEmail("outage");
        tx.executeWithoutResult(status -> epochs.bump(List.of(UserID.of(email))));
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        Integer attempts = 0;
        while (System.nanoTime() < deadline) {
            attempts = jdbc.query("SELECT attempts FROM acl_outbox WHERE user_id = ?", (rs, i) -> rs.getInt(1), email).stream()
                    .findFirst().orElse(0);
            if (attempts > 0) {
                break;
            }
            Thread.sleep(20);
        }
        assertThat(attempts).as("refused while verkehr is down").isPositive();
        assertThat(publishedFor(email)).isEmpty();
        VERKEHR.status.set(200);
        awaitPublished(email, "2");
        // The row goes once verkehr's answer is back, just after the stand-in recorded the publish.
        long gone = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!jdbc.queryForList("SELECT id FROM acl_outbox WHERE user_id = ?", Long.class, email).isEmpty() && System.nanoTime() < gone) {
            Thread.sleep(20);
        }
        assertThat(jdbc.queryForList("SELECT id FROM acl_outbox WHERE user_id = ?", Long.class, email)).isEmpty();
    }
}
