package dev.aero.systemtests.e2e;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The whole platform under Docker Compose, as an admin starts it: {@code ./aero up --docker}
 * (which starts a Docker engine when none answers and makes the Debian base image when it
 * cannot be pulled), as a compose project of its own ({@code aero-e2e-<time>}: its own containers,
 * network and volumes) with its own env file and every published port shifted by
 * {@value #OFFSET} and reached on 127.0.0.1. The images take the jars the reactor has just
 * built. {@link #close()} removes the project with its volumes, and stops the engine if the
 * launcher started it.
 */
final class ComposeInstance implements AutoCloseable {

    /** A project of its own for each run: nothing an interrupted earlier run left can be in its way. */
    static final String PROJECT = "aero-e2e-" + Long.toString(System.currentTimeMillis() / 1000, 36);
    static final int OFFSET = 3000;

    private final Path root;
    private final Path log;
    private final Path state;
    private final Path envFile;

    ComposeInstance(Path root, Path log) {
        this.root = root;
        this.log = log;
        this.state = log.getParent().resolve("compose-state").toAbsolutePath();
        this.envFile = log.getParent().resolve("compose-e2e.env").toAbsolutePath();
    }

    static int port(int base) {
        return base + OFFSET;
    }

    static URI http(int base) {
        return URI.create("http://127.0.0.1:" + port(base));
    }

    /** Writes the project's env file (fresh secrets, shifted ports) and brings the project up from nothing. */
    void start() throws IOException, InterruptedException {
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
                case "AERO_SP_PUBLIC_URL" -> "http://localhost:" + port(8080);
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
    String setupToken() throws IOException, InterruptedException {
        return LauncherCommands.setupToken(root, log, this::environment);
    }

    /** What the launcher printed. */
    String launcherLog() throws IOException {
        return Files.readString(log);
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
