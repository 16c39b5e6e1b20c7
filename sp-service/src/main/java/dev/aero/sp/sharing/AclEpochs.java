package dev.aero.sp.sharing;

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
 * then one more with every such change, in the change's own transaction.
 */
@Component
class AclEpochs {

    private final JdbcTemplate jdbc;

    AclEpochs(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** Raises the epoch of each user by one; rows are locked in a fixed order, so concurrent changes cannot deadlock on them. */
    @Transactional(propagation = Propagation.MANDATORY)
    void bump(Collection<UserID> users) {
        for (String user : new TreeSet<>(users.stream().map(UserID::value).toList())) {
            jdbc.update("INSERT INTO acl_epochs (user_id, epoch) VALUES (?, 2) ON DUPLICATE KEY UPDATE epoch = epoch + 1", user);
        }
    }

    long of(UserID user) {
        List<Long> epoch = jdbc.queryForList("SELECT epoch FROM acl_epochs WHERE user_id = ?", Long.class, user.value());
        return epoch.isEmpty() ? 1 : epoch.getFirst();
    }
}
