package dev.aero.xmpp.sp;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.aero.common.http.ServiceHttpClient;
import dev.aero.common.id.DID;
import dev.aero.common.id.SID;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** SP's store feed for the bridge: a store's devices, and every store a page at a time. */
public class SpStores {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** A store as SP sees it: whether the folder lives, and its devices. */
    public record Store(SID sid, boolean exists, List<DID> devices) { }

    /** A page of stores, and the SID to ask after for the next (null at the end). */
    public record Page(List<Store> stores, SID nextAfter) { }

    private final ServiceHttpClient sp;
    private final URI base;
    private final Duration timeout;

    public SpStores(URI spUrl, String deploymentSecret, Duration timeout) {
        this.sp = new ServiceHttpClient(HttpClient.newBuilder().connectTimeout(timeout).build(), "xmpp-bridge", deploymentSecret);
        this.base = spUrl;
        this.timeout = timeout;
    }

    public Store store(SID sid) throws IOException, InterruptedException {
        return store(get("/api/v1/internal/stores/" + sid.hex() + "/devices"));
    }

    public Page page(SID after, int limit) throws IOException, InterruptedException {
        JsonNode body = get("/api/v1/internal/stores?limit=" + limit + (after == null ? "" : "&after=" + after.hex()));
        List<Store> stores = new ArrayList<>();
        for (JsonNode s : body.path("stores")) {
            stores.add(store(s));
        }
        JsonNode next = body.path("next_after");
        return new Page(stores, next.isString() ? SID.of(next.asString()) : null);
    }

    private static Store store(JsonNode s) throws IOException {
        try {
            List<DID> devices = new ArrayList<>();
            for (JsonNode d : s.path("devices")) {
                devices.add(DID.of(d.asString()));
            }
            return new Store(SID.of(s.path("sid").asString()), s.path("exists").asBoolean(), devices);
        } catch (IllegalArgumentException e) {
            throw new IOException("SP answered a malformed store: " + e.getMessage(), e);
        }
    }

    private JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = sp.send("GET", base.resolve(path), null, timeout);
        if (r.statusCode() != 200) {
            throw new IOException("SP " + path + ": HTTP " + r.statusCode() + " " + r.body());
        }
        return JSON.readTree(r.body());
    }
}
