package dev.aero.sp.device;

import dev.aero.common.http.ServiceHttpClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.stereotype.Component;

import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.aero.common.id.DID;
import dev.aero.sp.SpProperties;

/**
 * Last seen and online state of devices, asked of devman ({@code POST /v1/devices/status}) with
 * a short timeout. When devman is down or slow, device lists and details answer without that
 * data (null fields), and devman is not asked again for a few seconds, so its outage costs SP's
 * callers at most one timeout now and then.
 */
@Component
@EnableConfigurationProperties(DevmanPresence.Settings.class)
public class DevmanPresence {

    /**
     * @param url devman's REST base URL
     * @param timeout how long one status request may take
     * @param backoff how long devman is left alone after a failure
     */
    @ConfigurationProperties("aero.sp.devman")
    public record Settings(
            @DefaultValue("http://127.0.0.1:8701") URI url,
            @DefaultValue("1s") Duration timeout,
            @DefaultValue("5s") Duration backoff) {
    }

    /** What devman says of one device; {@code lastSeen} null when it was never seen. */
    public record Presence(Instant lastSeen, boolean online, List<String> onlineVia) { }

    private static final Logger log = LoggerFactory.getLogger(DevmanPresence.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int MAX_BATCH = 1000;

    private final Settings settings;
    private final ServiceHttpClient devman;
    private final MeterRegistry meters;
    private volatile long quietUntil;

    public DevmanPresence(Settings settings, SpProperties sp, MeterRegistry meters) {
        this.settings = settings;
        this.devman = new ServiceHttpClient(HttpClient.newBuilder().connectTimeout(settings.timeout()).build(), "sp-service",
                sp.deploymentSecret());
        this.meters = meters;
    }

    /** Presence of each device devman could tell about; empty when it could not be asked. */
    public Map<DID, Presence> of(List<DID> devices) {
        Map<DID, Presence> out = new HashMap<>();
        if (devices.isEmpty() || !devman.configured() || System.currentTimeMillis() < quietUntil) {
            return out;
        }
        try {
            for (int from = 0; from < devices.size(); from += MAX_BATCH) {
                fetch(devices.subList(from, Math.min(devices.size(), from + MAX_BATCH)), out);
            }
            return out;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            quietUntil = System.currentTimeMillis() + settings.backoff().toMillis();
            meters.counter("aero.sp.devman.failures").increment();
            log.warn("devman did not answer ({}); device presence left out for {}", e.toString(), settings.backoff());
            return Map.of();
        }
    }

    private void fetch(List<DID> devices, Map<DID, Presence> out) throws Exception {
        StringBuilder body = new StringBuilder("{\"devices\":[");
        for (int i = 0; i < devices.size(); i++) {
            body.append(i == 0 ? "\"" : ",\"").append(devices.get(i).hex()).append('"');
        }
        body.append("]}");
        HttpResponse<String> r = devman.send("POST", settings.url().resolve("/v1/devices/status"), body.toString(), settings.timeout());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("devman answered HTTP " + r.statusCode());
        }
        for (JsonNode d : JSON.readTree(r.body()).path("devices")) {
            DID did = DID.of(d.path("did").asString());
            JsonNode seen = d.path("last_seen_time");
            List<String> via = new java.util.ArrayList<>();
            d.path("online_via").forEach(v -> via.add(v.asString()));
            out.put(did, new Presence(seen.isNull() || seen.isMissingNode() ? null : Instant.parse(seen.asString()),
                    d.path("online").asBoolean(), List.copyOf(via)));
        }
    }
}
