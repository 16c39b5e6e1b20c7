package dev.aero.client.sp;

import java.time.Instant;

/**
 * A device's ticket to ejabberd: sign in with SASL PLAIN over TLS, user = the DID hex,
 * password = {@code token}, before {@code expiresAt}; {@code jid} is the device's bare JID,
 * {@code host}/{@code port} where to connect, rooms live on {@code mucService}.
 */
public record XmppToken(String token, String jid, Instant expiresAt, String host, int port, String domain, String mucService) {

    @Override
    public String toString() {
        return "XmppToken[jid=" + jid + ", expiresAt=" + expiresAt + ", host=" + host + ", port=" + port + ", domain=" + domain
                + ", mucService=" + mucService + "]";
    }
}
