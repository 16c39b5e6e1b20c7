package dev.aero.xmpp;

import java.net.URI;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * xmpp-bridge's settings (prefix {@code aero.xmpp}).
 *
 * @param domain the XMPP domain; rooms live on {@code c.<domain>}
 * @param host ejabberd's c2s host (STARTTLS required)
 * @param port ejabberd's c2s port
 * @param resource the bridge's XMPP resource (its node name); empty: {@code node-<host name>}
 * @param certificateFile the file ejabberd's {@code certfiles} names: when set, the bridge keeps
 *        ejabberd's certificate there from the platform CA (and checks ejabberd against that CA)
 * @param trustFile without a certificate file: PEM certificates ejabberd's c2s certificate is
 *        checked against; empty: the platform CA, fetched from SP
 * @param bridgeUser the bridge's ejabberd account (localpart)
 * @param bridgePassword its password
 * @param apiUrl ejabberd's admin HTTP API ({@code .../api})
 * @param apiTimeout how long one API call may take
 * @param spUrl SP's service API
 * @param deploymentSecret the secret services authenticate to each other with
 * @param verkehrSsmp verkehr's SSMP listener ({@code host:port}; the name must match its
 *        certificate), where SP's {@code svc/stores} arrives; empty: rooms are kept by the
 *        periodic reconciliation only
 * @param reconcileInterval how often every room is checked against SP (and once at start)
 * @param reconcilePage stores asked of SP per page during a reconciliation
 * @param roomWorkers how many stores are brought in line at once (a burst of new folders is
 *        worked through that many at a time)
 * @param devmanUrl devman's service API, where room presence is reported
 */
@ConfigurationProperties("aero.xmpp")
public record BridgeProperties(
        @DefaultValue("aero.local") String domain,
        @DefaultValue("127.0.0.1") String host,
        @DefaultValue("5222") int port,
        @DefaultValue("") String resource,
        @DefaultValue("") String certificateFile,
        @DefaultValue("") String trustFile,
        @DefaultValue("xmpp-bridge") String bridgeUser,
        @DefaultValue("") String bridgePassword,
        @DefaultValue("http://127.0.0.1:5280/api") URI apiUrl,
        @DefaultValue("10s") Duration apiTimeout,
        @DefaultValue("http://127.0.0.1:8080") URI spUrl,
        @DefaultValue("") String deploymentSecret,
        @DefaultValue("localhost:29438") String verkehrSsmp,
        @DefaultValue("5m") Duration reconcileInterval,
        @DefaultValue("500") int reconcilePage,
        @DefaultValue("4") int roomWorkers,
        @DefaultValue("http://127.0.0.1:8701") URI devmanUrl) {

    public BridgeProperties {
        if (reconcilePage < 1 || reconcilePage > 1000) {
            throw new IllegalArgumentException("aero.xmpp.reconcile-page must be 1 to 1000 (SP's page limit)");
        }
        if (roomWorkers < 1 || roomWorkers > 64) {
            throw new IllegalArgumentException("aero.xmpp.room-workers must be 1 to 64");
        }
        if (reconcileInterval.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("aero.xmpp.reconcile-interval must be at least 1s");
        }
    }

    /** Whether the bridge can do anything: it has its ejabberd password and the deployment secret. */
    public boolean configured() {
        return !bridgePassword.isBlank() && !deploymentSecret.isBlank();
    }

    /** The MUC service the rooms live on. */
    public String mucService() {
        return "c." + domain;
    }

    /** The bridge's bare JID. */
    public String bridgeJid() {
        return bridgeUser + "@" + domain;
    }
}
