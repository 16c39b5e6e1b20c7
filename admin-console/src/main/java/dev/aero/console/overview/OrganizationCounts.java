package dev.aero.console.overview;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import org.springframework.stereotype.Component;

import dev.aero.client.sp.DevicePage;
import dev.aero.client.sp.SharedFolderPage;
import dev.aero.client.sp.SpClient;
import dev.aero.common.id.DID;
import dev.aero.common.id.SID;

/**
 * Users, devices and shared folders of the organization, counted through SP's listings as the
 * admin. Counting pages through every device and folder, so a count is kept for
 * {@link #FRESH} per admin: the overview polls every second, the organization may be large.
 */
@Component
public class OrganizationCounts {

    static final Duration FRESH = Duration.ofSeconds(3);
    private static final int PAGE = 1000;

    /** Counts of one organization, when they were made. */
    public record Counts(long users, long activeUsers, long devices, long folders, Instant countedAt) {
    }

    private final ConcurrentMap<String, Counts> recent = new ConcurrentHashMap<>();
    private final Clock clock;

    public OrganizationCounts(Clock clock) {
        this.clock = clock;
    }

    public Counts of(String admin, SpClient sp) {
        Instant now = clock.instant();
        Counts known = recent.get(admin);
        if (known != null && Duration.between(known.countedAt(), now).compareTo(FRESH) < 0) {
            return known;
        }
        var members = sp.members();
        long devices = 0;
        DID after = null;
        do {
            DevicePage page = sp.organizationDevices(after, null, PAGE);
            devices += page.devices().size();
            after = page.nextAfter();
        } while (after != null);
        long folders = 0;
        SID afterFolder = null;
        do {
            SharedFolderPage page = sp.organizationSharedFolders(afterFolder, PAGE);
            folders += page.folders().size();
            afterFolder = page.nextAfter();
        } while (afterFolder != null);
        Counts counts = new Counts(members.size(), members.stream().filter(m -> m.active()).count(), devices, folders, now);
        if (recent.size() > 1000) {
            recent.clear();
        }
        recent.put(admin, counts);
        return counts;
    }

    /** After an action that changes a count, the next overview counts again. */
    public void forget(String admin) {
        recent.remove(admin);
    }
}
