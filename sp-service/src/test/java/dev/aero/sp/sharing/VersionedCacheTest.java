package dev.aero.sp.sharing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import dev.aero.common.id.UserID;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** The cache of {@code GET /acl} parts by key and version (here: answers by user and epoch). */
class VersionedCacheTest {

    private static final UserID ADA = UserID.of("ada@example.com");
    private static final UserID BOB = UserID.of("bob@example.com");

    @Test
    void anAnswerIsServedOnlyForItsOwnEpoch() {
        VersionedCache<UserID, byte[]> cache = new VersionedCache<UserID, byte[]>("answers", 1000, b -> b.length, new SimpleMeterRegistry());
        cache.put(ADA, 3, new byte[] {3});
        assertThat(cache.get(ADA, 3)).containsExactly(3);
        assertThat(cache.get(ADA, 4)).as("a newer epoch misses").isNull();
        assertThat(cache.get(ADA, 2)).isNull();
        assertThat(cache.get(BOB, 3)).isNull();
    }

    @Test
    void aLateAnswerForAnOlderEpochDoesNotReplaceANewerOne() {
        VersionedCache<UserID, byte[]> cache = new VersionedCache<UserID, byte[]>("answers", 1000, b -> b.length, new SimpleMeterRegistry());
        cache.put(ADA, 5, new byte[] {5});
        cache.put(ADA, 4, new byte[] {4});
        assertThat(cache.get(ADA, 5)).containsExactly(5);
        cache.put(ADA, 6, new byte[] {6});
        assertThat(cache.get(ADA, 6)).containsExactly(6);
        assertThat(cache.get(ADA, 5)).isNull();
    }

    @Test
    void theLeastRecentlyUsedGoFirstPastTheByteBound() {
        VersionedCache<UserID, byte[]> cache = new VersionedCache<UserID, byte[]>("answers", 10, b -> b.length, new SimpleMeterRegistry());
        cache.put(ADA, 1, new byte[6]);
        cache.put(BOB, 1, new byte[4]);
        assertThat(cache.get(ADA, 1)).hasSize(6);
        UserID cy = UserID.of("cy@example.com");
        cache.put(cy, 1, new byte[4]);
        assertThat(cache.get(BOB, 1)).as("least recently used").isNull();
        assertThat(cache.get(ADA, 1)).hasSize(6);
        assertThat(cache.get(cy, 1)).hasSize(4);
        cache.put(UserID.of("dee@example.com"), 1, new byte[11]);
        assertThat(cache.get(UserID.of("dee@example.com"), 1)).as("larger than the whole bound: not kept").isNull();
        VersionedCache<UserID, byte[]> off = new VersionedCache<UserID, byte[]>("answers", 0, b -> b.length, new SimpleMeterRegistry());
        off.put(ADA, 1, new byte[1]);
        assertThat(off.get(ADA, 1)).isNull();
    }
}
