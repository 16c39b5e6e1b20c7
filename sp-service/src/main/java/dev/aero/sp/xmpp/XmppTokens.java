package dev.aero.sp.xmpp;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;

import dev.aero.common.id.DID;
import dev.aero.common.web.ApiProblemException;
import dev.aero.common.xmpp.XmppJwtKey;
import dev.aero.sp.device.AuthenticatedDevice;
import dev.aero.sp.ratelimit.RateLimiter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Issues the JWTs devices sign in to ejabberd with: a device, authenticated by its certificate,
 * gets a token for its own bare JID only, valid {@code aero.sp.xmpp.token-lifetime}.
 */
@Service
@EnableConfigurationProperties(XmppProperties.class)
public class XmppTokens {

    private static final Logger log = LoggerFactory.getLogger(XmppTokens.class);

    private final XmppProperties properties;
    private final RateLimiter limiter;
    private final Clock clock;
    private final Counter issued;
    private Loaded loaded;

    XmppTokens(XmppProperties properties, RateLimiter limiter, Clock clock, MeterRegistry meters) {
        this.properties = properties;
        this.limiter = limiter;
        this.clock = clock;
        this.issued = Counter.builder("aero.sp.xmpp.tokens").description("XMPP tokens issued to devices").register(meters);
    }

    /** A token for {@code did}; only the device itself may ask for it. */
    public Token issue(AuthenticatedDevice caller, DID did) {
        if (!caller.device().equals(did)) {
            throw new ApiProblemException(HttpStatus.FORBIDDEN, "device-mismatch", "A device may get an XMPP token for itself only.");
        }
        XmppJwtKey key = key();
        limiter.acquire("xmpp-token", "device", did.hex(), properties.tokensPerDevice());
        String jid = did.hex() + "@" + properties.domain();
        // Whole seconds: the claim is in seconds, and the answer says exactly when it ends.
        Instant expires = clock.instant().plus(properties.tokenLifetime()).truncatedTo(ChronoUnit.SECONDS);
        issued.increment();
        return new Token(key.sign(jid, expires), jid, expires, properties.host(), properties.port(), properties.domain(),
                properties.mucService());
    }

    private synchronized XmppJwtKey key() {
        if (properties.jwtKeyFile().isBlank()) {
            throw unavailable();
        }
        Path file = Path.of(properties.jwtKeyFile());
        try {
            FileTime modified = Files.getLastModifiedTime(file);
            if (loaded == null || !loaded.modified().equals(modified)) {
                loaded = new Loaded(XmppJwtKey.read(file), modified);
                log.info("XMPP token key read from {}", file);
            }
            return loaded.key();
        } catch (IOException | IllegalArgumentException e) {
            log.error("XMPP token key {} cannot be used: {}", file, e.getMessage());
            throw unavailable();
        }
    }

    private static ApiProblemException unavailable() {
        return new ApiProblemException(HttpStatus.SERVICE_UNAVAILABLE, "xmpp-unavailable",
                "This deployment cannot issue XMPP tokens now (no usable token key).");
    }

    /** The answer of {@code POST /devices/{did}/xmpp-token}. */
    public record Token(String token, String jid, Instant expiresAt, String host, int port, String domain, String mucService) {
    }

    private record Loaded(XmppJwtKey key, FileTime modified) {
    }
}
