package dev.aero.systemtests.e2e;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The whole platform as separate processes, started by the project's launcher: {@code ./aero up}
 * as a named instance ({@code AERO_INSTANCE}) beside whatever else runs on this machine, with its
 * own database, Redis database, CA, secret and every service port shifted by an offset. The
 * jars are the ones the reactor has just built (this module runs after the services).
 */
final class LauncherInstance implements AutoCloseable {

    static final String NAME = "e2e";
    static final int OFFSET = 1000;
    static final int REDIS_DATABASE = 14;

    private final Path root;
    private final Path log;
    private final Path stateDir;

    LauncherInstance(Path root, Path log) {
        this.root = root;
        this.log = log;
        String state = System.getenv("AERO_STATE_DIR");
        this.stateDir = state == null || state.isEmpty() ? Path.of(System.getProperty("user.home"), ".aero") : Path.of(state);
    }

    /** The repository's root, seen from this module's directory. */
    static Path repositoryRoot() {
        Path here = Path.of("").toAbsolutePath();
        for (Path p = here; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("aero")) && Files.isRegularFile(p.resolve("pom.xml"))) {
                return p;
            }
        }
        throw new IllegalStateException("no repository root above " + here);
    }

    static int port(int base) {
        return base + OFFSET;
    }

    Path directory() {
        return stateDir.resolve("instances").resolve(NAME);
    }

    /** Stops what an earlier run may have left, forgets its state, and starts every service. */
    void start() throws IOException, InterruptedException {
        for (String jar : List.of("sp-service", "verkehr-push", "command-server", "devman", "zephyr-relay", "xmpp-bridge")) {
            Path file = root.resolve(jar).resolve("target").resolve(jar + ".jar");
            if (!Files.isRegularFile(file)) {
                throw new IllegalStateException(file + " is missing: the system tests run after the services are packaged (./aero test)");
            }
        }
        run(120, "down");
        resetState();
        run(420, "up", "--native", "--no-build");
    }

    /** A fresh instance: no services' state, an empty database and Redis database. */
    private void resetState() throws IOException, InterruptedException {
        deleteTree(directory());
        exec(60, List.of("bash", "-c", "mariadb -h 127.0.0.1 -P \"${AERO_MYSQL_PORT:-3306}\" -uaero -paero -e 'DROP DATABASE IF EXISTS aero_sp_"
                + NAME + "' && redis-cli -h 127.0.0.1 -p \"${AERO_REDIS_PORT:-6379}\" -n " + REDIS_DATABASE + " flushdb"));
    }

    /** Stops one service of the instance (as a crash would: its pid file is left for `up` to replace). */
    void kill(String service) throws IOException, InterruptedException {
        Path pidFile = directory().resolve("run").resolve(service + ".pid");
        long pid = Long.parseLong(Files.readString(pidFile).strip());
        ProcessHandle.of(pid).ifPresent(p -> {
            p.destroy();
            p.onExit().orTimeout(30, TimeUnit.SECONDS).join();
        });
    }

    /** Starts whatever of the instance is not running. */
    void up() throws IOException, InterruptedException {
        run(420, "up", "--native", "--no-build");
    }

    /** The instance's deployment secret (what the services authenticate to each other with). */
    String deploymentSecret() throws IOException {
        for (String line : Files.readAllLines(directory().resolve("secret.env"))) {
            if (line.startsWith("AERO_DEPLOYMENT_SECRET=")) {
                return line.substring("AERO_DEPLOYMENT_SECRET=".length()).strip();
            }
        }
        throw new IllegalStateException("no deployment secret in " + directory().resolve("secret.env"));
    }

    /**
     * The first-run setup token, as an operator gets it: {@code ./aero setup-token}. Fails once
     * the first admin has signed up (the token is used up then).
     */
    String setupToken() throws IOException, InterruptedException {
        return LauncherCommands.setupToken(root, log, LauncherInstance::environment);
    }

    /** What {@code ./aero up} printed, as far as the launcher's log of this run holds it. */
    String launcherLog() throws IOException {
        return Files.readString(log);
    }

    URI http(int basePort) {
        return URI.create("http://127.0.0.1:" + port(basePort));
    }

    private void run(int timeoutSeconds, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", root.resolve("aero").toString()));
        command.addAll(List.of(args));
        exec(timeoutSeconds, command);
    }

    private void exec(int timeoutSeconds, List<String> command) throws IOException, InterruptedException {
        try {
            LauncherCommands.exec(root, log, LauncherInstance::environment, timeoutSeconds, command);
        } catch (IllegalStateException e) {
            throw new IllegalStateException(e.getMessage() + "\nservice logs: " + directory().resolve("logs"), e);
        }
    }

    /** The named instance's settings for the launcher. */
    private static void environment(Map<String, String> env) {
        env.put("AERO_INSTANCE", NAME);
        env.put("AERO_PORT_OFFSET", Integer.toString(OFFSET));
        env.put("AERO_REDIS_DATABASE", Integer.toString(REDIS_DATABASE));
        // The instance's own secret, in its secret.env (an exported one would win and not be written there).
        env.remove("AERO_DEPLOYMENT_SECRET");
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        run(120, "down");
    }
}
