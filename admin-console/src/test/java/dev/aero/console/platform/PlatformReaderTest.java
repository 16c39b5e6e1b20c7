package dev.aero.console.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

class PlatformReaderTest {

    @Test
    void prometheusSamplesAreSummedOverTheirLabelsAndCommentsAndNaNAreSkipped() {
        Map<String, Double> samples = PlatformReader.samples("""
                # HELP zephyr_pairs_bound pairs
                # TYPE zephyr_pairs_bound gauge
                zephyr_pairs_bound{application="zephyr-relay"} 3.0
                zephyr_bytes_relayed_bytes_total{application="zephyr-relay"} 1.5E9
                zephyr_connections_refused_total{cause="limit"} 2.0
                zephyr_connections_refused_total{cause="protocol"} 5.0
                zephyr_bytes_rate_bytes_s NaN
                """);
        assertThat(samples).containsEntry("zephyr_pairs_bound", 3.0).containsEntry("zephyr_bytes_relayed_bytes_total", 1.5e9)
                .containsEntry("zephyr_connections_refused_total", 7.0).doesNotContainKey("zephyr_bytes_rate_bytes_s")
                .doesNotContainKey("#");
    }
}
