package dev.aero.systemtests.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aero.systemtests.deploy.ReactorPoms.Module;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Checks deploy/docker-compose.yml as Compose itself sees it: the test renders
 * it with {@code docker-compose config} and the example env file (no Docker
 * engine needed), then compares the result with the Maven reactor, so a new
 * Boot module, a new datastore dependency or a lost health check shows up here.
 */
class ComposeFileTest {

    private static final YAMLMapper YAML = new YAMLMapper();

    /** Backing services, by the dependency (artifactId) that makes a module need them. */
    private static final Map<String, String> BACKING_SERVICE_BY_DEPENDENCY = Map.of(
            "spring-boot-starter-data-jpa", "mysql",
            "spring-boot-starter-data-redis", "redis",
            "smack-tcp", "ejabberd");

    /** Container ports clients connect to: the only ones published on all interfaces. */
    private static final Map<String, Set<Integer>> PUBLIC_PORTS = Map.of(
            "sp-service", Set.of(8080, 8443),
            "verkehr-push", Set.of(29438),
            "command-server", Set.of(9021),
            "devman", Set.of(8702),
            "zephyr-relay", Set.of(8888),
            "ejabberd", Set.of(5222));

    /** ${NAME}, ${NAME:-default}, ${NAME:?message} and friends, but not the escaped $${...}. */
    private static final Pattern INTERPOLATION =
            Pattern.compile("(?<!\\$)\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])[^}]*)?}");

    private static Path repoRoot;
    private static ComposeCli compose;
    private static Map<String, Object> config;

    @TempDir
    Path tempDir;

    @BeforeAll
    static void renderComposeFileWithTheExampleEnvFile() {
        repoRoot = findRepoRoot();
        compose = ComposeCli.locate(repoRoot);
        ComposeCli.Result result = compose.config(repoRoot.resolve(ComposeCli.EXAMPLE_ENV_FILE));
        assertThat(result.exitCode())
                .as("docker-compose config with %s must succeed:%n%s", ComposeCli.EXAMPLE_ENV_FILE, result.describe())
                .isZero();
        config = yamlMap(result.stdout());
        assertThat(map(config.get("services"))).as("rendered services").isNotEmpty();
    }

    // ------------------------------------------------------------------
    // Platform services
    // ------------------------------------------------------------------

    @Test
    void everyBootModuleHasAHealthCheckedService() {
        List<Module> apps = ReactorPoms.bootApps(repoRoot);
        assertThat(apps).as("Spring Boot modules found in the reactor").isNotEmpty();

        for (Module app : apps) {
            Map<String, Object> service = service(app.name());

            Map<String, Object> build = map(service.get("build"));
            assertThat(build).as("%s is built from this repository", app.name()).isNotEmpty();
            Path context = Path.of(string(build.get("context")));
            assertThat(realPath(context)).as("%s build context", app.name()).isEqualTo(realPath(repoRoot));
            assertThat(realPath(context.resolve(string(build.get("dockerfile")))))
                    .as("%s Dockerfile", app.name())
                    .isEqualTo(realPath(repoRoot.resolve("deploy/Dockerfile")));
            assertThat(string(map(build.get("args")).get("MODULE")))
                    .as("%s build arg MODULE", app.name())
                    .isEqualTo(app.name());

            assertHealthCheck(app.name(), service);
            assertThat(healthCommand(service)).as("%s health check target", app.name()).contains("/actuator/health");

            assertThat(string(service.get("restart")))
                    .as("%s restart policy", app.name())
                    .isIn("always", "unless-stopped", "on-failure");
        }
    }

    @Test
    void bootModulesWaitForTheBackingServicesTheirPomsUse() {
        int checked = 0;
        for (Module app : ReactorPoms.bootApps(repoRoot)) {
            Map<String, Object> dependsOn = dependsOn(service(app.name()));
            for (Map.Entry<String, String> entry : BACKING_SERVICE_BY_DEPENDENCY.entrySet()) {
                if (!app.uses(entry.getKey())) {
                    continue;
                }
                String store = entry.getValue();
                assertThat(dependsOn)
                        .as("%s uses %s, so it must depend on the %s service", app.name(), entry.getKey(), store)
                        .containsKey(store);
                assertThat(string(map(dependsOn.get(store)).get("condition")))
                        .as("%s must wait until %s is healthy", app.name(), store)
                        .isEqualTo("service_healthy");
                assertHealthCheck(store, service(store));
                checked++;
            }
        }
        assertThat(checked).as("backing-service dependencies found in the Boot modules' poms").isPositive();
    }

    @Test
    void healthChecksProbeThePortEachServiceListensOn() {
        for (Module app : ReactorPoms.bootApps(repoRoot)) {
            Integer port = configuredServerPort(app.name());
            if (port == null) {
                continue; // no fixed server.port to compare with
            }
            assertThat(healthCommand(service(app.name())))
                    .as("%s listens on %d (its application.yml)", app.name(), port)
                    .contains("127.0.0.1:" + port + "/actuator/health");
        }
    }

    // ------------------------------------------------------------------
    // Datastores and volumes
    // ------------------------------------------------------------------

    @Test
    void mysqlIs84WithUtf8mb4() {
        Map<String, Object> mysql = service("mysql");
        assertThat(string(mysql.get("image"))).matches("mysql:8\\.4(\\.\\d+)?");
        assertThat(commandArgs(mysql)).contains("--character-set-server=utf8mb4");
        assertThat(map(mysql.get("environment"))).containsEntry("MYSQL_DATABASE", "aero_sp");
        assertThat(healthCommand(mysql)).contains("mysqladmin ping");
    }

    @Test
    void redisPersistsWithAnAppendOnlyFile() {
        Map<String, Object> redis = service("redis");
        List<String> args = commandArgs(redis);
        int flag = args.indexOf("--appendonly");
        if (flag >= 0 && flag + 1 < args.size()) {
            assertThat(args.get(flag + 1)).as("redis --appendonly").isEqualTo("yes");
            return;
        }
        // Otherwise the setting must come from the config file given to redis-server.
        String configPath = args.stream()
                .filter(arg -> arg.endsWith(".conf"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("redis runs neither with --appendonly yes nor with a config file: " + args));
        Mount mount = mounts(redis).stream()
                .filter(m -> m.target().equals(configPath))
                .findFirst()
                .orElseThrow(() -> new AssertionError("redis config " + configPath + " is not mounted from the repository"));
        List<String> settings = readLines(Path.of(mount.source())).stream()
                .map(String::strip)
                .filter(line -> line.toLowerCase().startsWith("appendonly "))
                .toList();
        assertThat(settings).as("appendonly settings in %s", mount.source()).isNotEmpty();
        assertThat(settings.get(settings.size() - 1).split("\\s+")[1]).as("last appendonly setting").isEqualToIgnoringCase("yes");
    }

    @Test
    void stateLivesInNamedVolumes() {
        Set<String> declared = map(config.get("volumes")).keySet();
        assertNamedVolumeAt("mysql", "/var/lib/mysql", declared);
        assertNamedVolumeAt("redis", "/data", declared);
        assertNamedVolumeAt("ejabberd", "/opt/ejabberd/database", declared);
        assertThat(assertNamedVolumeAt("sp-service", "/var/lib/aero/keys", declared))
                .as("volume holding the CA key")
                .isEqualTo("keys");
    }

    // ------------------------------------------------------------------
    // Network exposure
    // ------------------------------------------------------------------

    @Test
    void onlyClientFacingPortsArePublishedOnAllInterfaces() {
        for (Map.Entry<String, Set<Integer>> entry : PUBLIC_PORTS.entrySet()) {
            List<Integer> published = ports(service(entry.getKey())).stream()
                    .filter(PublishedPort::allInterfaces)
                    .map(PublishedPort::target)
                    .toList();
            assertThat(published).as("%s ports clients must reach", entry.getKey()).containsAll(entry.getValue());
        }
        for (String name : map(config.get("services")).keySet()) {
            Set<Integer> allowed = PUBLIC_PORTS.getOrDefault(name, Set.of());
            for (PublishedPort port : ports(service(name))) {
                if (!allowed.contains(port.target())) {
                    assertThat(port.hostIp())
                            .as("%s port %d is internal and may be published on loopback only", name, port.target())
                            .isIn("127.0.0.1", "::1", "[::1]");
                }
            }
        }
        assertThat(ports(service("mysql"))).as("mysql published ports").isEmpty();
        assertThat(ports(service("redis"))).as("redis published ports").isEmpty();
    }

    @Test
    void ejabberdServesTheDeploymentDomainWithMucOnTheCSubdomain() {
        Map<String, Object> ejabberd = service("ejabberd");
        String image = string(ejabberd.get("image"));
        assertThat(image).as("ejabberd image").contains("ejabberd:");
        assertThat(image.substring(image.lastIndexOf(':') + 1)).as("ejabberd image tag is pinned").isNotEqualTo("latest");

        String domain = exampleEnv().get("AERO_DOMAIN");
        assertThat(map(ejabberd.get("environment"))).containsEntry("EJABBERD_MACRO_HOST", domain);

        Mount configMount = mounts(ejabberd).stream()
                .filter(m -> m.target().equals("/opt/ejabberd/conf/ejabberd.yml"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("ejabberd.yml is not mounted into the ejabberd container"));
        Path configFile = Path.of(configMount.source());
        assertThat(realPath(configFile)).isEqualTo(realPath(repoRoot.resolve("deploy/compose/ejabberd.yml")));

        Map<String, Object> ejabberdYml = yamlMap(readString(configFile));
        assertThat(list(ejabberdYml.get("hosts")).stream().map(String::valueOf).toList())
                .as("ejabberd hosts").containsExactly("HOST");
        assertThat(map(ejabberdYml.get("define_macro"))).as("ejabberd macros").containsKey("HOST");
        Map<String, Object> muc = map(map(ejabberdYml.get("modules")).get("mod_muc"));
        assertThat(string(muc.get("host"))).as("MUC service host").isEqualTo("c.@HOST@");
    }

    // ------------------------------------------------------------------
    // Secrets and the env file
    // ------------------------------------------------------------------

    @Test
    void secretsAreRequiredAndNeverWrittenIntoTheComposeFile() {
        String composeText = composeFileWithoutComments();

        Set<String> required = requiredIn(composeText);
        assertThat(required).contains("AERO_DEPLOYMENT_SECRET", "AERO_MYSQL_PASSWORD", "AERO_MYSQL_ROOT_PASSWORD");

        Matcher reference = INTERPOLATION.matcher(composeText);
        while (reference.find()) {
            String name = reference.group(1);
            if (isSecretName(name)) {
                // An optional secret (e.g. SMTP credentials) may default to empty, never to a value.
                boolean emptyDefault = reference.group().equals("${" + name + ":-}");
                assertThat(emptyDefault || ":?".equals(reference.group(2)))
                        .as("%s is a secret: every use must be ${%s:?message} or, when optional, ${%s:-}; never a default value",
                                name, name, name)
                        .isTrue();
            }
        }

        Pattern secretEntry = Pattern.compile("^\\s*-?\\s*([A-Za-z0-9_]*(?:PASSWORD|SECRET)[A-Za-z0-9_]*)\\s*[:=]\\s*(.+)$");
        for (String line : composeText.split("\n")) {
            Matcher entry = secretEntry.matcher(line);
            if (entry.matches()) {
                assertThat(entry.group(2))
                        .as("secret %s must come from the env file: %s", entry.group(1), line.strip())
                        .contains("${");
            }
        }
    }

    static Stream<String> requiredVariablesOfTheComposeFile() {
        return requiredIn(composeFileWithoutComments(findRepoRoot())).stream();
    }

    @ParameterizedTest(name = "without {0}")
    @MethodSource("requiredVariablesOfTheComposeFile")
    void configIsRejectedWhenARequiredVariableIsMissing(String variable) throws IOException {
        Path envFile = tempDir.resolve("missing.env");
        Files.write(envFile, exampleEnvLinesWithout(variable), StandardCharsets.UTF_8);

        ComposeCli.Result result = compose.config(envFile);

        assertThat(result.exitCode()).as("config without %s must fail:%n%s", variable, result.describe()).isNotZero();
        assertThat(result.stderr()).as("the error names the missing variable").contains(variable);
    }

    @Test
    void configIsRejectedWhenTheDeploymentSecretIsEmpty() throws IOException {
        List<String> lines = new ArrayList<>(exampleEnvLinesWithout("AERO_DEPLOYMENT_SECRET"));
        lines.add("AERO_DEPLOYMENT_SECRET=");
        Path envFile = tempDir.resolve("empty-secret.env");
        Files.write(envFile, lines, StandardCharsets.UTF_8);

        ComposeCli.Result result = compose.config(envFile);

        assertThat(result.exitCode()).as("config with an empty secret must fail:%n%s", result.describe()).isNotZero();
        assertThat(result.stderr()).contains("AERO_DEPLOYMENT_SECRET");
    }

    @Test
    void envExampleDocumentsEveryVariableTheComposeFileReads() {
        String composeText = composeFileWithoutComments();
        Set<String> used = new TreeSet<>();
        Matcher reference = INTERPOLATION.matcher(composeText);
        while (reference.find()) {
            used.add(reference.group(1));
        }
        Map<String, String> example = exampleEnv();
        assertThat(example.keySet()).as("variables in %s", ComposeCli.EXAMPLE_ENV_FILE).containsAll(used);

        List<String> lines = readLines(repoRoot.resolve(ComposeCli.EXAMPLE_ENV_FILE));
        String previous = "";
        for (String line : lines) {
            String stripped = line.strip();
            if (stripped.isEmpty()) {
                continue;
            }
            if (!stripped.startsWith("#")) {
                assertThat(previous).as("a comment explains %s", stripped).startsWith("#");
                String name = stripped.substring(0, stripped.indexOf('='));
                assertThat(used.contains(name) || name.startsWith("COMPOSE_"))
                        .as("%s in %s is read by the compose file", name, ComposeCli.EXAMPLE_ENV_FILE)
                        .isTrue();
            }
            previous = stripped;
        }
    }

    // ------------------------------------------------------------------
    // Helpers: rendered Compose model
    // ------------------------------------------------------------------

    private static Map<String, Object> service(String name) {
        Map<String, Object> services = map(config.get("services"));
        assertThat(services.keySet()).as("services in %s", ComposeCli.COMPOSE_FILE).contains(name);
        return map(services.get(name));
    }

    private static void assertHealthCheck(String name, Map<String, Object> service) {
        Map<String, Object> healthcheck = map(service.get("healthcheck"));
        assertThat(healthcheck).as("%s health check", name).isNotEmpty();
        assertThat(healthcheck.get("disable")).as("%s health check disabled", name).isNotEqualTo(Boolean.TRUE);
        assertThat(healthCommand(service)).as("%s health check command", name).isNotBlank();
    }

    /** The health check's test as one string ("CMD", "CMD-SHELL" and "NONE" included). */
    private static String healthCommand(Map<String, Object> service) {
        Object test = map(service.get("healthcheck")).get("test");
        if (test instanceof List<?> parts) {
            return String.join(" ", parts.stream().map(String::valueOf).toList());
        }
        return test == null ? "" : test.toString();
    }

    private static Map<String, Object> dependsOn(Map<String, Object> service) {
        Object value = service.get("depends_on");
        if (value instanceof List<?> names) { // short syntax: condition service_started
            Map<String, Object> result = new LinkedHashMap<>();
            names.forEach(n -> result.put(String.valueOf(n), Map.of("condition", "service_started")));
            return result;
        }
        return map(value);
    }

    private static List<String> commandArgs(Map<String, Object> service) {
        Object command = service.get("command");
        if (command instanceof List<?> parts) {
            return parts.stream().map(String::valueOf).toList();
        }
        return command == null ? List.of() : List.of(command.toString().trim().split("\\s+"));
    }

    record PublishedPort(String hostIp, Integer target) {
        boolean allInterfaces() {
            return hostIp == null || hostIp.isEmpty() || hostIp.equals("0.0.0.0") || hostIp.equals("::");
        }
    }

    /** Published ports, from either the short ("[ip:]published:target[/proto]") or the long syntax. */
    private static List<PublishedPort> ports(Map<String, Object> service) {
        List<PublishedPort> result = new ArrayList<>();
        for (Object entry : list(service.get("ports"))) {
            if (entry instanceof Map<?, ?> longForm) {
                Object hostIp = longForm.get("host_ip");
                result.add(new PublishedPort(hostIp == null ? null : hostIp.toString(),
                        Integer.valueOf(String.valueOf(longForm.get("target")))));
                continue;
            }
            String spec = String.valueOf(entry);
            int slash = spec.indexOf('/');
            if (slash >= 0) {
                spec = spec.substring(0, slash);
            }
            String hostIp = null;
            if (spec.startsWith("[")) {
                int close = spec.indexOf(']');
                hostIp = spec.substring(0, close + 1);
                spec = spec.substring(close + 2);
            }
            String[] parts = spec.split(":");
            if (parts.length == 3) {
                hostIp = parts[0];
            }
            result.add(new PublishedPort(hostIp, Integer.valueOf(parts[parts.length - 1])));
        }
        return result;
    }

    record Mount(String source, String target) {
    }

    /** Volume and bind mounts, from either "source:target[:mode]" or the long syntax. */
    private static List<Mount> mounts(Map<String, Object> service) {
        List<Mount> result = new ArrayList<>();
        for (Object entry : list(service.get("volumes"))) {
            if (entry instanceof Map<?, ?> longForm) {
                result.add(new Mount(String.valueOf(longForm.get("source")), String.valueOf(longForm.get("target"))));
                continue;
            }
            String[] parts = String.valueOf(entry).split(":");
            if (parts.length >= 2) {
                result.add(new Mount(parts[0], parts[1]));
            }
        }
        return result;
    }

    /** Asserts a named volume (declared at the top level) is mounted at target; returns its name. */
    private static String assertNamedVolumeAt(String serviceName, String target, Set<String> declared) {
        Mount mount = mounts(service(serviceName)).stream()
                .filter(m -> m.target().equals(target))
                .findFirst()
                .orElseThrow(() -> new AssertionError(serviceName + " mounts nothing at " + target));
        assertThat(declared).as("%s at %s must be a named volume", serviceName, target).contains(mount.source());
        return mount.source();
    }

    // ------------------------------------------------------------------
    // Helpers: files
    // ------------------------------------------------------------------

    /** server.port from the module's application.yml, when it is a plain number or ${VAR:number}. */
    private static Integer configuredServerPort(String module) {
        Path yml = repoRoot.resolve(module).resolve("src/main/resources/application.yml");
        if (!Files.isRegularFile(yml)) {
            return null;
        }
        Object port = map(yamlMap(readString(yml)).get("server")).get("port");
        if (port == null) {
            return null;
        }
        Matcher number = Pattern.compile("^(?:\\$\\{[^:}]+:)?(\\d+)}?$").matcher(port.toString().trim());
        return number.matches() ? Integer.valueOf(number.group(1)) : null;
    }

    private static String composeFileWithoutComments() {
        return composeFileWithoutComments(repoRoot);
    }

    /** The compose file without its comment lines (they may show ${VAR} syntax as an example). */
    private static String composeFileWithoutComments(Path root) {
        return String.join("\n", readLines(root.resolve(ComposeCli.COMPOSE_FILE)).stream()
                .filter(line -> !line.strip().startsWith("#"))
                .toList());
    }

    private static Set<String> requiredIn(String composeText) {
        Set<String> required = new TreeSet<>();
        Matcher reference = INTERPOLATION.matcher(composeText);
        while (reference.find()) {
            String operator = reference.group(2);
            if (operator != null && operator.endsWith("?")) {
                required.add(reference.group(1));
            }
        }
        return required;
    }

    private static boolean isSecretName(String name) {
        return name.contains("PASSWORD") || name.contains("SECRET");
    }

    private static Map<String, String> exampleEnv() {
        Map<String, String> values = new LinkedHashMap<>();
        for (String line : readLines(repoRoot.resolve(ComposeCli.EXAMPLE_ENV_FILE))) {
            String stripped = line.strip();
            int eq = stripped.indexOf('=');
            if (!stripped.isEmpty() && !stripped.startsWith("#") && eq > 0) {
                values.put(stripped.substring(0, eq), stripped.substring(eq + 1));
            }
        }
        return values;
    }

    private static List<String> exampleEnvLinesWithout(String variable) {
        return readLines(repoRoot.resolve(ComposeCli.EXAMPLE_ENV_FILE)).stream()
                .filter(line -> !line.strip().startsWith(variable + "="))
                .toList();
    }

    static Path findRepoRoot() {
        String fromEnv = System.getenv("AERO_REPO_ROOT");
        if (fromEnv != null && !fromEnv.isBlank() && Files.isRegularFile(Path.of(fromEnv, "mvnw"))) {
            return Path.of(fromEnv).toAbsolutePath().normalize();
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("mvnw")) && Files.isRegularFile(dir.resolve("pom.xml"))) {
                return dir;
            }
        }
        throw new IllegalStateException("cannot find the repository root (a directory holding mvnw) above "
                + Path.of("").toAbsolutePath() + "; set AERO_REPO_ROOT");
    }

    private static Path realPath(Path path) {
        try {
            return path.toRealPath();
        } catch (IOException e) {
            return path.toAbsolutePath().normalize();
        }
    }

    private static String readString(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> readLines(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ------------------------------------------------------------------
    // Helpers: loosely typed YAML
    // ------------------------------------------------------------------

    @SuppressWarnings("unchecked")
    private static Map<String, Object> yamlMap(String yaml) {
        Object value = YAML.readValue(yaml, Map.class);
        return value == null ? Map.of() : (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return value instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    private static List<?> list(Object value) {
        return value instanceof List<?> l ? l : List.of();
    }

    private static String string(Object value) {
        return value == null ? null : value.toString();
    }
}
