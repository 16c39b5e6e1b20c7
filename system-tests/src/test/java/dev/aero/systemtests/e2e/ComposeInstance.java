package dev.aero.systemtests.e2e;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The whole platform under Docker Compose, as an admin starts it: {@code ./aero up --docker}
 * (which starts a Docker engine when none answers and makes the Debian base image when it
 * cannot be pulled), as a compose project of its own ({@code aero-e2e-<time>}: its own containers,
 * network and volumes) with its own env file and every published port shifted by
 * {@value #OFFSET} and reached on 127.0.0.1. The images take the jars the reactor has just
 * built. What an operator reads from the side (management ports, ejabberd's admin API, the
 * secrets in the volumes) is read through {@code docker exec}, as they would. {@link #close()}
 * removes the project with its volumes, and stops the engine if the launcher started it.
 */
final class ComposeInstance implements ScenarioPlatform {

    /** A project of its own for each run: nothing an interrupted earlier run left can be in its way. */
    static final String PROJECT = "aero-e2e-" + Long.toString(System.currentTimeMillis() / 1000, 36);
    static final int OFFSET = 3000;

    private final Path root;
    private final Path log;
    private final Path state;
    private final Path envFile;
    private String revision;

    ComposeInstance(Path root, Path log) {
        this.root = root;
        this.log = log;
        this.state = log.getParent().resolve("compose-state").toAbsolutePath();
        this.envFile = log.getParent().resolve("compose-e2e.env").toAbsolutePath();
    }

    @Override
    public int port(int base) {
        return base + OFFSET;
    }

    /** Writes the project's env file (fresh secrets, shifted ports) and brings the project up from nothing. */
    @Override
    public void start() throws IOException, InterruptedException {
        Files.createDirectories(state);
        String example = Files.readString(root.resolve("deploy/.env.example"));
        StringBuilder env = new StringBuilder();
        for (String line : example.split("\n", -1)) {
            int eq = line.indexOf('=');
            String name = line.startsWith("#") || eq < 0 ? null : line.substring(0, eq);
            String value = name == null ? null : switch (name) {
                case "COMPOSE_PROJECT_NAME" -> PROJECT;
                case "AERO_DEPLOYMENT_SECRET" -> random(32);
                case "AERO_MYSQL_ROOT_PASSWORD", "AERO_MYSQL_PASSWORD" -> random(24);
                case "AERO_SP_HTTP_PORT" -> Integer.toString(port(8080));
                case "AERO_SP_DEVICE_HTTPS_PORT" -> Integer.toString(port(8443));
                case "AERO_VERKEHR_SSMP_PORT" -> Integer.toString(port(29438));
                case "AERO_COMMANDS_DEVICE_PORT" -> Integer.toString(port(9021));
                case "AERO_DEVMAN_DEVICE_PORT" -> Integer.toString(port(8702));
                case "AERO_ZEPHYR_RELAY_PORT" -> Integer.toString(port(8888));
                case "AERO_XMPP_C2S_PORT" -> Integer.toString(port(5222));
                case "AERO_VERKEHR_HTTP_PORT" -> Integer.toString(port(25234));
                case "AERO_COMMANDS_HTTP_PORT" -> Integer.toString(port(9020));
                case "AERO_DEVMAN_HTTP_PORT" -> Integer.toString(port(8701));
                case "AERO_ZEPHYR_STATUS_PORT" -> Integer.toString(port(8889));
                case "AERO_BRIDGE_HTTP_PORT" -> Integer.toString(port(8090));
                case "AERO_CONSOLE_PORT" -> Integer.toString(port(8060));
                case "AERO_SP_PUBLIC_URL" -> "http://localhost:" + port(8080);
                // SP sends devices to AERO_DOMAIN for XMPP: a name this machine resolves.
                case "AERO_DOMAIN" -> "localhost";
                default -> null;
            };
            env.append(value == null ? line : name + "=" + value).append('\n');
        }
        Files.deleteIfExists(envFile);
        Files.createFile(envFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(envFile, env.toString());
        run(1500, "up", "--docker", "--no-build");
    }

    /** The first-run setup token, as an operator gets it: {@code ./aero setup-token}. */
    @Override
    public String setupToken() throws IOException, InterruptedException {
        return LauncherCommands.setupToken(root, log, this::environment);
    }

    /** What the launcher printed. */
    @Override
    public String launcherLog() throws IOException {
        return Files.readString(log);
    }

    @Override
    public SecretFile setupTokenFile() throws IOException, InterruptedException {
        List<SecretFile> found = inspect("sp-service", Map.of("/var/lib/aero/keys/setup-token", "rw-------"));
        return found.isEmpty() ? null : found.get(0);
    }

    @Override
    public String deploymentSecret() throws IOException {
        return LauncherCommands.envValue(envFile, "AERO_DEPLOYMENT_SECRET");
    }

    /** Kills the service's container (SIGKILL); the restart policy leaves a container killed by hand alone. */
    @Override
    public void kill(String service) throws IOException, InterruptedException {
        capture(null, 60, "docker", "kill", container(service));
    }

    /**
     * Starts the project's containers that were killed (as the engine's restart policy does
     * after a crash) and waits until every container is healthy (a one-shot one: exited with 0).
     */
    @Override
    public void up() throws IOException, InterruptedException {
        List<String> oneShot = containers(true, SERVICE + "xmpp-init");
        for (String id : containers(true, "status=exited")) {
            if (!oneShot.contains(id)) {
                capture(null, 60, "docker", "start", id);
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(600);
        while (true) {
            List<String> inspect = new ArrayList<>(List.of("docker", "inspect", "-f", "{{index .Config.Labels \"com.docker.compose.service\"}}"
                    + " {{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}:{{.State.ExitCode}}{{end}}"));
            inspect.addAll(containers(true));
            List<String> waiting = capture(null, 60, inspect.toArray(String[]::new)).strip().lines()
                    .filter(l -> !l.endsWith(" healthy") && !l.endsWith(" exited:0")).toList();
            if (waiting.isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("not healthy within 600 s: " + waiting);
            }
            Thread.sleep(1000);
        }
    }

    /**
     * An upgrade as an admin makes one: the stack down (its volumes kept), the images rebuilt (a
     * new revision: new image ids), the stack up again on the same volumes.
     */
    void upgrade(String newRevision) throws IOException, InterruptedException {
        run(300, "down");
        revision = newRevision;
        run(900, "up", "--docker", "--no-build");
    }

    /** Runs {@code ./aero args} for the project and hands back its exit code and output (the caller judges them). */
    LauncherCommands.Outcome launcher(int timeoutSeconds, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", root.resolve("aero").toString()));
        command.addAll(List.of(args));
        return LauncherCommands.outcome(root, log, this::environment, timeoutSeconds, command);
    }

    /** The revision label of the image the service's container runs. */
    String runningRevision(String service) throws IOException, InterruptedException {
        String image = capture(null, 60, "docker", "inspect", "-f", "{{.Image}}", container(service)).strip();
        return capture(null, 60, "docker", "image", "inspect", "-f", "{{index .Config.Labels \"org.opencontainers.image.revision\"}}",
                image).strip();
    }

    /** On the Compose network only: read from inside the service's container, as its health check does. */
    @Override
    public Answer management(String service, String path) throws IOException, InterruptedException {
        return answer(capture(null, 60, "docker", "exec", container(service), "curl", "--silent", "--max-time", "5",
                "--write-out", "\n%{http_code}", "http://127.0.0.1:" + SERVICES.get(service)[1] + path));
    }

    /** {@code AERO_DOMAIN} of the project's env file. */
    @Override
    public String xmppDomain() throws IOException {
        return LauncherCommands.envValue(envFile, "AERO_DOMAIN");
    }

    /** ejabberd's admin API is on the Compose network only: called from the bridge's container, with its password file. */
    @Override
    public Answer ejabberdApi(String command, String json) throws IOException, InterruptedException {
        return answer(capture(json, 60, "docker", "exec", "-i", container("xmpp-bridge"), "sh", "-c",
                "curl --silent --max-time 5 --write-out '\n%{http_code}' -H 'Content-Type: application/json' --data-binary @-"
                        + " -u \"xmpp-bridge@" + xmppDomain() + ":$(cat /var/lib/aero/xmpp-secrets/bridge.password)\" http://ejabberd:5280/api/"
                        + command));
    }

    private static Answer answer(String curlOutput) {
        int cut = curlOutput.lastIndexOf('\n');
        return new Answer(Integer.parseInt(curlOutput.substring(cut + 1).strip()), curlOutput.substring(0, cut));
    }

    /** Unpublished: nothing answers at the shifted management ports on any address of this machine, loopback included. */
    @Override
    public List<InetAddress> managementUnreachableOn() throws IOException {
        List<InetAddress> all = new ArrayList<>();
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (nic.isUp()) {
                nic.inetAddresses().filter(a -> a instanceof java.net.Inet4Address).forEach(all::add);
            }
        }
        return all;
    }

    @Override
    public List<SecretFile> secretFiles() throws IOException, InterruptedException {
        Map<String, String> sp = new LinkedHashMap<>();
        sp.put("/var/lib/aero/keys", "rwx------");
        sp.put("/var/lib/aero/keys/ca", "rwx------");
        sp.put("/var/lib/aero/keys/ca/ca.key.pem", "rw-------");
        // The token key is ejabberd's and SP's (SP signs with it): readable by the platform's
        // group, which SP's account is in; the bridge's password and ejabberd's TLS key are ejabberd's.
        Map<String, String> ejabberd = new LinkedHashMap<>();
        ejabberd.put("/var/lib/aero/xmpp-secrets", "rwxr-x---");
        ejabberd.put("/var/lib/aero/xmpp-secrets/jwt.jwk", "rw-r-----");
        ejabberd.put("/var/lib/aero/xmpp-secrets/bridge.password", "rw-------");
        ejabberd.put("/var/lib/aero/xmpp-tls", "rwx------");
        ejabberd.put("/var/lib/aero/xmpp-tls/server.pem", "rw-------");
        List<SecretFile> files = new ArrayList<>(inspect("sp-service", sp));
        files.addAll(inspect("ejabberd", ejabberd));
        return files;
    }

    /** The files that exist of {@code expected}'s paths in the service's container: permissions, and content for a file. */
    private List<SecretFile> inspect(String service, Map<String, String> expected) throws IOException, InterruptedException {
        List<SecretFile> found = new ArrayList<>();
        for (String path : expected.keySet()) {
            String out = capture(null, 60, "docker", "exec", container(service), "sh", "-c",
                    "if [ -d \"$0\" ]; then stat -c %A \"$0\"; elif [ -f \"$0\" ]; then stat -c %A \"$0\" && cat \"$0\"; fi", path);
            if (out.isEmpty()) {
                continue;
            }
            int eol = out.indexOf('\n');
            String mode = (eol < 0 ? out : out.substring(0, eol)).strip();
            found.add(new SecretFile(service + ":" + path, mode.substring(1), expected.get(path),
                    mode.startsWith("d") ? null : out.substring(eol + 1)));
        }
        return found;
    }

    @Override
    public Map<String, String> logs() throws IOException, InterruptedException {
        Map<String, String> logs = new LinkedHashMap<>();
        for (String service : List.of("sp-service", "verkehr-push", "command-server", "devman", "zephyr-relay", "xmpp-bridge",
                "xmpp-init", "ejabberd", "mariadb", "redis")) {
            logs.put(service, capture(null, 120, "sh", "-c", "docker logs \"$0\" 2>&1", containers(true, SERVICE + service).get(0)));
        }
        return logs;
    }

    /** Published ports go through the engine's proxy, which connects from the project network's gateway. */
    @Override
    public String clientAddressSeenByServices() throws IOException, InterruptedException {
        String network = capture(null, 60, "docker", "inspect", "-f", "{{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{end}}",
                container("devman")).strip();
        return capture(null, 60, "docker", "network", "inspect", "-f", "{{(index .IPAM.Config 0).Gateway}}", network).strip();
    }

    private static final String SERVICE = "label=com.docker.compose.service=";

    /** The running container of a service of this project. */
    private String container(String service) throws IOException, InterruptedException {
        List<String> ids = containers(false, SERVICE + service);
        if (ids.size() != 1) {
            throw new IllegalStateException("not one running container of " + service + " in " + PROJECT + ": " + ids);
        }
        return ids.get(0);
    }

    /** This project's containers matching {@code filters} ({@code docker ps --filter}): the running ones, or {@code all}. */
    private List<String> containers(boolean all, String... filters) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("docker", "ps", all ? "-aq" : "-q", "--filter", "label=com.docker.compose.project=" + PROJECT));
        for (String filter : filters) {
            command.addAll(List.of("--filter", filter));
        }
        String ids = capture(null, 60, command.toArray(String[]::new)).strip();
        return ids.isEmpty() ? List.of() : List.of(ids.split("\n"));
    }

    /** Runs a command (with {@code stdin}, if any) and returns its standard output; its errors go to the log. */
    private String capture(String stdin, int timeoutSeconds, String... command) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Process p = builder.start();
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> {
            try {
                return p.getInputStream().readAllBytes();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " took over " + timeoutSeconds + " s");
        }
        if (p.exitValue() != 0) {
            Files.writeString(log, "\n(exit " + p.exitValue() + ": " + String.join(" ", command) + ")\n", StandardOpenOption.APPEND);
            throw new IllegalStateException(String.join(" ", command) + " failed (exit " + p.exitValue() + "); see " + log);
        }
        return new String(out.join(), StandardCharsets.UTF_8);
    }

    private static String random(int bytes) {
        byte[] b = new byte[bytes];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private void run(int timeoutSeconds, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", root.resolve("aero").toString()));
        command.addAll(List.of(args));
        exec(timeoutSeconds, command);
    }

    private void exec(int timeoutSeconds, List<String> command) throws IOException, InterruptedException {
        LauncherCommands.exec(root, log, this::environment, timeoutSeconds, command);
    }

    /** The project's settings for the launcher. */
    private void environment(Map<String, String> env) {
        env.put("AERO_COMPOSE_ENV", envFile.toString());
        env.put("AERO_COMPOSE_PROJECT", PROJECT);
        // Its own launcher state: the compose marker, and the Docker engine the launcher may start.
        env.put("AERO_STATE_DIR", state.toString());
        env.put("AERO_UP_TIMEOUT", "600");
        if (revision != null) {
            env.put("AERO_REVISION", revision);
        }
        env.remove("AERO_DEPLOYMENT_SECRET");
        env.remove("AERO_INSTANCE");
    }

    @Override
    public void close() throws IOException, InterruptedException {
        try {
            // The containers' logs, kept for a failed run (the project goes with its volumes).
            exec(120, List.of("bash", "-c", "docker-compose -f deploy/docker-compose.yml --env-file \"$0\" -p " + PROJECT
                    + " logs --no-color --timestamps > \"$1\" 2>&1 || true", envFile.toString(),
                    log.resolveSibling("compose-services.log").toString()));
            run(300, "down", "--volumes", "--docker");
        } finally {
            Files.deleteIfExists(envFile);
        }
    }
}
