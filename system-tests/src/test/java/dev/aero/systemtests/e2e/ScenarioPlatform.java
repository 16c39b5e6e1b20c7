package dev.aero.systemtests.e2e;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A running platform the end-to-end scenarios drive: the launcher's native processes
 * ({@link LauncherInstance}) or a compose project ({@link ComposeInstance}). Clients reach it
 * only through its published ports; what an operator reads from the side (management ports,
 * ejabberd's admin API, secret files, logs) goes through the platform's own means: the loopback
 * ports and files natively, {@code docker exec} and {@code docker-compose logs} under compose.
 */
interface ScenarioPlatform extends AutoCloseable {

    /** The six services: each one's public HTTP port and its management port. */
    Map<String, int[]> SERVICES = Map.of(
            "sp-service", new int[] {8080, 8081},
            "verkehr-push", new int[] {25234, 25235},
            "command-server", new int[] {9020, 9022},
            "devman", new int[] {8701, 8703},
            "zephyr-relay", new int[] {8889, 8890},
            "xmpp-bridge", new int[] {8090, 8091});

    /** An HTTP answer read from inside the platform. */
    record Answer(int status, String body) { }

    /**
     * A secret file as found: where, its permissions ({@code rw-------}), the permissions it
     * must have, and its content (null for a directory).
     */
    record SecretFile(String where, String permissions, String expected, String content) { }

    /** Brings the platform up from nothing. */
    void start() throws IOException, InterruptedException;

    /** Where a standard port (e.g. 8080) is published on 127.0.0.1. */
    int port(int standard);

    default URI http(int standard) {
        return URI.create("http://127.0.0.1:" + port(standard));
    }

    /** The first-run setup token, as an operator gets it ({@code ./aero setup-token}). */
    String setupToken() throws IOException, InterruptedException;

    /** What the launcher printed so far. */
    String launcherLog() throws IOException;

    /** The setup token's file while it exists (its permissions), or null when it is gone. */
    SecretFile setupTokenFile() throws IOException, InterruptedException;

    /** The deployment secret the services authenticate to each other with. */
    String deploymentSecret() throws IOException, InterruptedException;

    /** Stops one service as a crash would. */
    void kill(String service) throws IOException, InterruptedException;

    /** Starts whatever is not running and waits until all of it is healthy. */
    void up() throws IOException, InterruptedException;

    /** A GET of a service's management port ({@code /actuator/...}), from where the operator reaches it. */
    Answer management(String service, String path) throws IOException, InterruptedException;

    /** The XMPP domain: device JIDs are {@code <did>@<domain>}, rooms live on {@code c.<domain>}. */
    String xmppDomain() throws IOException;

    /** A call to ejabberd's admin API ({@code /api/<command>}) as the bridge's account, from where the bridge makes it. */
    Answer ejabberdApi(String command, String json) throws IOException, InterruptedException;

    /** The addresses on which no management port may answer (at the port it would have there). */
    List<InetAddress> managementUnreachableOn() throws IOException;

    /**
     * The secret files with the permissions each must have: the owner's alone (0600, 0700 for a
     * directory), or group-readable where two services' accounts share it on purpose.
     */
    List<SecretFile> secretFiles() throws IOException, InterruptedException;

    /** Every service's log so far, by name. */
    Map<String, String> logs() throws IOException, InterruptedException;

    /**
     * The REST API of the mail catcher SP sends its mails to, where the platform runs one (the
     * launcher's {@code up --dev-mail}).
     */
    default Optional<URI> mailCatcher() {
        return Optional.empty();
    }

    /** The address a service sees a client on this machine connect from. */
    String clientAddressSeenByServices() throws IOException, InterruptedException;

    @Override
    void close() throws IOException, InterruptedException;
}
