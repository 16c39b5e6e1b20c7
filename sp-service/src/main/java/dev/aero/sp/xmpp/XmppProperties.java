package dev.aero.sp.xmpp;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import dev.aero.sp.SpProperties.Limit;

/**
 * How devices reach ejabberd, and the tokens SP gives them for it (prefix {@code aero.sp.xmpp}).
 *
 * @param jwtKeyFile the JWK file ejabberd's {@code jwt_key} names; read again when it changes,
 *        so rotating the key needs no SP restart. Empty: SP issues no tokens (503)
 * @param domain the XMPP domain (device JIDs are {@code <did hex>@<domain>}; rooms live on
 *        {@code c.<domain>})
 * @param host the host name devices connect to
 * @param port the c2s port devices connect to (STARTTLS)
 * @param tokenLifetime how long a token is valid (at most 10 minutes); a token is checked only
 *        at sign-in, so an open session outlives it
 * @param tokensPerDevice tokens one device may get per window
 */
@ConfigurationProperties("aero.sp.xmpp")
public record XmppProperties(
        @DefaultValue("") String jwtKeyFile,
        @DefaultValue("aero.local") String domain,
        @DefaultValue("localhost") String host,
        @DefaultValue("5222") int port,
        @DefaultValue("5m") Duration tokenLifetime,
        @DefaultValue("60/15m") Limit tokensPerDevice) {

    static final Duration MAX_TOKEN_LIFETIME = Duration.ofMinutes(10);

    public XmppProperties {
        if (tokenLifetime.compareTo(Duration.ofSeconds(30)) < 0 || tokenLifetime.compareTo(MAX_TOKEN_LIFETIME) > 0) {
            throw new IllegalArgumentException("aero.sp.xmpp.token-lifetime must be 30s to 10m");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("aero.sp.xmpp.port must be 1 to 65535");
        }
        if (!domain.matches("[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*") || domain.length() > 253) {
            throw new IllegalArgumentException("aero.sp.xmpp.domain must be a lower-case host name");
        }
    }

    /** The MUC service the stores' rooms live on. */
    public String mucService() {
        return "c." + domain;
    }
}
