package dev.aero.sp.devicelogs;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/** Runs the device logs retention sweep every hour ({@link DeviceLogService#sweep()}). */
@Component
class DeviceLogRetention {

    private static final Logger log = LoggerFactory.getLogger(DeviceLogRetention.class);

    private final DeviceLogService logs;

    DeviceLogRetention(DeviceLogService logs) {
        this.logs = logs;
    }

    @Scheduled(initialDelayString = "PT5M", fixedDelayString = "PT1H")
    void sweep() {
        try {
            DeviceLogService.Swept swept = logs.sweep();
            if (swept.uploads() + swept.requests() + swept.strays() > 0) {
                log.info("Device logs retention: deleted {} uploads, {} expired requests without an upload and {} stray files",
                        swept.uploads(), swept.requests(), swept.strays());
            }
        } catch (RuntimeException e) {
            log.warn("Device logs retention sweep failed: {}", e.toString());
        }
    }
}
