package dev.aero.sp.account;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.aero.sp.SpProperties;

class PasswordHasherTest {

    private static SpProperties properties(int memoryKib, int iterations) {
        SpProperties.Limit off = SpProperties.Limit.valueOf("0/1m");
        return new SpProperties(false, java.net.URI.create("http://localhost"), Duration.ofDays(1), Duration.ofHours(1),
                Duration.ofDays(1), 8, List.of(), "X-Client-Certificate", new SpProperties.Argon2(memoryKib, iterations, 1, 0),
                new SpProperties.RateLimits(off, off, off, off, off, off, off, off), "a@b.c", true, "", java.nio.file.Path.of("setup-token"),
                new SpProperties.DeviceLogs(java.nio.file.Path.of("device-logs"), org.springframework.util.unit.DataSize.ofMegabytes(100),
                        org.springframework.util.unit.DataSize.ofGigabytes(2), Duration.ofDays(30)));
    }

    private final PasswordHasher hasher = new PasswordHasher(properties(1024, 1));

    @Test
    void hashesAreArgon2idPhcStringsWithAFreshSalt() {
        String a = hasher.hash("pass phrase");
        String b = hasher.hash("pass phrase");
        assertThat(a).matches("\\$argon2id\\$v=19\\$m=1024,t=1,p=1\\$[A-Za-z0-9+/]{22}\\$[A-Za-z0-9+/]{43}");
        assertThat(a).isNotEqualTo(b);
        assertThat(hasher.matches("pass phrase", a)).isTrue();
        assertThat(hasher.matches("pass phrase", b)).isTrue();
        assertThat(hasher.matches("pass phrasE", a)).isFalse();
    }

    @Test
    void unreadableOrMissingHashesNeverMatch() {
        assertThat(hasher.matches("x", null)).isFalse();
        assertThat(hasher.matches("x", "plaintext")).isFalse();
        assertThat(hasher.matches("x", "$argon2id$v=19$m=99999999,t=1,p=1$AAAA$BBBB")).isFalse();
    }

    @Test
    void hashesOfAnotherCostStillVerifyAndAskForRehash() {
        String old = new PasswordHasher(properties(2048, 2)).hash("pass phrase");
        assertThat(hasher.matches("pass phrase", old)).isTrue();
        assertThat(hasher.needsRehash(old)).isTrue();
        assertThat(hasher.needsRehash(hasher.hash("pass phrase"))).isFalse();
    }
}
