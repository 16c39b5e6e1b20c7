package dev.aero.zephyr;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /status}: what the relay is doing now and the limits it enforces. */
@RestController
class RelayStatusController {

    private final ZephyrRelayServer server;
    private final RelayMetrics metrics;
    private final ZephyrProperties settings;

    RelayStatusController(ZephyrRelayServer server, RelayMetrics metrics, ZephyrProperties settings) {
        this.server = server;
        this.metrics = metrics;
        this.settings = settings;
    }

    @GetMapping("/status")
    Map<String, Object> status() {
        Map<String, Object> status = new LinkedHashMap<>();
        int connections = metrics.connections();
        int bound = metrics.boundPairs();
        status.put("transport", server.transport());
        status.put("port", server.port());
        status.put("connections", connections);
        status.put("registered", Math.max(0, server.context().registry().size() - 2 * bound));
        status.put("bound_pairs", bound);
        status.put("bytes_relayed", metrics.bytesRelayed());
        status.put("bytes_per_second", metrics.bytesPerSecond());
        status.put("accepting", !server.context().fdReserve().exhausted());
        status.put("refused", metrics.counts(true));
        status.put("closed", metrics.counts(false));
        Map<String, Object> limits = new LinkedHashMap<>();
        limits.put("max_connections", settings.maxConnections());
        limits.put("pair_bytes_per_second", settings.pairBytesPerSecond());
        limits.put("global_bytes_per_second", settings.globalBytesPerSecond());
        limits.put("pre_bind_buffer_bytes", settings.preBindBufferBytes());
        limits.put("bind_deadline_ms", settings.bindDeadline().toMillis());
        limits.put("pairing_deadline_ms", settings.pairingDeadline().toMillis());
        limits.put("idle_timeout_ms", settings.idleTimeout().toMillis());
        status.put("limits", limits);
        return status;
    }
}
