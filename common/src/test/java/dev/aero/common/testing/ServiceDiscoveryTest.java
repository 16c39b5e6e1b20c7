package dev.aero.common.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

/** A server named in the environment that does not answer fails loudly; it is never skipped. */
class ServiceDiscoveryTest {

    @Test
    void unreachableNamedMySqlIsAnError() {
        assertThatThrownBy(() -> TestServices.findMySql(Map.of(TestServices.MYSQL_URL, "jdbc:mysql://127.0.0.1:1/",
                TestServices.MYSQL_USER, "aero", TestServices.MYSQL_PASSWORD, "aero")))
                .isInstanceOf(ServiceUnavailableException.class)
                .hasMessageContaining("cannot be reached").hasMessageContaining("./aero deps");
    }

    @Test
    void unreachableNamedRedisIsAnError() {
        assertThatThrownBy(() -> TestServices.findRedis(Map.of(TestServices.REDIS_URL, "redis://127.0.0.1:1")))
                .isInstanceOf(ServiceUnavailableException.class).hasMessageContaining("cannot be reached");
    }

    @Test
    void malformedServerAddressesAreErrors() {
        assertThatThrownBy(() -> TestServices.findMySql(Map.of(TestServices.MYSQL_URL, "postgres://x/")))
                .isInstanceOf(ServiceUnavailableException.class).hasMessageContaining("jdbc:mysql://");
        assertThatThrownBy(() -> TestServices.findRedis(Map.of(TestServices.REDIS_URL, "http://x:1")))
                .isInstanceOf(ServiceUnavailableException.class).hasMessageContaining("redis://");
    }

    @Test
    void ciOrTheLauncherMakesServicesRequired() {
        assertThat(TestServices.required(Map.of("CI", "true"))).isTrue();
        assertThat(TestServices.required(Map.of(TestServices.REQUIRE, "true"))).isTrue();
        assertThat(TestServices.required(Map.of())).isFalse();
    }

    @Test
    void testSchemaNamesCarryTheirCreationTime() {
        assertThat(TestDatabase.creationSecond("t_" + Long.toString(1_700_000_000L, 36) + "_sometest_0a0b0c0d")).isEqualTo(1_700_000_000L);
        assertThat(TestDatabase.creationSecond("aero_sp")).isNull();
        assertThat(TestDatabase.creationSecond("t_not!base36_x")).isNull();
    }
}
