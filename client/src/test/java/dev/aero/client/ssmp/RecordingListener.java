package dev.aero.client.ssmp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Writes down everything the client reports, one line per call, for the test to check in order. */
final class RecordingListener implements SsmpListener {

    private final BlockingQueue<String> heard = new LinkedBlockingQueue<>();

    /** The next thing heard, waiting up to 5 s for it. */
    String next() throws InterruptedException {
        String next = heard.poll(5, TimeUnit.SECONDS);
        assertThat(next).as("a listener call").isNotNull();
        return next;
    }

    /** The next thing heard within {@code wait}, or null. */
    String nextWithin(Duration wait) throws InterruptedException {
        return heard.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void onUnicast(String from, byte[] payload) {
        heard.add("unicast from " + from + ": " + text(payload));
    }

    @Override
    public void onMulticast(String from, String topic, byte[] payload) {
        heard.add("multicast from " + from + " to " + topic + ": " + text(payload));
    }

    @Override
    public void onBroadcast(String from, byte[] payload) {
        heard.add("broadcast from " + from + ": " + text(payload));
    }

    @Override
    public void onPeerSubscribed(String id, String topic) {
        heard.add(id + " subscribed " + topic);
    }

    @Override
    public void onPeerUnsubscribed(String id, String topic) {
        heard.add(id + " unsubscribed " + topic);
    }

    @Override
    public void onConnected() {
        heard.add("connected");
    }

    @Override
    public void onDisconnected(Throwable cause, boolean reconnecting) {
        String why = cause == null ? "closed"
                : cause instanceof SsmpException refused ? "refused " + refused.code() + " " + refused.payloadText()
                : "lost";
        heard.add("disconnected (" + why + ")" + (reconnecting ? ", reconnecting" : ", stopped"));
    }

    @Override
    public void onSubscriptionLost(String topic, SsmpException cause) {
        heard.add("lost " + topic + ": " + cause.code());
    }

    // Bytes as ISO-8859-1 so that every byte, LF and 0 included, shows as one character.
    private static String text(byte[] payload) {
        return new String(payload, StandardCharsets.ISO_8859_1);
    }
}
