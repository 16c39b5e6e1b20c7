package dev.aero.sp.organization;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

import dev.aero.common.files.PrivateFiles;
import dev.aero.common.web.ApiProblemException;
import dev.aero.sp.SpProperties;
import dev.aero.sp.account.SecretTokens;

/**
 * The first-run setup token. Until the deployment's organization exists, whoever signs up the
 * first user (who creates it and becomes its admin) must show this token: without it, whoever
 * reaches a new deployment first would own it.
 *
 * <p>SP makes the token when it starts and finds no organization: its SHA-256 goes to the
 * database, the token itself to {@link SpProperties#setupTokenFile()} (mode 0600, for the
 * operator: {@code ./aero setup-token}) and to the log, once. A node that finds the file holding
 * the stored token keeps it. The token is used up, and the row deleted, in the transaction that
 * creates the organization; the file goes after it commits, or at the next start.
 */
@Component
public class SetupToken implements SmartInitializingSingleton {

    private static final Logger log = LoggerFactory.getLogger(SetupToken.class);

    private final JdbcTemplate jdbc;
    private final Organizations organizations;
    private final Path file;
    private final Clock clock;

    SetupToken(JdbcTemplate jdbc, Organizations organizations, SpProperties properties, Clock clock) {
        this.jdbc = jdbc;
        this.organizations = organizations;
        this.file = properties.setupTokenFile().toAbsolutePath();
        this.clock = clock;
    }

    /** The file the operator reads the token from. */
    public Path file() {
        return file;
    }

    @Override
    public void afterSingletonsInstantiated() {
        if (organizations.existsById(Organization.DEPLOYMENT_ORGANIZATION)) {
            jdbc.update("DELETE FROM setup_token");
            removeFile();
            return;
        }
        String kept = readFile();
        List<String> stored = jdbc.queryForList("SELECT token_hash FROM setup_token WHERE id = 1", String.class);
        if (kept != null && stored.size() == 1 && matches(kept, stored.getFirst())) {
            log.info("First run: no admin yet. Sign up the first admin with the setup token in {} (./aero setup-token prints it)", file);
            return;
        }
        String token = SecretTokens.newToken();
        String hash = SecretTokens.hash(token);
        Timestamp now = Timestamp.from(clock.instant());
        jdbc.update("INSERT INTO setup_token (id, token_hash, created_at) VALUES (1, ?, ?) "
                + "ON DUPLICATE KEY UPDATE token_hash = ?, created_at = ?", hash, now, hash, now);
        try {
            PrivateFiles.createDirectory(file.getParent());
            PrivateFiles.write(file, token + "\n", true);
        } catch (IOException e) {
            log.warn("Cannot write the setup token to {}: {}; it is in this log only", file, e.toString());
        }
        log.warn("First run: no admin yet. Sign up the first admin with this setup token (single use; "
                + "./aero setup-token prints it again): {}", token);
    }

    /**
     * Uses the token up: call in the transaction that creates the organization. 403
     * {@code setup-token-required} without one, {@code setup-token-invalid} when it is not the
     * deployment's.
     */
    void consume(String token) {
        if (token == null || token.isBlank()) {
            throw new ApiProblemException(HttpStatus.FORBIDDEN, "setup-token-required",
                    "The first sign-up on a new deployment creates its admin and needs the setup token "
                            + "(the operator gets it with ./aero setup-token).");
        }
        List<String> stored = jdbc.queryForList("SELECT token_hash FROM setup_token WHERE id = 1 FOR UPDATE", String.class);
        if (!SecretTokens.plausible(token) || stored.size() != 1 || !matches(token, stored.getFirst())) {
            throw new ApiProblemException(HttpStatus.FORBIDDEN, "setup-token-invalid",
                    "This is not the deployment's setup token (./aero setup-token prints it).");
        }
        jdbc.update("DELETE FROM setup_token WHERE id = 1");
    }

    /** After the organization is created: the token is of no use any more. */
    void used() {
        removeFile();
    }

    private static boolean matches(String token, String storedHash) {
        return MessageDigest.isEqual(SecretTokens.hash(token).getBytes(StandardCharsets.US_ASCII),
                storedHash.getBytes(StandardCharsets.US_ASCII));
    }

    private String readFile() {
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8).strip();
            return SecretTokens.plausible(text) ? text : null;
        } catch (IOException e) {
            return null;
        }
    }

    private void removeFile() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            log.warn("Cannot remove the used setup token file {}: {}", file, e.toString());
        }
    }
}
