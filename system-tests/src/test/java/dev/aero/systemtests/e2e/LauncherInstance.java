package dev.aero.systemtests.e2e;

import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The whole platform as separate processes, started by the project's launcher: {@code ./aero up}
 * as a named instance ({@code AERO_INSTANCE}) beside whatever else runs on this machine, with its
 * own database, Redis database, CA, secret and every service port shifted by an offset. The
 * jars are the ones the reactor has just built (this module runs after the services).
 */
final class LauncherInstance implements ScenarioPlatform {

    static final String NAME = "e2e";
    static final int OFFSET = 1000;
    static final int REDIS_DATABASE = 14;

    private final String name;
    private final int offset;
    private final int redisDatabase;
    private final Map<String, String> settings;
    private final boolean devMail;
    private final Path root;
    private final Path log;
    private final Path stateDir;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /**
     * The end-to-end scenarios' instance: {@value #NAME}, ports +{@value #OFFSET}, Redis database
     * {@value #REDIS_DATABASE}, with the development mail catcher ({@code up --dev-mail}).
     */
    LauncherInstance(Path root, Path log) {
        this(root, log, NAME, OFFSET, REDIS_DATABASE, Map.of(), true);
    }

    /**
     * An instance of its own beside the others: its name, port offset and Redis database must be
     * its own too; {@code settings} go to every service's environment (e.g. a shorter timeout).
     */
    LauncherInstance(Path root, Path log, String name, int offset, int redisDatabase, Map<String, String> settings) {
        this(root, log, name, offset, redisDatabase, settings, false);
    }

    private LauncherInstance(Path root, Path log, String name, int offset, int redisDatabase, Map<String, String> settings,
            boolean devMail) {
        this.devMail = devMail;
        this.name = name;
        this.settings = Map.copyOf(settings);
        this.offset = offset;
        this.redisDatabase = redisDatabase;
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

    @Override
    public int port(int base) {
        return base + offset;
    }

    Path directory() {
        return stateDir.resolve("instances").resolve(name);
    }

    /** Stops what an earlier run may have left, forgets its state, and starts every service. */
    @Override
    public void start() throws IOException, InterruptedException {
        for (String jar : List.of("sp-service", "verkehr-push", "command-server", "devman", "zephyr-relay", "xmpp-bridge",
                "admin-console")) {
            Path file = root.resolve(jar).resolve("target").resolve(jar + ".jar");
            if (!Files.isRegularFile(file)) {
                throw new IllegalStateException(file + " is missing: the system tests run after the services are packaged (./aero test)");
            }
        }
        run(120, "down");
        resetState();
        upNatively();
    }

    /** Everything of the instance gone: services and its ejabberd node stopped, its state, database and Redis database deleted. */
    void wipe() throws IOException, InterruptedException {
        run(120, "down");
        resetState();
    }

    /**
     * Runs {@code ./aero args} for the instance and hands back its exit code and output, failing
     * only when it overruns: the caller judges the outcome (a refusal the test expects, say).
     */
    LauncherCommands.Outcome launcher(int timeoutSeconds, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", root.resolve("aero").toString()));
        command.addAll(List.of(args));
        return shell(timeoutSeconds, command);
    }

    /** Runs {@code command} from the repository root with the instance's settings. */
    LauncherCommands.Outcome shell(int timeoutSeconds, List<String> command) throws IOException, InterruptedException {
        return LauncherCommands.outcome(root, log, this::environment, timeoutSeconds, command);
    }

    /** The instance's Redis database number. */
    int redisDatabase() {
        return redisDatabase;
    }

    /** The instance's database in MariaDB. */
    String databaseName() {
        return "aero_sp_" + name.replace('-', '_');
    }

    /** A fresh instance: no services' state, an empty database and Redis database. */
    private void resetState() throws IOException, InterruptedException {
        deleteTree(directory());
        exec(60, List.of("bash", "-c", "mariadb -h 127.0.0.1 -P \"${AERO_MYSQL_PORT:-3306}\" -uaero -paero -e 'DROP DATABASE IF EXISTS aero_sp_"
                + name + "' && redis-cli -h 127.0.0.1 -p \"${AERO_REDIS_PORT:-6379}\" -n " + redisDatabase + " flushdb"));
    }

    /** Stops one service of the instance (as a crash would: its pid file is left for `up` to replace). */
    @Override
    public void kill(String service) throws IOException, InterruptedException {
        Path pidFile = directory().resolve("run").resolve(service + ".pid");
        long pid = Long.parseLong(Files.readString(pidFile).strip());
        ProcessHandle.of(pid).ifPresent(p -> {
            p.destroy();
            p.onExit().orTimeout(30, TimeUnit.SECONDS).join();
        });
    }

    /** Starts whatever of the instance is not running. */
    @Override
    public void up() throws IOException, InterruptedException {
        upNatively();
    }

    private void upNatively() throws IOException, InterruptedException {
        if (devMail) {
            run(420, "up", "--native", "--no-build", "--dev-mail");
        } else {
            run(420, "up", "--native", "--no-build");
        }
    }

    /** The catcher's REST API ({@code up --dev-mail}: port 3180 of the instance). */
    @Override
    public Optional<URI> mailCatcher() {
        return devMail ? Optional.of(URI.create("http://127.0.0.1:" + port(3180))) : Optional.empty();
    }

    /** The instance's deployment secret (what the services authenticate to each other with). */
    @Override
    public String deploymentSecret() throws IOException {
        return LauncherCommands.envValue(directory().resolve("secret.env"), "AERO_DEPLOYMENT_SECRET");
    }

    /**
     * The first-run setup token, as an operator gets it: {@code ./aero setup-token}. Fails once
     * the first admin has signed up (the token is used up then).
     */
    @Override
    public String setupToken() throws IOException, InterruptedException {
        return LauncherCommands.setupToken(root, log, this::environment);
    }

    /** What {@code ./aero up} printed, as far as the launcher's log of this run holds it. */
    @Override
    public String launcherLog() throws IOException {
        return Files.readString(log);
    }

    @Override
    public SecretFile setupTokenFile() throws IOException {
        return secretFile(directory().resolve("sp/setup-token"));
    }

    /** Natively the management ports listen on loopback, where the operator's tools reach them. */
    @Override
    public Answer management(String service, String path) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(http(SERVICES.get(service)[1]).resolve(path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), r.body());
    }

    /** The launcher's default domain for a native instance. */
    @Override
    public String xmppDomain() {
        return "aero.local";
    }

    @Override
    public Answer ejabberdApi(String command, String json) throws IOException, InterruptedException {
        String password = Files.readString(directory().resolve("ejabberd/secrets/bridge.password")).strip();
        String authorization = "Basic " + Base64.getEncoder().encodeToString(("xmpp-bridge@" + xmppDomain() + ":" + password)
                .getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(http(5280).resolve("/api/" + command))
                .header("Authorization", authorization).timeout(Duration.ofSeconds(5))
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), r.body());
    }

    /** Bound to loopback: not on this machine's other addresses. */
    @Override
    public List<InetAddress> managementUnreachableOn() throws IOException {
        List<InetAddress> outside = new ArrayList<>();
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (nic.isUp() && !nic.isLoopback()) {
                nic.inetAddresses().filter(a -> a instanceof java.net.Inet4Address).forEach(outside::add);
            }
        }
        return outside;
    }

    @Override
    public List<SecretFile> secretFiles() throws IOException {
        List<SecretFile> files = new ArrayList<>();
        for (String f : List.of("secret.env", "sp/ca/ca.key.pem", "sp/ca", "ejabberd/secrets", "ejabberd/secrets/jwt.jwk",
                "ejabberd/secrets/bridge.password", "ejabberd/tls/server.pem")) {
            files.add(secretFile(directory().resolve(f)));
        }
        return files;
    }

    private static SecretFile secretFile(Path file) throws IOException {
        if (!Files.exists(file)) {
            return null;
        }
        // Natively every service runs as the operator's account: nothing is shared with a group.
        boolean directory = Files.isDirectory(file);
        return new SecretFile(file.toString(), PosixFilePermissions.toString(Files.getPosixFilePermissions(file)),
                directory ? "rwx------" : "rw-------", directory ? null : Files.readString(file));
    }

    @Override
    public Map<String, String> logs() throws IOException {
        Map<String, String> logs = new LinkedHashMap<>();
        try (var files = Files.walk(directory().resolve("logs"))) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                logs.put(f.toString(), Files.readString(f, StandardCharsets.ISO_8859_1));
            }
        }
        return logs;
    }

    @Override
    public String clientAddressSeenByServices() {
        return "127.0.0.1";
    }

    private void run(int timeoutSeconds, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", root.resolve("aero").toString()));
        command.addAll(List.of(args));
        exec(timeoutSeconds, command);
    }

    private void exec(int timeoutSeconds, List<String> command) throws IOException, InterruptedException {
        try {
            LauncherCommands.exec(root, log, this::environment, timeoutSeconds, command);
        } catch (IllegalStateException e) {
            throw new IllegalStateException(e.getMessage() + "\nservice logs: " + directory().resolve("logs"), e);
        }
    }

    /** The named instance's settings for the launcher. */
    private void environment(Map<String, String> env) {
        env.put("AERO_INSTANCE", name);
        env.put("AERO_PORT_OFFSET", Integer.toString(offset));
        env.put("AERO_REDIS_DATABASE", Integer.toString(redisDatabase));
        env.putAll(settings);
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
