package dev.aero.common.ssmp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.aero.common.id.DID;

class ConnectionEventsTest {

    private static final DID DEVICE = DID.random();

    @Test
    void theDidFieldNamesTheDevice() {
        Map<String, String> login = Map.of("type", "login", "id", "someone-else", "scheme", "cert", "did", DEVICE.hex());
        assertThat(ConnectionEvents.device(login, true)).isEqualTo(DEVICE);
        assertThat(ConnectionEvents.device(login, false)).isEqualTo(DEVICE);
    }

    @Test
    void withoutItTheIdOfACertificateLoginDoesWithOrWithoutASuffix() {
        assertThat(ConnectionEvents.device(Map.of("id", DEVICE.hex() + "/laptop", "scheme", "cert"), true)).isEqualTo(DEVICE);
        assertThat(ConnectionEvents.device(Map.of("id", DEVICE.hex(), "scheme", "cert"), true)).isEqualTo(DEVICE);
    }

    @Test
    void anIdOfAnotherSchemeCountsOnlyWhenCertificatesAreNotRequired() {
        Map<String, String> open = Map.of("id", DEVICE.hex() + "/x", "scheme", "open");
        assertThat(ConnectionEvents.device(open, true)).isNull();
        assertThat(ConnectionEvents.device(open, false)).isEqualTo(DEVICE);
    }

    @Test
    void whatIsNotADeviceIdIsNoDevice() {
        assertThat(ConnectionEvents.device(Map.of("id", ".", "scheme", "secret"), false)).isNull();
        assertThat(ConnectionEvents.device(Map.of("did", "not-a-did", "id", DEVICE.hex(), "scheme", "cert"), true)).isNull();
        assertThat(ConnectionEvents.device(Map.of("scheme", "cert"), true)).isNull();
        assertThat(ConnectionEvents.device(Map.of("id", "/" + DEVICE.hex(), "scheme", "cert"), true)).isNull();
    }
}
