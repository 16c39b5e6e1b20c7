package dev.aero.client.ssmp;

/**
 * A listener that passes everything on to another one; a component that needs a few of the
 * events (a command loop, an ACL follower) overrides those and calls {@code super} to pass them on.
 */
public class ForwardingSsmpListener implements SsmpListener {

    private final SsmpListener next;

    public ForwardingSsmpListener(SsmpListener next) {
        this.next = next;
    }

    @Override
    public void onUnicast(String from, byte[] payload) {
        next.onUnicast(from, payload);
    }

    @Override
    public void onMulticast(String from, String topic, byte[] payload) {
        next.onMulticast(from, topic, payload);
    }

    @Override
    public void onBroadcast(String from, byte[] payload) {
        next.onBroadcast(from, payload);
    }

    @Override
    public void onPeerSubscribed(String id, String topic) {
        next.onPeerSubscribed(id, topic);
    }

    @Override
    public void onPeerUnsubscribed(String id, String topic) {
        next.onPeerUnsubscribed(id, topic);
    }

    @Override
    public void onConnected() {
        next.onConnected();
    }

    @Override
    public void onDisconnected(Throwable cause, boolean reconnecting) {
        next.onDisconnected(cause, reconnecting);
    }

    @Override
    public void onSubscriptionLost(String topic, SsmpException cause) {
        next.onSubscriptionLost(topic, cause);
    }
}
