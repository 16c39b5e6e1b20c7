package dev.aero.xmpp.rooms;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import dev.aero.common.concurrent.Backoff;
import dev.aero.common.id.DID;
import dev.aero.common.id.SID;
import dev.aero.xmpp.ejabberd.EjabberdApi;
import dev.aero.xmpp.sp.SpStores;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Keeps every room in line with SP. Two ways in: the SIDs SP publishes on {@code svc/stores}
 * ({@link #changed}, acted on at once by a few workers, taken in arrival order, each store once
 * however often it came, one store never by two workers at a time), and a reconciliation of every store ({@link #reconcileSoon}: at
 * start, every {@code reconcile-interval}, and after either side reconnects), which also
 * destroys rooms whose folder is gone. A store that fails (SP or ejabberd unreachable) is
 * retried with a growing delay, so a missed event or a crash heals by itself.
 */
public class RoomReconciler implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(RoomReconciler.class);
    private static final Pattern ROOM_NAME = Pattern.compile("[0-9a-f]{32}");

    private final SpStores sp;
    private final EjabberdApi ejabberd;
    private final RoomKeeper keeper;
    private final Duration interval;
    private final int pageSize;
    private final Set<SID> pending = new LinkedHashSet<>();
    private final Set<DID> unlinked = new LinkedHashSet<>();
    private final AtomicBoolean reconcileWanted = new AtomicBoolean(true);
    private final AtomicReference<String> lastFailure = new AtomicReference<>();
    private final Counter reconciliations;
    private final Counter failures;
    private volatile int rooms = -1;
    private volatile long members = -1;
    private final boolean enabled;
    private final String domain;
    private final Counter kicked;
    private volatile boolean running;
    private final int workers;
    private ScheduledExecutorService executor;
    private final List<Thread> threads = new ArrayList<>();

    public RoomReconciler(SpStores sp, EjabberdApi ejabberd, RoomKeeper keeper, Duration interval, int pageSize, MeterRegistry meters) {
        this(sp, ejabberd, keeper, interval, pageSize, 4, true, "", meters);
    }

    /**
     * @param workers how many stores are brought in line at once (each one SP request and a few ejabberd API calls)
     * @param enabled false: {@link #start} keeps nothing (the bridge is not configured)
     */
    public RoomReconciler(SpStores sp, EjabberdApi ejabberd, RoomKeeper keeper, Duration interval, int pageSize, int workers, boolean enabled,
            String domain, MeterRegistry meters) {
        if (workers < 1) {
            throw new IllegalArgumentException("at least one worker");
        }
        this.workers = workers;
        this.enabled = enabled;
        this.domain = domain;
        this.kicked = Counter.builder("aero.xmpp.sessions.ended").description("XMPP sessions of unlinked devices ended").register(meters);
        this.sp = sp;
        this.ejabberd = ejabberd;
        this.keeper = keeper;
        this.interval = interval;
        this.pageSize = pageSize;
        this.reconciliations = Counter.builder("aero.xmpp.reconciliations").description("complete passes over every store").register(meters);
        this.failures = Counter.builder("aero.xmpp.rooms.failures").description("room updates that failed and wait to be retried")
                .register(meters);
        Gauge.builder("aero.xmpp.rooms", () -> rooms).description("rooms the last reconciliation found live").register(meters);
        Gauge.builder("aero.xmpp.members", () -> members).description("room members (devices) the last reconciliation found")
                .register(meters);
        Gauge.builder("aero.xmpp.rooms.pending", this::pendingCount).description("stores waiting to be brought in line").register(meters);
    }

    /** SP says the store's device list changed. */
    public void changed(SID sid) {
        synchronized (pending) {
            pending.add(sid);
            pending.notifyAll();
        }
    }

    /** SP unlinked the device: its XMPP sessions are ended (it is out of its rooms already, by the store changes). */
    public void unlinked(DID device) {
        synchronized (pending) {
            unlinked.add(device);
            pending.notifyAll();
        }
    }

    /** Every store is checked again, as soon as a worker is free. */
    public void reconcileSoon() {
        reconcileWanted.set(true);
        synchronized (pending) {
            pending.notifyAll();
        }
    }

    /** Why the last attempt failed, or null when it succeeded. */
    public String lastFailure() {
        return lastFailure.get();
    }

    /** Whether a whole reconciliation has succeeded since the start. */
    public boolean reconciled() {
        return rooms >= 0;
    }

    public boolean enabled() {
        return enabled;
    }

    private int pendingCount() {
        synchronized (pending) {
            return pending.size();
        }
    }

    /** One pass over every store: brings each room in line, then destroys rooms of folders SP no longer has. */
    public void reconcile() throws IOException, InterruptedException {
        Set<String> live = new HashSet<>();
        long memberCount = 0;
        int changes = 0;
        SID after = null;
        do {
            SpStores.Page page = sp.page(after, pageSize);
            for (SpStores.Store store : page.stores()) {
                changes += keeper.keep(store);
                live.add(store.sid().hex());
                memberCount += store.devices().size();
            }
            after = page.nextAfter();
        } while (after != null);
        for (String room : ejabberd.rooms()) {
            if (ROOM_NAME.matcher(room).matches() && !live.contains(room)) {
                // Asked again one by one: the folder may have been created since its page was read.
                changes += keeper.keep(sp.store(SID.of(room)));
            }
        }
        rooms = live.size();
        members = memberCount;
        reconciliations.increment();
        log.info("reconciled {} room(s) with SP: {} change(s)", live.size(), changes);
    }

    private void work() {
        Backoff backoff = Backoff.exponential(Duration.ofMillis(200), Duration.ofSeconds(5));
        while (running) {
            try {
                DID kick = nextUnlinked();
                if (kick != null) {
                    try {
                        ejabberd.kickUser(kick.hex(), domain);
                        kicked.increment();
                        log.info("XMPP sessions of unlinked device {} ended", kick);
                    } catch (IOException e) {
                        unlinked(kick);
                        throw e;
                    }
                } else if (reconcileWanted.getAndSet(false)) {
                    try {
                        reconcile();
                    } catch (IOException e) {
                        reconcileWanted.set(true);
                        throw e;
                    }
                } else {
                    SID sid = next();
                    if (sid == null) {
                        continue;
                    }
                    try {
                        keeper.keep(sp.store(sid));
                    } catch (IOException e) {
                        changed(sid);
                        throw e;
                    }
                }
                lastFailure.set(null);
                backoff.reset();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (IOException | RuntimeException e) {
                failures.increment();
                lastFailure.set(e.toString());
                long wait = backoff.next().toMillis();
                log.warn("rooms not brought in line ({}); retrying in {} ms", e.toString(), wait);
                sleep(wait);
            }
        }
    }

    private DID nextUnlinked() {
        synchronized (pending) {
            if (unlinked.isEmpty()) {
                return null;
            }
            DID first = unlinked.iterator().next();
            unlinked.remove(first);
            return first;
        }
    }

    private SID next() throws InterruptedException {
        synchronized (pending) {
            if (pending.isEmpty() && unlinked.isEmpty() && !reconcileWanted.get()) {
                pending.wait(1000);
            }
            if (pending.isEmpty()) {
                return null;
            }
            SID first = pending.iterator().next();
            pending.remove(first);
            return first;
        }
    }

    private void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        if (!enabled) {
            log.warn("rooms are not kept: aero.xmpp.bridge-password or aero.xmpp.deployment-secret is not set");
            return;
        }
        running = true;
        for (int i = 0; i < workers; i++) {
            threads.add(Thread.ofPlatform().name("rooms-" + i).daemon().start(this::work));
        }
        executor = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().name("rooms-timer").daemon().unstarted(r));
        executor.scheduleWithFixedDelay(this::reconcileSoon, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void stop() {
        running = false;
        if (executor != null) {
            executor.shutdownNow();
        }
        threads.forEach(Thread::interrupt);
        threads.clear();
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
