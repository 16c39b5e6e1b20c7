package dev.aero.client.sharing;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import dev.aero.client.sp.Acl;
import dev.aero.client.sp.SpClient;
import dev.aero.client.ssmp.ForwardingSsmpListener;
import dev.aero.client.ssmp.SsmpListener;
import dev.aero.common.concurrent.Backoff;
import dev.aero.common.id.UserID;
import dev.aero.common.ssmp.PlatformTopics;

/**
 * The loop by which a device keeps its list of stores current (docs/protocols/sp-api.md, ACL):
 * it reads {@code GET /acl?since=} with the device certificate when it starts and on every
 * (re)connect to verkehr, and again whenever its user's {@code acl/} topic carries an epoch
 * above the last one it read. Each time the answer holds a newer ACL, the application gets it
 * whole. Failed reads are retried with backoff (2 s doubling to 60 s by default). Everything
 * runs on the follower's own thread, one read at a time.
 *
 * <p>Wire it like the command loop: subscribe the device's SSMP connection to {@link #topic()},
 * build the connection's listener with {@link #pushListener}, and {@link #start()} it.
 */
public final class AclFollower implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(AclFollower.class.getName());

    /** Reads the ACL when its epoch is above {@code since} ({@link SpClient#acl}). */
    @FunctionalInterface
    public interface AclSource {
        Acl fetch(long since) throws Exception;
    }

    /** Gets every newer ACL, whole ({@code stores} never null), on the follower's thread. */
    @FunctionalInterface
    public interface Listener {
        void onAcl(Acl acl);
    }

    private final AclSource source;
    private final String topic;
    private final Listener listener;
    private final Backoff retries;
    private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "aero-acl-follower");
        t.setDaemon(true);
        return t;
    });
    private ScheduledFuture<?> retry;
    /** The epoch of the last ACL handed to the listener (0: none yet); the follower's thread only. */
    private long seen;
    /** The highest epoch announced on the topic; the follower's thread only. */
    private long announced;
    private volatile Acl current;

    public AclFollower(AclSource source, UserID user, Listener listener) {
        this(source, user, listener, Duration.ofSeconds(2), Duration.ofSeconds(60));
    }

    public AclFollower(AclSource source, UserID user, Listener listener, Duration firstRetry, Duration lastRetry) {
        this.source = source;
        this.topic = PlatformTopics.acl(user.value());
        this.listener = listener;
        this.retries = Backoff.exponential(firstRetry, lastRetry);
    }

    /** A follower reading through {@code device}, an SP client that carries the device's certificate. */
    public static AclFollower of(SpClient device, UserID user, Listener listener) {
        return new AclFollower(device::acl, user, listener);
    }

    /** The user's ACL topic, which the device's SSMP connection must subscribe to. */
    public String topic() {
        return topic;
    }

    /** The last ACL read, or null before the first read succeeded. */
    public Acl current() {
        return current;
    }

    /** The stores of the last ACL read (none before the first). */
    public List<Acl.Store> stores() {
        Acl acl = current;
        return acl == null ? List.of() : acl.stores();
    }

    /** Reads the ACL now (in the background). */
    public void start() {
        worker.execute(this::read);
    }

    /** An epoch announced on the user's {@code acl/} topic. */
    public void onEpoch(long epoch) {
        worker.execute(() -> {
            announced = Math.max(announced, epoch);
            if (epoch > seen) {
                read();
            }
        });
    }

    /** A listener for the device's SSMP connection that feeds its {@code acl/} messages in, and reads again on reconnect. */
    public SsmpListener pushListener(SsmpListener next) {
        return new ForwardingSsmpListener(next) {
            @Override
            public void onMulticast(String from, String on, byte[] payload) {
                if (on.equals(topic)) {
                    announced(payload);
                }
                super.onMulticast(from, on, payload);
            }

            @Override
            public void onConnected() {
                // Announcements made while the connection was down are lost: read whatever changed.
                start();
                super.onConnected();
            }
        };
    }

    private void announced(byte[] payload) {
        long epoch;
        try {
            epoch = Long.parseLong(new String(payload, StandardCharsets.US_ASCII).strip());
        } catch (NumberFormatException e) {
            // Not an epoch: read anyway, the answer is the truth.
            start();
            return;
        }
        onEpoch(epoch);
    }

    private void read() {
        Acl acl;
        try {
            acl = source.fetch(seen);
        } catch (Exception e) {
            LOG.log(System.Logger.Level.DEBUG, "reading the ACL failed, retrying: {0}", e.toString());
            scheduleRetry();
            return;
        }
        retries.reset();
        if (acl.stores() != null && acl.epoch() > seen) {
            seen = acl.epoch();
            current = acl;
            try {
                listener.onAcl(acl);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "the ACL listener failed", e);
            }
        }
        if (seen < announced) {
            // SP announced an epoch it did not serve yet: ask again shortly.
            scheduleRetry();
        }
    }

    private void scheduleRetry() {
        if (retry != null && !retry.isDone()) {
            return;
        }
        retry = worker.schedule(() -> {
            // Cleared first: a read that fails again schedules the next attempt.
            retry = null;
            read();
        }, retries.next().toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        worker.shutdownNow();
    }
}
