package dev.aero.sp.sharing;

import java.sql.Timestamp;
import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

import dev.aero.common.id.UserID;

/**
 * Each user's ACL epoch: 1 until the first change to what {@code GET /acl} returns for the user,
 * then one more with every such change, in the change's own transaction, which also owes verkehr
 * the new epoch ({@code acl_outbox}, published by {@link AclPushWorker} after the commit).
 */
@Component
class AclEpochs {

    /** Users whose epochs one statement moves at most. */
    private static final int CHUNK = 500;

    private final JdbcTemplate jdbc;
    private final Clock clock;
    private final AclPushWorker push;

    AclEpochs(JdbcTemplate jdbc, Clock clock, AclPushWorker push) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.push = push;
    }

    /** Raises the epoch of each user by one; rows are locked in a fixed order, so concurrent changes cannot deadlock on them. */
    @Transactional(propagation = Propagation.MANDATORY)
    void bump(Collection<UserID> users) {
        if (users.isEmpty()) {
            return;
        }
        Timestamp now = Timestamp.from(clock.instant());
        List<String> sorted = List.copyOf(new TreeSet<>(users.stream().map(UserID::value).toList()));
        for (int from = 0; from < sorted.size(); from += CHUNK) {
            List<String> chunk = sorted.subList(from, Math.min(sorted.size(), from + CHUNK));
            String marks = String.join(",", java.util.Collections.nCopies(chunk.size(), "?"));
            // One statement per chunk, rows in user order (the lock order), then their outbox rows in the same order.
            jdbc.update("INSERT INTO acl_epochs (user_id, epoch) VALUES " + String.join(",", java.util.Collections.nCopies(chunk.size(), "(?, 2)"))
                    + " ON DUPLICATE KEY UPDATE epoch = epoch + 1", chunk.toArray());
            Object[] args = new Object[chunk.size() + 2];
            args[0] = now;
            args[1] = now;
            for (int i = 0; i < chunk.size(); i++) {
                args[i + 2] = chunk.get(i);
            }
            jdbc.update("INSERT INTO acl_outbox (user_id, epoch, created_at, attempts, next_attempt_at)"
                    + " SELECT user_id, epoch, ?, 0, ? FROM acl_epochs WHERE user_id IN (" + marks + ") ORDER BY user_id", args);
        }
        push.wakeAfterCommit();
    }

    long of(UserID user) {
        List<Long> epoch = jdbc.queryForList("SELECT epoch FROM acl_epochs WHERE user_id = ?", Long.class, user.value());
        return epoch.isEmpty() ? 1 : epoch.getFirst();
    }
}
