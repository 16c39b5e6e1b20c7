package dev.aero.common.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

class TrustedProxiesTest {

    private final TrustedProxies proxies = TrustedProxies.of(List.of("10.0.0.0/8", "192.168.1.7", "fd00::/8"));

    @Test
    void matchesAddressesAndRanges() {
        assertThat(proxies.trusts("10.1.2.3")).isTrue();
        assertThat(proxies.trusts("11.1.2.3")).isFalse();
        assertThat(proxies.trusts("192.168.1.7")).isTrue();
        assertThat(proxies.trusts("192.168.1.8")).isFalse();
        assertThat(proxies.trusts("fd12::1")).isTrue();
        assertThat(proxies.trusts("fe80::1")).isFalse();
        assertThat(proxies.trusts("::ffff:10.9.9.9")).isTrue();
    }

    @Test
    void hostnamesAndGarbageAreNeverTrustedNorLookedUp() {
        assertThat(proxies.trusts("localhost")).isFalse();
        assertThat(proxies.trusts("10.0.0.1.evil.com")).isFalse();
        assertThat(proxies.trusts("")).isFalse();
        assertThat(proxies.trusts(null)).isFalse();
    }

    @Test
    void clientAddressComesFromForwardedForOnlyBehindATrustedProxy() {
        assertThat(proxies.clientAddress("203.0.113.5", "1.2.3.4")).isEqualTo("203.0.113.5");
        assertThat(proxies.clientAddress("10.0.0.2", "1.2.3.4")).isEqualTo("1.2.3.4");
        // The right-most untrusted hop is the client; a spoofed left part is ignored.
        assertThat(proxies.clientAddress("10.0.0.2", "6.6.6.6, 1.2.3.4, 10.0.0.9")).isEqualTo("1.2.3.4");
        assertThat(proxies.clientAddress("10.0.0.2", "not-an-ip")).isEqualTo("10.0.0.2");
        assertThat(proxies.clientAddress("10.0.0.2", null)).isEqualTo("10.0.0.2");
    }

    @Test
    void noProxiesTrustNothing() {
        assertThat(TrustedProxies.none().trusts("127.0.0.1")).isFalse();
        assertThat(TrustedProxies.of(List.of()).clientAddress("127.0.0.1", "1.2.3.4")).isEqualTo("127.0.0.1");
    }

    @Test
    void badEntriesAreRejectedAtStart() {
        assertThatThrownBy(() -> TrustedProxies.of(List.of("10.0.0.0/33"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TrustedProxies.of(List.of("proxy.example.com"))).isInstanceOf(IllegalArgumentException.class);
    }
}
