package dev.aero.sp.sharing;

import java.time.Clock;
import java.util.List;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import dev.aero.common.ssmp.PlatformTopics;
import dev.aero.sp.SpProperties;
import dev.aero.sp.outbox.VerkehrOutboxWorker;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Publishes {@code store_outbox} rows to verkehr's service topic {@code svc/stores}: the SID of
 * each store whose device list changed, at least once and after the change committed (with
 * the settings of {@code aero.sp.acl-push}).
 */
@Component
class StoreChangeWorker extends VerkehrOutboxWorker {

    StoreChangeWorker(JdbcTemplate jdbc, TransactionTemplate transactions, Clock clock, AclPushProperties settings, SpProperties sp,
            MeterRegistry meters) {
        super("store-outbox", "aero.sp.store-changes", "store_outbox", "sid", List.of(), jdbc, transactions, clock, settings,
                sp.deploymentSecret(), meters);
    }

    @Override
    protected Message message(Row r) {
        return new Message(PlatformTopics.STORE_CHANGES, r.key());
    }
}
