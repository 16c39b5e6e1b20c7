package dev.aero.commands.push;

import java.util.Map;

import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.core.StringRedisTemplate;

import dev.aero.common.id.DID;
import dev.aero.common.redis.StreamGroupReader;
import dev.aero.common.ssmp.ConnectionEvents;

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
        if (!ConnectionEvents.LOGIN.equals(event.get("type"))) {
            return;
        }
        // Any login of a device id: a push is only a hint, and the queue is read with the certificate.
        DID did = ConnectionEvents.device(event, false);
        if (did != null) {
            delivery.pushHead(did);
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
