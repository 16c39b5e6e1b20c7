package dev.aero.sp.device;

import java.sql.Timestamp;
import java.time.Clock;
import java.util.List;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

import dev.aero.common.id.DID;
import dev.aero.common.ssmp.PlatformTopics;
import dev.aero.sp.SpProperties;
import dev.aero.sp.outbox.VerkehrOutboxWorker;
import dev.aero.sp.sharing.AclPushProperties;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Tells services of each unlinked device: {@code unlinked <did>} on verkehr's service topic
 * {@code svc/devices}, through the {@code device_outbox} table (written in the unlink's
 * transaction, published after it commits, with the settings of {@code aero.sp.acl-push}).
 * xmpp-bridge ends the device's XMPP sessions.
 */
@Component
class UnlinkedDevices extends VerkehrOutboxWorker {

    private final JdbcTemplate jdbc;
    private final Clock clock;

    UnlinkedDevices(JdbcTemplate jdbc, TransactionTemplate transactions, Clock clock, AclPushProperties settings, SpProperties sp,
            MeterRegistry meters) {
        super("device-outbox", "aero.sp.device-changes", "device_outbox", "did", List.of(), jdbc, transactions, clock, settings,
                sp.deploymentSecret(), meters);
        this.jdbc = jdbc;
        this.clock = clock;
    }

    @Transactional(propagation = Propagation.MANDATORY)
    void unlinked(DID device) {
        Timestamp now = Timestamp.from(clock.instant());
        jdbc.update("INSERT INTO device_outbox (did, created_at, attempts, next_attempt_at) VALUES (?, ?, 0, ?)", device.hex(), now, now);
        wakeAfterCommit();
    }

    @Override
    protected Message message(Row r) {
        return new Message(PlatformTopics.DEVICE_CHANGES, "unlinked " + r.key());
    }
}
