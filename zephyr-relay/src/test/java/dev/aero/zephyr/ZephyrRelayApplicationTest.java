package dev.aero.zephyr;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import dev.aero.client.zephyr.ZephyrClient;
import dev.aero.common.testing.BootServiceContract;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "aero.zephyr.port=0", "aero.zephyr.host=127.0.0.1", "aero.zephyr.max-connections=100" })
class ZephyrRelayApplicationTest extends BootServiceContract {

    @Autowired
    ZephyrRelayServer relay;

    @Override
    protected Set<String> backingServices() {
        return Set.of();
    }

    @Test
    void statusReportsConnectionsPairsBytesAndLimits() throws Exception {
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", relay.port());
        try (ZephyrClient a = ZephyrClient.connect(address, Duration.ofSeconds(5));
                ZephyrClient b = ZephyrClient.connect(address, Duration.ofSeconds(5));
                Socket bad = new Socket("127.0.0.1", relay.port())) {
            Socket sa = a.bind(b.zid());
            Socket sb = b.bind(a.zid());
            sa.getOutputStream().write(new byte[1000]);
            assertThat(sb.getInputStream().readNBytes(1000)).hasSize(1000);
            bad.getInputStream().readNBytes(12);
            bad.getOutputStream().write("GET / HTTP/1.1\r\n".getBytes());
            assertThat(bad.getInputStream().read()).isEqualTo(-1);

            JsonNode status = JsonMapper.builder().build().readTree(get("/status").body());
            assertThat(status.get("connections").asInt()).isEqualTo(2);
            assertThat(status.get("bound_pairs").asInt()).isEqualTo(1);
            assertThat(status.get("registered").asInt()).isZero();
            assertThat(status.get("bytes_relayed").asLong()).isEqualTo(1000);
            assertThat(status.get("closed").get("bad_magic").asLong()).isEqualTo(1);
            assertThat(status.get("refused").get("max_connections").asLong()).isZero();
            assertThat(status.get("limits").get("max_connections").asInt()).isEqualTo(100);
            assertThat(status.get("limits").get("bind_deadline_ms").asLong()).isEqualTo(15_000);
            assertThat(status.get("transport").asString()).isIn("epoll", "nio");
        }
    }

    @Test
    void prometheusCountsClosesByCause() throws Exception {
        try (Socket bad = new Socket("127.0.0.1", relay.port())) {
            // A well-formed BIND to a zid nobody holds (the relay's own are random, 1 is unlikely).
            bad.getInputStream().readNBytes(12);
            bad.getOutputStream().write(dev.aero.common.zephyr.ZephyrWire.message(1));
            assertThat(bad.getInputStream().read()).isEqualTo(-1);
        }
        String metrics = management("/actuator/prometheus").body();
        assertThat(metrics).contains("zephyr_connections_closed_total{application=\"zephyr-relay\",cause=\"unknown_zid\"} 1.0")
                .contains("zephyr_connections_refused_total{application=\"zephyr-relay\",cause=\"fd_limit\"}")
                .contains("zephyr_bytes_relayed_bytes_total").contains("zephyr_pairs_bound");
    }
}
