package dev.aero.sp.sharing;

import java.time.Clock;
import java.util.List;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import dev.aero.common.ssmp.PlatformTopics;
import dev.aero.sp.SpProperties;
import dev.aero.sp.outbox.VerkehrOutboxWorker;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Publishes {@code acl_outbox} rows to verkehr: each user's new epoch, in decimal, on
 * {@code acl/<base64url(sha256(user id))>}, at least once and never before the change that
 * moved it has committed.
 */
@Component
@EnableConfigurationProperties(AclPushProperties.class)
class AclPushWorker extends VerkehrOutboxWorker {

    AclPushWorker(JdbcTemplate jdbc, TransactionTemplate transactions, Clock clock, AclPushProperties settings, SpProperties sp,
            MeterRegistry meters) {
        super("acl-outbox", "aero.sp.acl", "acl_outbox", "user_id", List.of("epoch"), jdbc, transactions, clock, settings,
                sp.deploymentSecret(), meters);
    }

    @Override
    protected Message message(Row r) {
        return new Message(PlatformTopics.acl(r.key()), String.valueOf(r.fields().get("epoch")));
    }
}
