package dev.aero.sp.account;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/** Deletes expired sessions and old reset tokens, so the tables hold only live secrets. */
@Component
class ExpiredSecretsSweeper {

    private static final Logger log = LoggerFactory.getLogger(ExpiredSecretsSweeper.class);

    private final AccountService accounts;
    private final PasswordResetService resets;

    ExpiredSecretsSweeper(AccountService accounts, PasswordResetService resets) {
        this.accounts = accounts;
        this.resets = resets;
    }

    @Scheduled(initialDelayString = "PT1M", fixedDelayString = "PT1H")
    void sweep() {
        try {
            int sessions = accounts.deleteExpiredSessions();
            int tokens = resets.deleteExpired();
            if (sessions + tokens > 0) {
                log.info("Deleted {} expired sessions and {} old reset tokens", sessions, tokens);
            }
        } catch (RuntimeException e) {
            log.warn("Could not delete expired sessions: {}", e.getMessage());
        }
    }
}
