package dev.aero.client.sharing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import dev.aero.client.sp.Acl;
import dev.aero.client.ssmp.SsmpListener;
import dev.aero.common.id.SID;
import dev.aero.common.id.UserID;
import dev.aero.common.ssmp.PlatformTopics;

/**
 * The follower's loop against an ACL source that behaves as SP's {@code GET /acl?since=} does:
 * the whole ACL when {@code since} is below the epoch, the epoch alone otherwise.
 */
class AclFollowerTest {

    private static final UserID USER = UserID.of("ada@example.com");

    /** SP's answer rule over an epoch and store list the test moves. */
    private static final class Sp implements AclFollower.AclSource {
        final AtomicLong epoch = new AtomicLong(1);
        volatile List<Acl.Store> stores = List.of();
        final List<Long> asked = new CopyOnWriteArrayList<>();
        final AtomicInteger failuresLeft = new AtomicInteger();

        @Override
        public Acl fetch(long since) {
            asked.add(since);
            if (failuresLeft.getAndDecrement() > 0) {
                throw new IllegalStateException("SP is down");
            }
            long e = epoch.get();
            return since < e ? new Acl(e, stores) : new Acl(e, null);
        }

        void change(SID... sids) {
            stores = java.util.Arrays.stream(sids).map(s -> new Acl.Store(s, "f", "EDITOR", List.of("WRITE"), List.of())).toList();
            epoch.incrementAndGet();
        }
    }

    private static Acl next(BlockingQueue<Acl> seen) throws InterruptedException {
        Acl acl = seen.poll(5, TimeUnit.SECONDS);
        assertThat(acl).as("an ACL handed over within 5 s").isNotNull();
        return acl;
    }

    @Test
    void startReadsTheAclAndEachHigherEpochReadsItAgain() throws Exception {
        Sp sp = new Sp();
        BlockingQueue<Acl> seen = new LinkedBlockingQueue<>();
        SID folder = SID.random();
        try (AclFollower follower = new AclFollower(sp, USER, seen::add)) {
            follower.start();
            assertThat(next(seen).stores()).isEmpty();

            sp.change(folder);
            follower.onEpoch(2);
            Acl second = next(seen);
            assertThat(second.epoch()).isEqualTo(2);
            assertThat(second.stores()).extracting(Acl.Store::sid).containsExactly(folder);
            assertThat(follower.stores()).extracting(Acl.Store::sid).containsExactly(folder);

            follower.onEpoch(2);
            follower.onEpoch(1);
            sp.change();
            follower.onEpoch(3);
            Acl third = next(seen);
            assertThat(third.stores()).as("the folder is gone").isEmpty();
            assertThat(sp.asked).as("announced epochs at or below the one read cause no read").containsExactly(0L, 1L, 2L);
        }
    }

    @Test
    void aFailedReadIsRetried() throws Exception {
        Sp sp = new Sp();
        sp.failuresLeft.set(2);
        BlockingQueue<Acl> seen = new LinkedBlockingQueue<>();
        try (AclFollower follower = new AclFollower(sp, USER, seen::add, Duration.ofMillis(20), Duration.ofMillis(100))) {
            follower.start();
            assertThat(next(seen).epoch()).isEqualTo(1);
            assertThat(sp.asked).containsExactly(0L, 0L, 0L);
        }
    }

    @Test
    void itsListenerReadsOnEpochMessagesAndReconnectsAndPassesEverythingOn() throws Exception {
        Sp sp = new Sp();
        BlockingQueue<Acl> seen = new LinkedBlockingQueue<>();
        List<String> passedOn = new CopyOnWriteArrayList<>();
        SsmpListener app = new SsmpListener() {
            @Override
            public void onMulticast(String from, String topic, byte[] payload) {
                passedOn.add(topic);
            }

            @Override
            public void onConnected() {
                passedOn.add("connected");
            }
        };
        SID folder = SID.random();
        try (AclFollower follower = new AclFollower(sp, USER, seen::add)) {
            assertThat(follower.topic()).isEqualTo(PlatformTopics.acl(USER.value()));
            SsmpListener listener = follower.pushListener(app);
            listener.onConnected();
            assertThat(next(seen).epoch()).isEqualTo(1);

            sp.change(folder);
            listener.onMulticast("sp-service", PlatformTopics.acl("someone-else@example.com"), "2".getBytes(StandardCharsets.US_ASCII));
            listener.onMulticast("sp-service", follower.topic(), "2".getBytes(StandardCharsets.US_ASCII));
            assertThat(next(seen).stores()).extracting(Acl.Store::sid).containsExactly(folder);

            sp.change();
            listener.onConnected();
            assertThat(next(seen).stores()).as("a reconnect reads what changed meanwhile").isEmpty();
            assertThat(passedOn).containsExactly("connected", PlatformTopics.acl("someone-else@example.com"), follower.topic(), "connected");
            assertThat(sp.asked).as("the other user's topic caused no read").containsExactly(0L, 1L, 2L);
        }
    }
}
