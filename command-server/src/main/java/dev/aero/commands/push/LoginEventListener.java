package dev.aero.commands.push;

import java.util.Map;

import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.core.StringRedisTemplate;

import dev.aero.common.id.DID;
import dev.aero.common.id.InvalidIdentifierException;
import dev.aero.common.redis.StreamGroupReader;

/**
 * Follows verkehr's connection events ({@code verkehr:events}) in the consumer group
 * {@code command-server}: when a device logs in, its head command is pushed, so a command
 * enqueued while the device (or verkehr) was away reaches it as soon as it is back. Also runs
 * the retry sweep of {@link PushDelivery} once a second. An event is acknowledged after it is
 * handled; one this consumer read but did not acknowledge (a crash) is read again at start.
 */
public final class LoginEventListener implements SmartLifecycle {

    static final String GROUP = "command-server";

    private final StreamGroupReader reader;

    public LoginEventListener(StringRedisTemplate redis, PushDelivery delivery, String stream, String consumer) {
        this.reader = new StreamGroupReader(redis, stream, GROUP, consumer, 100, false, (id, event) -> handle(delivery, event),
                () -> delivery.sweep(100));
    }

    private static void handle(PushDelivery delivery, Map<Object, Object> event) {
        if (!"login".equals(event.get("type"))) {
            return;
        }
        DID did = deviceOf(event);
        if (did != null) {
            delivery.pushHead(did);
        }
    }

    /** The device of a login: the certificate's device id, or an id of the form {@code <did>[/...]}. */
    static DID deviceOf(Map<Object, Object> event) {
        Object did = event.get("did");
        Object id = event.get("id");
        String candidate = did != null ? did.toString() : id == null ? null : id.toString();
        if (candidate == null) {
            return null;
        }
        int slash = candidate.indexOf('/');
        try {
            return DID.of(slash > 0 ? candidate.substring(0, slash) : candidate);
        } catch (InvalidIdentifierException e) {
            return null;
        }
    }

    @Override
    public void start() {
        reader.start();
    }

    @Override
    public void stop() {
        reader.stop();
    }

    @Override
    public boolean isRunning() {
        return reader.isRunning();
    }
}
