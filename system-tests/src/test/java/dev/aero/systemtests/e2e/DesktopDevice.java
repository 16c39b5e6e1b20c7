package dev.aero.systemtests.e2e;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import javax.net.ssl.SSLContext;
import javax.net.ssl.X509TrustManager;

import dev.aero.client.commands.CommandClient;
import dev.aero.client.commands.CommandLoop;
import dev.aero.client.device.DeviceKeys;
import dev.aero.client.sharing.AclFollower;
import dev.aero.client.sp.Acl;
import dev.aero.client.sp.DeviceCertificate;
import dev.aero.client.sp.RegisterDevice;
import dev.aero.client.sp.SpClient;
import dev.aero.client.ssmp.SsmpClient;
import dev.aero.client.ssmp.SsmpListener;
import dev.aero.client.store.StoreChannel;
import dev.aero.client.store.StoreListener;
import dev.aero.client.xmpp.XmppClient;
import dev.aero.common.command.CommandCodec;
import dev.aero.common.command.InvalidCommandException;
import dev.aero.common.id.DID;
import dev.aero.common.id.SID;
import dev.aero.common.id.UserID;
import dev.aero.common.command.Command;
import dev.aero.common.command.CommandType;
import dev.aero.common.xmpp.MaxcastFrame;

/**
 * One desktop client, built only from the {@code client} SDK as a real one would be: its key and
 * CSR, the certificate SP signs, a verkehr connection logged in with that certificate and
 * subscribed to its {@code cmd/} and {@code acl/} topics, the command loop against
 * command-server, and the ACL follower against SP's device listener. It records what reaches it:
 * command pushes (when, which), the commands its handler carried out, unicasts, multicasts on
 * other topics, presence events, and every ACL the follower handed over (when). A device on
 * both transports also signs in to ejabberd, and its store channel takes the store messages
 * from either side, once each.
 */
final class DesktopDevice implements AutoCloseable {

    /** A command push as it arrived on {@code cmd/<did>}. */
    record Push(CommandType type, long epoch, long receivedNanos) { }

    /** An ACL as the follower handed it over. */
    record SeenAcl(Acl acl, long receivedNanos) {
        boolean has(SID sid) {
            return acl.stores().stream().anyMatch(s -> s.sid().equals(sid));
        }
    }

    final DID did;
    final DeviceKeys keys;
    final DeviceCertificate certificate;
    final SSLContext tls;
    final List<Push> pushes = new CopyOnWriteArrayList<>();
    final List<Command> handled = new CopyOnWriteArrayList<>();
    final BlockingQueue<String> unicasts = new LinkedBlockingQueue<>();
    final BlockingQueue<String> connectionEvents = new LinkedBlockingQueue<>();
    /** {@code <from> <topic> <payload>} of multicasts on topics other than {@code cmd/}. */
    final BlockingQueue<String> multicasts = new LinkedBlockingQueue<>();
    /** {@code SUBSCRIBE|UNSUBSCRIBE <id> <topic>}, with when it arrived. */
    final List<String> presence = new CopyOnWriteArrayList<>();
    final List<Long> presenceNanos = new CopyOnWriteArrayList<>();
    final List<SeenAcl> acls = new CopyOnWriteArrayList<>();
    /** {@code mc <sid> <from> <frame>} and {@code loc <sid> <from> <json>}, as the store channel handed them over (on both transports only). */
    final BlockingQueue<String> storeMessages = new LinkedBlockingQueue<>();
    /** For a device on both transports: verkehr's store topics and the XMPP rooms as one; null otherwise. */
    final StoreChannel channel;
    final CommandClient queue;
    final AclFollower follower;
    /** SP's device listener, with this device's certificate. */
    final SpClient asDevice;
    private final CommandLoop loop;
    private final SsmpClient ssmp;
    private XmppClient xmpp;

    private DesktopDevice(SpClient user, UserID userId, String name, URI commandServer, URI spForDevices, String ssmpHost,
            int ssmpPort, boolean onBothTransports) throws Exception {
        this.did = DID.random();
        this.keys = DeviceKeys.generate();
        this.certificate = user.registerDevice(new RegisterDevice(keys.certificationRequestPem(did), name, "Linux", "Debian 12"));
        this.tls = keys.sslContext(certificate.certificate(), certificate.caCertificate());
        this.queue = new CommandClient(commandServer, did, tls);
        this.loop = new CommandLoop(queue, handled::add, Duration.ofMillis(500), Duration.ofSeconds(5));
        SpClient asDevice = SpClient.builder(spForDevices).sslContext(tls).build();
        this.asDevice = asDevice;
        this.follower = new AclFollower(asDevice::acl, userId, acl -> acls.add(new SeenAcl(acl, System.nanoTime())),
                Duration.ofMillis(500), Duration.ofSeconds(5));
        SsmpListener recorder = new SsmpListener() {
            @Override
            public void onMulticast(String from, String topic, byte[] payload) {
                if (topic.equals("cmd/" + did.hex())) {
                    try {
                        Command c = CommandCodec.fromPushPayload(new String(payload, StandardCharsets.US_ASCII));
                        pushes.add(new Push(c.getType(), c.getEpoch(), System.nanoTime()));
                    } catch (InvalidCommandException e) {
                        pushes.add(new Push(null, -1, System.nanoTime()));
                    }
                } else {
                    multicasts.add(from + " " + topic + " " + new String(payload, StandardCharsets.UTF_8));
                }
            }

            @Override
            public void onPeerSubscribed(String id, String topic) {
                presenceNanos.add(System.nanoTime());
                presence.add("SUBSCRIBE " + id + " " + topic);
            }

            @Override
            public void onPeerUnsubscribed(String id, String topic) {
                presenceNanos.add(System.nanoTime());
                presence.add("UNSUBSCRIBE " + id + " " + topic);
            }

            @Override
            public void onUnicast(String from, byte[] payload) {
                unicasts.add(from + " " + new String(payload, StandardCharsets.UTF_8));
            }

            @Override
            public void onConnected() {
                connectionEvents.add("connected");
            }

            @Override
            public void onDisconnected(Throwable cause, boolean reconnecting) {
                connectionEvents.add("disconnected" + (reconnecting ? " reconnecting" : ""));
            }
        };
        this.channel = onBothTransports ? new StoreChannel(did, new StoreListener() {
            @Override
            public void onMaxcast(SID store, DID from, MaxcastFrame frame) {
                storeMessages.add("mc " + store.hex() + " " + from.hex() + " " + frame.text());
            }

            @Override
            public void onCandidates(SID store, DID from, String json) {
                storeMessages.add("loc " + store.hex() + " " + from.hex() + " " + json);
            }
        }) : null;
        SsmpListener stores = channel == null ? recorder : channel.ssmpListener(recorder);
        this.ssmp = SsmpClient.builder(ssmpHost, ssmpPort).sslContext(tls).login(did.hex(), "cert", null)
                .listener(loop.pushListener(follower.pushListener(stores))).reconnect(true).backoff(Duration.ofMillis(200), Duration.ofSeconds(2)).build();
    }

    static DesktopDevice register(SpClient user, UserID userId, String name, URI commandServer, URI spForDevices, String ssmpHost,
            int ssmpPort, boolean onBothTransports) throws Exception {
        return new DesktopDevice(user, userId, name, commandServer, spForDevices, ssmpHost, ssmpPort, onBothTransports);
    }

    /** Connects to verkehr, subscribes to its command and ACL topics, drains its queue once and reads its ACL. */
    void goOnline() throws Exception {
        ssmp.connect();
        ssmp.subscribe("cmd/" + did.hex(), false);
        ssmp.subscribe(follower.topic(), false);
        loop.start();
        follower.start();
        if (channel != null) {
            channel.attach(ssmp, null);
        }
    }

    /** A device on both transports: signs in to ejabberd as well (trusting {@code trust}) and follows its stores on both. */
    void goOnXmppToo(X509TrustManager trust) throws Exception {
        xmpp = new XmppClient(asDevice, did, trust, "desktop", channel.xmppListener());
        channel.attach(ssmp, xmpp);
        xmpp.connect();
    }

    XmppClient xmpp() {
        return xmpp;
    }

    /** The first ACL handed over at or after {@code sinceNanos} that {@code matching} accepts. */
    SeenAcl awaitAcl(Predicate<SeenAcl> matching, long sinceNanos, Duration timeout) throws InterruptedException {
        return await(() -> acls.stream().filter(a -> a.receivedNanos() >= sinceNanos && matching.test(a)).findFirst().orElse(null),
                timeout, "a matching ACL on " + did);
    }

    /** When the presence event {@code event} arrived, waiting up to {@code timeout} for it. */
    long awaitPresence(String event, Duration timeout) throws InterruptedException {
        return await(() -> {
            int i = presence.indexOf(event);
            return i < 0 ? null : presenceNanos.get(i);
        }, timeout, "presence event '" + event + "' on " + did);
    }

    String awaitMulticast(Predicate<String> matching, Duration timeout) throws InterruptedException {
        return poll(multicasts, matching, timeout, "multicast");
    }

    SsmpClient ssmp() {
        return ssmp;
    }

    /** The first push of {@code type} at or after {@code sinceNanos}, waiting up to {@code timeout}. */
    Push awaitPush(CommandType type, long sinceNanos, Duration timeout) throws InterruptedException {
        return await(() -> pushes.stream().filter(p -> p.type() == type && p.receivedNanos() >= sinceNanos).findFirst().orElse(null),
                timeout, "a " + type + " push to " + did);
    }

    /** Waits until the command loop has carried out (and acknowledged) a command of {@code type}. */
    Command awaitHandled(CommandType type, Duration timeout) throws InterruptedException {
        return await(() -> handled.stream().filter(c -> c.getType() == type).findFirst().orElse(null), timeout,
                type + " handled by " + did);
    }

    String awaitUnicast(Predicate<String> matching, Duration timeout) throws InterruptedException {
        return poll(unicasts, matching, timeout, "unicast");
    }

    private String poll(BlockingQueue<String> queue, Predicate<String> matching, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            String u = queue.poll(50, TimeUnit.MILLISECONDS);
            if (u != null && matching.test(u)) {
                return u;
            }
        }
        throw new AssertionError("no matching " + what + " to " + did + " within " + timeout);
    }

    static <T> T await(java.util.function.Supplier<T> probe, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            T value = probe.get();
            if (value != null) {
                return value;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no " + what + " within " + timeout);
    }

    @Override
    public void close() {
        if (xmpp != null) {
            xmpp.close();
        }
        if (channel != null) {
            channel.close();
        }
        ssmp.close();
        loop.close();
        follower.close();
    }
}
