package dev.aero.devman.presence;

import org.springframework.data.redis.connection.stream.StreamInfo;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * How far the consumer group {@code devman} is behind on verkehr's events: {@code lag} (entries
 * not yet delivered to the group, as Redis 7 reports it) and {@code pending} (delivered, not
 * yet acknowledged). Refreshed by {@link #refresh()} about once a second; null before the first
 * read or when the group does not exist yet.
 */
public final class EventLag {

    public record Snapshot(Long lag, Long pending) { }

    private final StringRedisTemplate redis;
    private final String stream;
    private final String group;
    private volatile Snapshot last = new Snapshot(null, null);

    public EventLag(StringRedisTemplate redis, String stream, String group) {
        this.redis = redis;
        this.stream = stream;
        this.group = group;
    }

    public Snapshot snapshot() {
        return last;
    }

    public void refresh() {
        try {
            if (!Boolean.TRUE.equals(redis.hasKey(stream))) {
                last = new Snapshot(0L, 0L);
                return;
            }
            for (StreamInfo.XInfoGroup g : redis.opsForStream().groups(stream)) {
                if (group.equals(g.groupName())) {
                    Object lag = g.getRaw().get("lag");
                    last = new Snapshot(lag instanceof Number n ? n.longValue() : parse(lag), g.pendingCount());
                    return;
                }
            }
            last = new Snapshot(null, null);
        } catch (RuntimeException e) {
            last = new Snapshot(null, null);
        }
    }

    private static Long parse(Object value) {
        if (value == null) {
            return null;
        }
        try {
            return Long.parseLong(value.toString());
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
