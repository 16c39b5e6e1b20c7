package dev.aero.verkehr.topic;

import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.aero.common.http.ServiceHttpClient;
import dev.aero.common.id.DID;
import dev.aero.common.id.UserID;
import dev.aero.common.ssmp.PlatformTopics;
import dev.aero.verkehr.VerkehrMetrics;

/**
 * Which stores a device's user may use: SP's {@code GET /api/v1/internal/devices/{did}/stores},
 * cached per user (keyed by the user's {@code acl/} topic, which is what invalidates it).
 *
 * <p>An entry lives until that user's next {@code acl/} message passes through this node
 * ({@link #invalidate}), or {@code ttl} after it was fetched, whichever comes first. A lookup
 * that finds no fresh entry asks SP (one request per user at a time, shared by every lookup
 * that needs it). If SP cannot answer, an expired entry is still used; with none, the answer is
 * "no store" (fail closed). A fetch that was in flight while the user's ACL changed is not
 * cached: the lookup asks again, so an answer from before a change is never kept after it.
 */
public final class StoreMembership {

    private static final Logger log = LoggerFactory.getLogger(StoreMembership.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** Lookups that re-ask SP because the user's ACL changed during the answer, at most. */
    private static final int MAX_REFETCHES = 3;

    /** Asks SP for the stores of a device's user; fails when SP does not give them. */
    @FunctionalInterface
    public interface Directory {
        CompletableFuture<Set<String>> stores(DID device, UserID user);
    }

    private record Entry(Set<String> stores, long fetchedAt) { }

    private final Directory directory;
    private final Duration ttl;
    private final int maxEntries;
    private final LongSupplier nanos;
    private final VerkehrMetrics metrics;
    private final Map<String, Entry> cache = new ConcurrentHashMap<>();
    /** Moves on every invalidation of a user; a fetch caches its answer only if it did not move meanwhile. */
    private final Map<String, Long> generations = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Set<String>>> inFlight = new ConcurrentHashMap<>();
    /** Users' {@code acl/} topics, remembered: each is a SHA-256, and every store check needs one. */
    private final Map<UserID, String> aclTopics = new ConcurrentHashMap<>();

    public StoreMembership(Directory directory, Duration ttl, int maxEntries, LongSupplier nanos, VerkehrMetrics metrics) {
        this.directory = directory;
        this.ttl = ttl;
        this.maxEntries = maxEntries;
        this.nanos = nanos;
        this.metrics = metrics;
    }

    /** SP's internal endpoint, asked as {@code service} with the deployment secret. */
    public static Directory sp(ServiceHttpClient http, URI spUrl, Duration timeout) {
        return (device, user) -> http.sendAsync("GET", spUrl.resolve("/api/v1/internal/devices/" + device.hex() + "/stores"), null, timeout)
                .thenApply(response -> parse(response, user));
    }

    private static Set<String> parse(HttpResponse<String> response, UserID user) {
        if (response.statusCode() == 404) {
            // An unknown or unlinked device may use no store; that is an answer, not a failure.
            return Set.of();
        }
        if (response.statusCode() != 200) {
            throw new IllegalStateException("SP answered " + response.statusCode() + " for the device's stores");
        }
        JsonNode body = JSON.readTree(response.body());
        if (!user.value().equals(body.path("user").asString(""))) {
            // The certificate's user no longer owns the device: nothing is granted through it.
            return Set.of();
        }
        Set<String> stores = new HashSet<>();
        for (JsonNode sid : body.path("stores")) {
            stores.add(sid.asString());
        }
        return Set.copyOf(stores);
    }

    /** The user's {@code acl/} topic (remembered for up to {@code maxEntries} users). */
    public String aclTopic(UserID user) {
        String topic = aclTopics.get(user);
        if (topic == null) {
            if (aclTopics.size() >= maxEntries) {
                aclTopics.clear();
            }
            topic = PlatformTopics.acl(user.value());
            aclTopics.put(user, topic);
        }
        return topic;
    }

    /** Whether {@code topic} names a store (a SID: 32 lower-case hex digits). */
    public static boolean isStoreTopic(String topic) {
        if (topic.length() != 32) {
            return false;
        }
        for (int i = 0; i < 32; i++) {
            char c = topic.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    /** Whether the device's user may use store {@code sid} (false when that cannot be known). */
    public CompletableFuture<Boolean> mayUse(DID device, UserID user, String sid) {
        return storesOf(device, user, false).handle((stores, failure) -> stores != null && stores.contains(sid));
    }

    /**
     * The user's stores; {@code fresh} skips the cache (after an invalidation). Completes
     * exceptionally only when SP cannot answer and no entry, however old, is cached.
     */
    public CompletableFuture<Set<String>> storesOf(DID device, UserID user, boolean fresh) {
        String key = aclTopic(user);
        Entry entry = cache.get(key);
        if (!fresh && entry != null && nanos.getAsLong() - entry.fetchedAt() < ttl.toNanos()) {
            metrics.storeLookup("cached");
            return CompletableFuture.completedFuture(entry.stores());
        }
        return fetch(device, user, key, 0).handle((stores, failure) -> {
            if (failure == null) {
                metrics.storeLookup("fetched");
                return CompletableFuture.completedFuture(stores);
            }
            Entry stale = cache.get(key);
            if (stale != null) {
                metrics.storeLookup("stale");
                return CompletableFuture.completedFuture(stale.stores());
            }
            metrics.storeLookup("failed");
            log.warn("cannot learn the stores of {} from SP: {}", user, failure.toString());
            return CompletableFuture.<Set<String>>failedFuture(failure);
        }).thenCompose(f -> f);
    }

    private CompletableFuture<Set<String>> fetch(DID device, UserID user, String key, int attempt) {
        CompletableFuture<Set<String>> mine = new CompletableFuture<>();
        CompletableFuture<Set<String>> shared = inFlight.putIfAbsent(key, mine);
        if (shared != null) {
            return shared;
        }
        long generation = generations.getOrDefault(key, 0L);
        CompletableFuture<Set<String>> asked;
        try {
            asked = directory.stores(device, user);
        } catch (RuntimeException e) {
            asked = CompletableFuture.failedFuture(e);
        }
        asked.whenComplete((stores, failure) -> {
            inFlight.remove(key, mine);
            if (failure != null) {
                mine.completeExceptionally(failure);
                return;
            }
            boolean kept;
            synchronized (this) {
                kept = generations.getOrDefault(key, 0L) == generation;
                if (kept) {
                    cache.put(key, new Entry(stores, nanos.getAsLong()));
                }
            }
            if (kept || attempt >= MAX_REFETCHES) {
                sweepIfFull();
                mine.complete(stores);
            } else {
                fetch(device, user, key, attempt + 1).whenComplete((again, error) -> {
                    if (error != null) {
                        mine.completeExceptionally(error);
                    } else {
                        mine.complete(again);
                    }
                });
            }
        });
        return mine;
    }

    /** Forgets what is known of the user behind {@code aclTopic}: its ACL has changed. */
    public void invalidate(String aclTopic) {
        synchronized (this) {
            generations.merge(aclTopic, 1L, Long::sum);
            cache.remove(aclTopic);
        }
    }

    /** Users cached (fresh or not). */
    public int size() {
        return cache.size();
    }

    /** Past {@code maxEntries}, drops expired entries, then (if still full) the oldest half. */
    private void sweepIfFull() {
        if (cache.size() <= maxEntries) {
            return;
        }
        long now = nanos.getAsLong();
        cache.entrySet().removeIf(e -> now - e.getValue().fetchedAt() >= ttl.toNanos());
        if (cache.size() > maxEntries) {
            long[] ages = cache.values().stream().mapToLong(e -> now - e.fetchedAt()).sorted().toArray();
            long cut = ages[ages.length / 2];
            cache.entrySet().removeIf(e -> now - e.getValue().fetchedAt() >= cut);
        }
        // Generations only matter while a fetch is in flight; keep their map from growing without bound.
        if (generations.size() > maxEntries) {
            generations.keySet().removeIf(k -> !inFlight.containsKey(k));
        }
    }
}
