package dev.aero.verkehr.topic;

import dev.aero.verkehr.connection.Session;
import dev.aero.common.ssmp.SsmpVerb;
import dev.aero.common.ssmp.SsmpLines;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.netty.util.concurrent.EventExecutor;


/**
 * One topic as this node sees it: its local subscribers, grouped by event loop for fan-out, and
 * the cluster-wide member view (id → connection key) that presence and BCAST use.
 *
 * <p>The view is loaded from Redis when the topic gets its first local subscriber and then kept
 * current by local changes and the bus. Each member is keyed by its connection, so an
 * unsubscribe of an older connection never removes a newer one with the same id, and removals
 * seen while the snapshot is in flight are remembered so the snapshot cannot bring them back.
 * Presence events are queued to watchers while holding this topic's lock, which is what
 * orders a member's UNSUBSCRIBE after its SUBSCRIBE for every watcher.
 */
public final class Topic {

    /** Local subscribers on one event loop. */
    public record Group(EventExecutor loop, Session[] sessions) { }

    private static final Group[] NO_GROUPS = new Group[0];

    final String name;
    private volatile Group[] groups = NO_GROUPS;
    private final Map<String, String> members = new HashMap<>();
    private final List<Session> watchers = new ArrayList<>();
    private final Set<String> removedWhileLoading = new HashSet<>();
    private final List<Runnable> onLoaded = new ArrayList<>();
    private boolean loaded;
    private int localCount;

    public Topic(String name) {
        this.name = name;
    }

    public Group[] groups() {
        return groups;
    }

    public synchronized int localCount() {
        return localCount;
    }

    /** Adds a local subscriber and tells the watchers. */
    public synchronized void addLocal(Session s) {
        EventExecutor loop = s.channel().eventLoop();
        Group[] current = groups;
        Group[] next = null;
        for (int i = 0; i < current.length; i++) {
            if (current[i].loop() == loop) {
                next = current.clone();
                Session[] sessions = Arrays.copyOf(current[i].sessions(), current[i].sessions().length + 1);
                sessions[sessions.length - 1] = s;
                next[i] = new Group(loop, sessions);
                break;
            }
        }
        if (next == null) {
            next = Arrays.copyOf(current, current.length + 1);
            next[next.length - 1] = new Group(loop, new Session[] {s});
        }
        groups = next;
        localCount++;
        memberJoined(s.identity().id(), s.key());
    }

    /** Removes a local subscriber (and it stops watching); tells the watchers. */
    public synchronized void removeLocal(Session s) {
        Group[] current = groups;
        List<Group> next = new ArrayList<>(current.length);
        for (Group g : current) {
            if (g.loop() != s.channel().eventLoop()) {
                next.add(g);
                continue;
            }
            Session[] kept = Arrays.stream(g.sessions()).filter(x -> x != s).toArray(Session[]::new);
            if (kept.length != g.sessions().length) {
                localCount--;
            }
            if (kept.length > 0) {
                next.add(new Group(g.loop(), kept));
            }
        }
        groups = next.toArray(NO_GROUPS);
        watchers.remove(s);
        memberLeft(s.identity().id(), s.key());
    }

    public synchronized void memberJoined(String id, String key) {
        String previous = members.put(id, key);
        if (previous == null) {
            tell(id, SsmpVerb.SUBSCRIBE.name());
        }
        // A newer connection of a member that is still listed replaces it silently: to watchers the
        // id never stopped being subscribed.
    }

    public synchronized void memberLeft(String id, String key) {
        if (key.equals(members.get(id))) {
            members.remove(id);
            tell(id, SsmpVerb.UNSUBSCRIBE.name());
        } else if (!loaded) {
            removedWhileLoading.add(key);
        }
    }

    /** Drops the members of a lost node. */
    public synchronized void nodeGone(String node) {
        String prefix = node + "/";
        List<String> gone = new ArrayList<>();
        members.forEach((id, key) -> {
            if (key.startsWith(prefix)) {
                gone.add(id);
            }
        });
        for (String id : gone) {
            members.remove(id);
            tell(id, SsmpVerb.UNSUBSCRIBE.name());
        }
    }

    /** Merges the snapshot from Redis and runs what waited for it. */
    public void loaded(Map<String, String> snapshot) {
        List<Runnable> waiting;
        synchronized (this) {
            if (snapshot != null) {
                snapshot.forEach((id, key) -> {
                    if (!removedWhileLoading.contains(key) && !members.containsKey(id)) {
                        members.put(id, key);
                        tell(id, SsmpVerb.SUBSCRIBE.name());
                    }
                });
            }
            removedWhileLoading.clear();
            loaded = true;
            waiting = List.copyOf(onLoaded);
            onLoaded.clear();
        }
        waiting.forEach(Runnable::run);
    }

    /** Runs {@code action} once the view is loaded (now, if it is). */
    public void whenLoaded(Runnable action) {
        synchronized (this) {
            if (!loaded) {
                onLoaded.add(action);
                return;
            }
        }
        action.run();
    }

    /**
     * Starts watching: the 200, then a SUBSCRIBE event for every current member but the watcher,
     * queued under the lock so that every later change comes after them.
     */
    public synchronized void watch(Session s) {
        if (s.isClosed()) {
            return;
        }
        s.sendQueued(SsmpLines.OK);
        String self = s.identity().id();
        members.keySet().forEach(id -> {
            if (!id.equals(self)) {
                s.sendQueued(SsmpLines.event(id, SsmpVerb.SUBSCRIBE.name(), name));
            }
        });
        watchers.add(s);
    }

    public synchronized Map<String, String> memberKeys() {
        return Map.copyOf(members);
    }

    private void tell(String id, String verb) {
        if (watchers.isEmpty()) {
            return;
        }
        byte[] line = SsmpLines.event(id, verb, name);
        for (Session w : watchers) {
            if (!w.identity().id().equals(id)) {
                w.sendQueued(line);
            }
        }
    }
}
