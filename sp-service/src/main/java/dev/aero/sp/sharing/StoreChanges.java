package dev.aero.sp.sharing;

import java.sql.Timestamp;
import java.time.Clock;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

import dev.aero.common.id.SID;
import dev.aero.common.id.UserID;

/**
 * Records, in the transaction of a change, which stores' device lists it changed; after the
 * commit {@link StoreChangeWorker} tells xmpp-bridge through {@code svc/stores}.
 */
@Component
public class StoreChanges {

    private final JdbcTemplate jdbc;
    private final Clock clock;
    private final StoreChangeWorker worker;

    StoreChanges(JdbcTemplate jdbc, Clock clock, StoreChangeWorker worker) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.worker = worker;
    }

    /** The store's members (or the folder itself) changed. */
    @Transactional(propagation = Propagation.MANDATORY)
    void changed(SID sid) {
        Timestamp now = Timestamp.from(clock.instant());
        jdbc.update("INSERT INTO store_outbox (sid, created_at, attempts, next_attempt_at) VALUES (?, ?, 0, ?)", sid.hex(), now, now);
        worker.wakeAfterCommit();
    }

    /**
     * A device of {@code user} was certified or unlinked: every store the user syncs changed
     * (for a team server, every store its organization has joined).
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public void devicesChanged(UserID user) {
        Timestamp now = Timestamp.from(clock.instant());
        int rows = user.teamServerOrg()
                .map(org -> jdbc.update("INSERT INTO store_outbox (sid, created_at, attempts, next_attempt_at)"
                        + " SELECT f.sid, ?, 0, ? FROM shared_folders f WHERE f.organization_id = ? AND f.destroyed_at IS NULL"
                        + " AND EXISTS (SELECT 1 FROM shared_folder_members m JOIN users u ON u.id = m.user_id"
                        + " WHERE m.sid = f.sid AND m.state = 'JOINED' AND u.active = TRUE) ORDER BY f.sid", now, now, org.value()))
                .orElseGet(() -> jdbc.update("INSERT INTO store_outbox (sid, created_at, attempts, next_attempt_at)"
                        + " SELECT m.sid, ?, 0, ? FROM shared_folder_members m JOIN shared_folders f ON f.sid = m.sid"
                        + " WHERE m.user_id = ? AND m.state = 'JOINED' AND f.destroyed_at IS NULL ORDER BY m.sid", now, now, user.value()));
        if (rows > 0) {
            worker.wakeAfterCommit();
        }
    }
}
