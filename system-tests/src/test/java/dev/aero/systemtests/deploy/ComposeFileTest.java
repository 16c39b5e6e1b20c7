package dev.aero.systemtests.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aero.systemtests.deploy.ReactorPoms.Module;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
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
            "spring-boot-starter-data-jpa", "mariadb",
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

    /** The one-shot service that makes ejabberd's secrets, and the volumes it fills. */
    private static final String XMPP_INIT = "xmpp-init";
    private static final String XMPP_SECRETS = "xmpp-secrets";
    private static final String XMPP_TLS = "xmpp-tls";

    /** The services that read what xmpp-init makes. */
    private static final List<String> XMPP_INIT_DEPENDENTS = List.of("ejabberd", "sp-service", "xmpp-bridge");

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
            // Its module directory, whose .dockerignore lets in the Boot jar alone: each build
            // sends the engine one jar, not every module's.
            assertThat(realPath(context)).as("%s build context", app.name()).isEqualTo(realPath(repoRoot.resolve(app.name())));
            assertThat(readLines(context.resolve(".dockerignore"))).as("%s's .dockerignore", app.name())
                    .contains("*", "!target/" + app.name() + ".jar")
                    .allSatisfy(line -> assertThat(line.startsWith("!") ? line : "").as("what it lets in")
                            .isIn("", "!target/" + app.name() + ".jar"));
            assertThat(realPath(dockerfile(build)))
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
    void healthChecksProbeTheManagementPortOfEachService() {
        int checked = 0;
        for (Module app : ReactorPoms.bootApps(repoRoot)) {
            Integer port = configuredPort(app.name(), "management");
            assertThat(port).as("%s has a management port of its own (management.server.port in its application.yml)", app.name())
                    .isNotNull().isNotEqualTo(configuredPort(app.name(), "server"));
            assertThat(healthCommand(service(app.name())))
                    .as("%s serves actuator on %d (its application.yml)", app.name(), port)
                    .contains("127.0.0.1:" + port + "/actuator/health");
            checked++;
        }
        assertThat(checked).isPositive();
    }

    @Test
    void managementPortsAreNeverPublished() {
        for (Module app : ReactorPoms.bootApps(repoRoot)) {
            Map<String, Object> service = service(app.name());
            Integer management = configuredPort(app.name(), "management");
            assertThat(ports(service).stream().map(PublishedPort::target).toList())
                    .as("%s's published ports", app.name()).doesNotContain(management);
            assertThat(map(service.get("environment")).get("AERO_MANAGEMENT_ADDRESS"))
                    .as("%s's management port listens on the Compose network (for its health check and Prometheus)", app.name())
                    .isEqualTo("0.0.0.0");
        }
    }

    // ------------------------------------------------------------------
    // Datastores and volumes
    // ------------------------------------------------------------------

    @Test
    void mariadbIsBuiltFromDebianWithUtf8mb4() {
        Map<String, Object> mariadb = service("mariadb");
        Map<String, Object> build = map(mariadb.get("build"));
        assertThat(realPath(dockerfile(build)))
                .isEqualTo(realPath(repoRoot.resolve("deploy/images/mariadb/Dockerfile")));
        assertThat(string(map(build.get("args")).get("BASE_IMAGE"))).startsWith("debian:");
        String dockerfile = readString(repoRoot.resolve("deploy/images/mariadb/Dockerfile"));
        assertThat(dockerfile).contains("mariadb-server").contains("USER mysql");
        assertThat(readString(repoRoot.resolve("deploy/images/mariadb/entrypoint.sh")))
                .contains("--character-set-server=utf8mb4").contains("--skip-name-resolve");
        assertThat(map(mariadb.get("environment"))).containsEntry("MYSQL_DATABASE", "aero_sp");
        assertThat(healthCommand(mariadb)).contains("mariadb-admin ping");
    }

    @Test
    void everyImageBuiltHereStartsFromTheDebianBaseImage() {
        int built = 0;
        for (Map.Entry<String, Object> entry : map(config.get("services")).entrySet()) {
            Map<String, Object> build = map(map(entry.getValue()).get("build"));
            if (build.isEmpty()) {
                continue;
            }
            assertThat(string(map(build.get("args")).get("BASE_IMAGE"))).as("%s's base image", entry.getKey())
                    .isEqualTo("debian:trixie-slim");
            Path context = Path.of(string(build.get("context")));
            String dockerfile = readString(dockerfile(build));
            // A small context of its own: never the repository (every module's jars) again.
            assertThat(realPath(repoRoot).startsWith(realPath(context))).as("%s's build context %s", entry.getKey(), context)
                    .isFalse();
            Matcher copy = Pattern.compile("(?m)^COPY\\s+(\\S+)\\s").matcher(dockerfile);
            while (copy.find()) {
                String source = copy.group(1).replace("${MODULE}", String.valueOf(map(build.get("args")).get("MODULE")));
                assertThat(source).as("%s copies from inside its context", entry.getKey()).doesNotStartWith("/").doesNotContain("..");
                if (!source.startsWith("target/")) {
                    assertThat(context.resolve(source)).as("%s's %s (build output aside)", entry.getKey(), source).isRegularFile();
                }
            }
            assertThat(dockerfile).as("%s's Dockerfile", entry.getKey())
                    .contains("ARG BASE_IMAGE=debian:trixie-slim").contains("FROM ${BASE_IMAGE}")
                    .contains("/usr/share/doc/aero/packages.txt").contains("org.opencontainers.image.revision")
                    .containsPattern("(?m)^USER ").containsPattern("(?m)^HEALTHCHECK ");
            // A name of its own, the same in every compose project: a second project (the
            // end-to-end tests') reuses the images instead of leaving copies under its name.
            assertThat(string(map(entry.getValue()).get("image"))).as("%s's image name", entry.getKey()).startsWith("aero/")
                    .endsWith(":dev");
            built++;
        }
        assertThat(built).as("images built from this repository").isGreaterThanOrEqualTo(8);
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
        assertNamedVolumeAt("mariadb", "/var/lib/mysql", declared);
        assertNamedVolumeAt("redis", "/data", declared);
        assertNamedVolumeAt("ejabberd", "/var/lib/ejabberd", declared);
        assertThat(assertNamedVolumeAt(XMPP_INIT, "/var/lib/aero/xmpp-secrets", declared)).isEqualTo(XMPP_SECRETS);
        assertThat(assertNamedVolumeAt(XMPP_INIT, "/var/lib/aero/xmpp-tls", declared)).isEqualTo(XMPP_TLS);
        assertThat(assertNamedVolumeAt("sp-service", "/var/lib/aero/keys", declared))
                .as("volume holding the CA key")
                .isEqualTo("keys");
    }

    // ------------------------------------------------------------------
    // Profiles: monitoring and dev-mail
    // ------------------------------------------------------------------

    @Test
    void thePlatformRunsWithoutAProfileAndNeedsNoProfileService() {
        Map<String, Set<String>> profiled = new LinkedHashMap<>();
        for (Map.Entry<String, Object> entry : map(config.get("services")).entrySet()) {
            List<?> profiles = list(map(entry.getValue()).get("profiles"));
            if (!profiles.isEmpty()) {
                profiled.put(entry.getKey(), new TreeSet<>(profiles.stream().map(String::valueOf).toList()));
            }
        }
        assertThat(profiled).as("services that run only with a profile").isEqualTo(Map.of(
                "prometheus", Set.of("monitoring"), "grafana", Set.of("monitoring"), "mail", Set.of("dev-mail")));
        for (String name : map(config.get("services")).keySet()) {
            if (!profiled.containsKey(name)) {
                assertThat(dependsOn(service(name)).keySet()).as("%s starts without any profile, so it waits for no profile's service", name)
                        .doesNotContainAnyElementsOf(profiled.keySet());
            }
        }
    }

    @Test
    void prometheusIsBuiltFromDebianAndLoadsTheRepositoryConfigurationAndRules() {
        Map<String, Object> prometheus = service("prometheus");
        Map<String, Object> build = map(prometheus.get("build"));
        assertThat(realPath(dockerfile(build)))
                .isEqualTo(realPath(repoRoot.resolve("deploy/images/prometheus/Dockerfile")));
        assertThat(readString(repoRoot.resolve("deploy/images/prometheus/Dockerfile")))
                .containsPattern("apt-get install[^\\n]*\\bprometheus\\b").contains("USER prometheus");

        String configFile = flag(commandArgs(prometheus), "--config.file");
        Mount configMount = mountAt("prometheus", configFile);
        assertThat(realPath(Path.of(configMount.source()))).isEqualTo(realPath(repoRoot.resolve("deploy/monitoring/prometheus.yml")));
        assertThat(configMount.readOnly()).as("prometheus.yml is mounted read-only").isTrue();
        // rule_files are relative to the configuration file: each one's directory must be mounted beside it.
        Path configDir = Path.of(configFile).getParent();
        Map<String, Object> prometheusYml = yamlMap(readString(repoRoot.resolve("deploy/monitoring/prometheus.yml")));
        List<?> ruleFiles = list(prometheusYml.get("rule_files"));
        assertThat(ruleFiles).isNotEmpty();
        for (Object ruleFile : ruleFiles) {
            Path directory = Path.of(String.valueOf(ruleFile)).getParent();
            Mount rules = mountAt("prometheus", configDir.resolve(directory).toString());
            assertThat(realPath(Path.of(rules.source()))).as("%s", ruleFile)
                    .isEqualTo(realPath(repoRoot.resolve("deploy/monitoring").resolve(directory)));
            assertThat(rules.readOnly()).isTrue();
        }

        String storage = flag(commandArgs(prometheus), "--storage.tsdb.path");
        String volume = assertNamedVolumeAt("prometheus", "/var/lib/prometheus", map(config.get("volumes")).keySet());
        assertThat(storage).as("the time series are in the volume %s", volume).startsWith("/var/lib/prometheus/");
        assertThat(flag(commandArgs(prometheus), "--web.listen-address")).endsWith(":9090");
        assertThat(ports(prometheus)).as("Prometheus is published on this host only")
                .containsExactly(new PublishedPort("127.0.0.1", 9090, 9090));
        assertHealthCheck("prometheus", prometheus);
    }

    @Test
    void prometheusScrapesEveryServiceOnItsManagementPortByItsComposeName() {
        Map<String, Object> prometheusYml = yamlMap(readString(repoRoot.resolve("deploy/monitoring/prometheus.yml")));
        Set<String> targets = new TreeSet<>();
        for (Object job : list(prometheusYml.get("scrape_configs"))) {
            assertThat(string(map(job).get("metrics_path"))).isEqualTo("/actuator/prometheus");
            for (Object staticConfig : list(map(job).get("static_configs"))) {
                list(map(staticConfig).get("targets")).forEach(t -> targets.add(String.valueOf(t)));
            }
        }
        Set<String> expected = new TreeSet<>();
        for (Module app : ReactorPoms.bootApps(repoRoot)) {
            service(app.name());
            expected.add(app.name() + ":" + configuredPort(app.name(), "management"));
        }
        assertThat(targets).isEqualTo(expected);
    }

    @Test
    void grafanaIsPinnedProvisionedFromTheRepositoryAndRefusesAnEmptyAdminPassword() throws Exception {
        Map<String, Object> grafana = service("grafana");
        assertThat(string(grafana.get("image"))).as("Grafana's own image, pinned to a release")
                .matches("grafana/grafana(-oss)?:\\d+\\.\\d+\\.\\d+");
        assertThat(grafana.get("build")).as("nothing to build: Debian has no Grafana").isNull();

        Mount provisioning = mountAt("grafana", "/etc/grafana/provisioning");
        assertThat(realPath(Path.of(provisioning.source()))).isEqualTo(realPath(repoRoot.resolve("deploy/monitoring/grafana/provisioning")));
        Map<String, Object> dashboards = map(list(yamlMap(readString(
                repoRoot.resolve("deploy/monitoring/grafana/provisioning/dashboards/aero.yml"))).get("providers")).getFirst());
        Mount dashboardFiles = mountAt("grafana", string(map(dashboards.get("options")).get("path")));
        assertThat(realPath(Path.of(dashboardFiles.source()))).isEqualTo(realPath(repoRoot.resolve("deploy/monitoring/grafana/dashboards")));
        assertThat(List.of(provisioning.readOnly(), dashboardFiles.readOnly())).containsOnly(true);
        assertNamedVolumeAt("grafana", "/var/lib/grafana", map(config.get("volumes")).keySet());

        Map<String, Object> datasource = map(list(yamlMap(readString(
                repoRoot.resolve("deploy/monitoring/grafana/provisioning/datasources/prometheus.yml"))).get("datasources")).getFirst());
        assertThat(string(datasource.get("url"))).as("the data source is the profile's Prometheus")
                .isEqualTo("http://prometheus:" + flag(commandArgs(service("prometheus")), "--web.listen-address").replaceAll(".*:", ""));
        assertThat(string(map(dependsOn(grafana).get("prometheus")).get("condition"))).isEqualTo("service_healthy");
        assertThat(ports(grafana)).containsExactly(new PublishedPort("127.0.0.1", 3000, 3000));
        assertHealthCheck("grafana", grafana);

        assertThat(composeFileWithoutComments()).contains("GF_SECURITY_ADMIN_PASSWORD: ${AERO_GRAFANA_ADMIN_PASSWORD:-}");
        // `config` keeps the file's $$ escapes; the container gets a single $.
        List<String> entrypoint = list(grafana.get("entrypoint")).stream().map(e -> String.valueOf(e).replace("$$", "$")).toList();
        assertThat(entrypoint.subList(0, 2)).containsExactly("/bin/sh", "-c");
        assertThat(entrypoint.get(2)).endsWith("exec /run.sh \"$@\"");
        // The guard before Grafana's own entrypoint, run here: an empty password stops the start.
        ProcessBuilder guard = new ProcessBuilder("/bin/sh", "-c", entrypoint.get(2).replace("exec /run.sh", "exit 0; :"), "grafana")
                .redirectErrorStream(true);
        guard.environment().put("GF_SECURITY_ADMIN_PASSWORD", "");
        Process empty = guard.start();
        String said = new String(empty.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(empty.waitFor()).as("an empty admin password: %s", said).isNotZero();
        assertThat(said).contains("AERO_GRAFANA_ADMIN_PASSWORD");
        guard.environment().put("GF_SECURITY_ADMIN_PASSWORD", "a password");
        assertThat(guard.start().waitFor()).as("with a password Grafana starts").isZero();
    }

    @Test
    void devMailRunsGreenMailFetchedByTheBuildWhereSpsDefaultPortFindsIt() {
        Map<String, Object> mail = service("mail");
        Map<String, Object> build = map(mail.get("build"));
        Path dockerfilePath = dockerfile(build);
        assertThat(realPath(dockerfilePath)).isEqualTo(realPath(repoRoot.resolve("deploy/images/greenmail/Dockerfile")));
        String dockerfile = readString(dockerfilePath);

        // The jar: the reactor module next to the Dockerfile copies GreenMail's release to target/,
        // and the build context lets that one file in.
        assertThat(ReactorPoms.modules(repoRoot)).extracting(Module::name).contains("deploy/images/greenmail");
        String pom = readString(repoRoot.resolve("deploy/images/greenmail/pom.xml"));
        assertThat(pom).contains("<artifactId>greenmail-standalone</artifactId>").contains("<version>${greenmail.version}</version>")
                .contains("<destFileName>greenmail-standalone.jar</destFileName>");
        assertThat(dockerfile).contains("COPY target/greenmail-standalone.jar ");
        assertThat(readLines(dockerfilePath.resolveSibling(".dockerignore"))).contains("*", "!target/greenmail-standalone.jar");

        Matcher smtp = Pattern.compile("-Dgreenmail\\.smtp\\.port=(\\d+)").matcher(dockerfile);
        assertThat(smtp.find()).isTrue();
        int port = Integer.parseInt(smtp.group(1));
        assertThat(environment("sp-service").get("AERO_SMTP_PORT")).as("AERO_SMTP_HOST=mail is all SP needs").isEqualTo(String.valueOf(port));
        if (port < 1024) {
            assertThat(String.valueOf(map(mail.get("sysctls")).get("net.ipv4.ip_unprivileged_port_start")))
                    .as("an unprivileged GreenMail binds %d", port).isEqualTo("0");
        }
        assertThat(ports(mail)).extracting(PublishedPort::target).contains(port);
        assertThat(ports(mail)).extracting(PublishedPort::hostIp).containsOnly("127.0.0.1");
        assertThat(healthCommand(mail)).contains("/api/service/readiness");
    }

    @Test
    void spPassesEveryMailTransportSetting() {
        Map<String, String> sp = environment("sp-service");
        String applicationYml = readString(repoRoot.resolve("sp-service/src/main/resources/application.yml"));
        Matcher setting = Pattern.compile("\\$\\{(AERO_SMTP_[A-Z_]+):").matcher(applicationYml);
        Set<String> read = new TreeSet<>();
        while (setting.find()) {
            read.add(setting.group(1));
        }
        assertThat(read).contains("AERO_SMTP_STARTTLS", "AERO_SMTP_STARTTLS_REQUIRED", "AERO_SMTP_TLS");
        // The timeouts keep SP's defaults under compose.
        read.removeAll(Set.of("AERO_SMTP_CONNECT_TIMEOUT", "AERO_SMTP_TIMEOUT"));
        assertThat(sp.keySet()).containsAll(read);
        assertThat(sp).containsEntry("AERO_SMTP_STARTTLS", "true").containsEntry("AERO_SMTP_STARTTLS_REQUIRED", "auto")
                .containsEntry("AERO_SMTP_TLS", "false");
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
        assertThat(ports(service("mariadb"))).as("mariadb published ports").isEmpty();
        assertThat(ports(service("redis"))).as("redis published ports").isEmpty();
    }

    @Test
    void ejabberdServesTheDeploymentDomainWithMucOnTheCSubdomain() {
        Map<String, Object> ejabberd = service("ejabberd");
        Map<String, Object> build = map(ejabberd.get("build"));
        assertThat(realPath(dockerfile(build)))
                .as("ejabberd is built here from Debian's package").isEqualTo(realPath(repoRoot.resolve("deploy/images/ejabberd/Dockerfile")));

        String domain = exampleEnv().get("AERO_DOMAIN");
        assertThat(map(ejabberd.get("environment"))).containsEntry("EJABBERD_MACRO_HOST", domain);

        Mount configMount = mounts(ejabberd).stream()
                .filter(m -> m.target().equals("/etc/ejabberd/ejabberd.yml"))
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
    // XMPP: ejabberd, its secrets and xmpp-bridge
    // ------------------------------------------------------------------

    @Test
    void xmppInitMakesTheSecretsBeforeEveryServiceThatReadsThem() {
        Map<String, Object> init = service(XMPP_INIT);
        Map<String, Object> ejabberd = service("ejabberd");
        assertThat(string(init.get("image"))).as("xmpp-init uses the ejabberd image (it knows ejabberd's account)")
                .isEqualTo(string(ejabberd.get("image")));
        assertThat(string(init.get("restart"))).as("xmpp-init runs once").isIn("no", "false");
        assertThat(string(init.get("user"))).as("xmpp-init sets owners, as root").matches("0(:0)?|root");
        assertRunsTheXmppScript(XMPP_INIT, "init");
        assertThat(volumeMount(XMPP_INIT, XMPP_SECRETS).readOnly()).as("xmpp-init writes %s", XMPP_SECRETS).isFalse();
        assertThat(volumeMount(XMPP_INIT, XMPP_TLS).readOnly()).as("xmpp-init writes %s", XMPP_TLS).isFalse();

        for (String name : XMPP_INIT_DEPENDENTS) {
            Map<String, Object> dependsOn = dependsOn(service(name));
            assertThat(dependsOn).as("%s waits for %s", name, XMPP_INIT).containsKey(XMPP_INIT);
            assertThat(string(map(dependsOn.get(XMPP_INIT)).get("condition")))
                    .as("%s starts only once %s has finished without error", name, XMPP_INIT)
                    .isEqualTo("service_completed_successfully");
            assertThat(volumeMount(name, XMPP_SECRETS).readOnly()).as("%s mounts %s read-only", name, XMPP_SECRETS).isTrue();
        }
        assertThat(volumeMount("ejabberd", XMPP_TLS).readOnly()).as("ejabberd only reads its certificate").isTrue();
        assertThat(volumeMount("xmpp-bridge", XMPP_TLS).readOnly()).as("the bridge writes ejabberd's certificate").isFalse();
        assertThat(mounts(service("sp-service"))).as("sp-service has no business with ejabberd's certificate")
                .noneMatch(m -> m.source().equals(XMPP_TLS));
    }

    @Test
    void xmppFilesAreOwnedSoThatEachServiceReadsWhatItNeeds() {
        Map<String, String> initEnv = environment(XMPP_INIT);
        String ejabberdUser = string(service("ejabberd").get("user"));
        assertThat(ejabberdUser).as("ejabberd runs as an explicit uid:gid").matches("\\d+:\\d+");
        assertThat(initEnv.get("AERO_EJABBERD_USER")).as("the owner xmpp-init gives ejabberd's files").isEqualTo(ejabberdUser);
        assertThat(string(service("xmpp-bridge").get("user")))
                .as("the bridge writes ejabberd's certificate (mode 0600), so it runs as ejabberd's account")
                .isEqualTo(ejabberdUser);

        Matcher group = Pattern.compile("--gid\\s+(\\d+)\\s+aero\\b").matcher(readString(repoRoot.resolve("deploy/Dockerfile")));
        assertThat(group.find()).as("deploy/Dockerfile creates the group aero with a fixed gid").isTrue();
        assertThat(initEnv.get("AERO_PLATFORM_GID")).as("the group xmpp-init gives the token key: sp-service's")
                .isEqualTo(group.group(1));
        assertThat(service("sp-service").get("user")).as("sp-service runs as the image's aero account").isNull();
    }

    @Test
    void spServiceSignsTokensWithEjabberdsKeyAndNamesThePublishedPort() {
        String domain = exampleEnv().get("AERO_DOMAIN");
        Map<String, String> sp = environment("sp-service");
        Map<String, Object> ejabberdYml = composeEjabberdYml();

        String keyInVolume = pathInVolume("ejabberd", XMPP_SECRETS, string(ejabberdYml.get("jwt_key")));
        assertThat(pathInVolume("sp-service", XMPP_SECRETS, sp.get("AERO_SP_XMPP_JWT_KEY_FILE")))
                .as("SP signs with the file ejabberd's jwt_key names").isEqualTo(keyInVolume);
        assertThat(sp).containsEntry("AERO_XMPP_DOMAIN", domain).containsEntry("AERO_SP_XMPP_HOST", domain);
        PublishedPort c2s = ports(service("ejabberd")).stream()
                .filter(p -> p.target() == 5222)
                .findFirst()
                .orElseThrow(() -> new AssertionError("ejabberd does not publish 5222"));
        assertThat(sp.get("AERO_SP_XMPP_PORT")).as("the port devices are told: the one published on the host")
                .isEqualTo(String.valueOf(c2s.published()));
    }

    @Test
    void theBridgeGetsItsPasswordFileApiCertificateAndPeers() {
        String domain = exampleEnv().get("AERO_DOMAIN");
        Map<String, String> bridge = environment("xmpp-bridge");
        Map<String, String> ejabberd = environment("ejabberd");
        Map<String, Object> ejabberdYml = composeEjabberdYml();

        assertRunsTheXmppScript("xmpp-bridge", "bridge");
        assertThat(bridge).as("the password comes from the secrets volume, not from the environment")
                .doesNotContainKey("AERO_XMPP_BRIDGE_PASSWORD");
        assertThat(pathInVolume("xmpp-bridge", XMPP_SECRETS, bridge.get("AERO_XMPP_BRIDGE_PASSWORD_FILE")))
                .as("the bridge reads the password ejabberd registers its account with")
                .isEqualTo(pathInVolume("ejabberd", XMPP_SECRETS, ejabberd.get("AERO_XMPP_BRIDGE_PASSWORD_FILE")));
        assertThat(bridge.get("AERO_XMPP_BRIDGE_USER")).isEqualTo(ejabberd.get("AERO_XMPP_BRIDGE_USER"));
        assertThat(list(map(map(ejabberdYml.get("acl")).get("bridge")).get("user")).stream().map(String::valueOf).toList())
                .as("ejabberd.yml's ACL bridge names the account the bridge signs in with")
                .containsExactly(bridge.get("AERO_XMPP_BRIDGE_USER"));

        List<?> certfiles = list(ejabberdYml.get("certfiles"));
        assertThat(certfiles).as("ejabberd's certfiles").hasSize(1);
        assertThat(pathInVolume("xmpp-bridge", XMPP_TLS, bridge.get("AERO_XMPP_CERTIFICATE_FILE")))
                .as("the bridge keeps the certificate file ejabberd serves")
                .isEqualTo(pathInVolume("ejabberd", XMPP_TLS, String.valueOf(certfiles.getFirst())));

        assertThat(bridge).containsEntry("AERO_XMPP_DOMAIN", domain)
                .containsEntry("AERO_XMPP_HOST", "ejabberd")
                .containsEntry("AERO_XMPP_PORT", "5222")
                .containsEntry("AERO_SP_URL", "http://sp-service:8080")
                .containsEntry("AERO_DEVMAN_URL", "http://devman:8701");
        assertThat(environment("ejabberd")).containsEntry("AERO_XMPP_DOMAIN", domain).containsEntry("EJABBERD_MACRO_HOST", domain);

        Matcher api = Pattern.compile("http://ejabberd:(\\d+)/api").matcher(bridge.get("AERO_XMPP_API_URL"));
        assertThat(api.matches()).as("the bridge reaches ejabberd's API by name: %s", bridge.get("AERO_XMPP_API_URL")).isTrue();
        Map<String, Object> apiListener = listener(ejabberdYml, "ejabberd_http");
        assertThat(string(apiListener.get("port"))).as("ejabberd's API listener").isEqualTo(api.group(1));
        assertThat(string(map(apiListener.get("request_handlers")).get("/api"))).isEqualTo("mod_http_api");

        String verkehrSsmp = bridge.get("AERO_VERKEHR_SSMP");
        assertThat(verkehrSsmp).as("verkehr's SSMP listener").endsWith(":29438");
        String verkehrHost = verkehrSsmp.substring(0, verkehrSsmp.lastIndexOf(':'));
        assertThat(List.of(environment("verkehr-push").get("AERO_VERKEHR_TLS_HOSTNAMES").split(",")))
                .as("verkehr's certificate names the host the bridge connects to").contains(verkehrHost);

        Map<String, Object> dependsOn = dependsOn(service("xmpp-bridge"));
        for (String peer : List.of("ejabberd", "sp-service", "verkehr-push")) {
            assertThat(string(map(dependsOn.get(peer)).get("condition"))).as("the bridge waits for %s", peer)
                    .isEqualTo("service_healthy");
        }
    }

    @Test
    void ejabberdPublishesOnlyTheClientPortAndIsHealthyOnceTheBridgeHasItsAccount() {
        Map<String, Object> ejabberd = service("ejabberd");
        assertThat(ports(ejabberd).stream().map(PublishedPort::target).toList())
                .as("ejabberd's published ports: the admin API stays on the Compose network")
                .containsExactly(5222);
        assertRunsTheXmppScript("ejabberd", "ejabberd");
        assertThat(readString(repoRoot.resolve(XmppScript.SCRIPT)))
                .as("the script's ready file is what the health check waits for")
                .contains("ACCOUNT_READY=${AERO_XMPP_ACCOUNT_READY:-/tmp/aero-bridge-account}");
        assertThat(healthCommand(ejabberd)).contains("test -f /tmp/aero-bridge-account").contains("/dev/tcp/127.0.0.1/5222")
                .contains("/dev/tcp/127.0.0.1/5280").doesNotContain("ejabberdctl");
    }

    @Test
    void composeEjabberdRequiresTlsAndTokensAndLetsOnlyTheBridgeMakeRooms() {
        Map<String, Object> yml = composeEjabberdYml();

        Map<String, Object> c2s = listener(yml, "ejabberd_c2s");
        assertThat(c2s.get("starttls_required")).as("STARTTLS required on c2s").isEqualTo(true);
        assertThat(string(c2s.get("port"))).isEqualTo("5222");

        assertThat(list(yml.get("auth_method")).stream().map(String::valueOf).toList())
                .as("auth_method").containsExactlyInAnyOrder("jwt", "internal");
        String jwtOnly = string(yml.get("jwt_auth_only_rule"));
        assertThat(jwtOnly).as("jwt_auth_only_rule").isNotBlank();
        Map<String, Object> accessRules = map(yml.get("access_rules"));
        assertThat(new ArrayList<>(map(accessRules.get(jwtOnly)).entrySet()).stream().map(Object::toString).toList())
                .as("only the bridge may sign in without a token")
                .containsExactly("deny=bridge", "allow=all");

        Map<String, Object> muc = map(map(yml.get("modules")).get("mod_muc"));
        for (String option : List.of("access_create", "access_persistent", "access_admin")) {
            String rule = string(muc.get(option));
            assertThat(map(accessRules.get(rule))).as("mod_muc %s (rule %s): the bridge only", option, rule)
                    .isEqualTo(Map.of("allow", "bridge"));
        }
        assertThat(string(muc.get("history_size"))).as("rooms keep no history").isEqualTo("0");
        Map<String, Object> roomOptions = map(muc.get("default_room_options"));
        assertThat(roomOptions.get("members_only")).as("rooms are members-only").isEqualTo(true);
        assertThat(roomOptions.get("persistent")).as("rooms are persistent").isEqualTo(true);
        assertThat(roomOptions.get("public")).as("rooms are not public").isEqualTo(false);

        assertThat(map(accessRules.get("register"))).as("in-band registration").isEqualTo(Map.of("deny", "all"));
        assertThat(map(yml.get("modules"))).as("modules").doesNotContainKeys("mod_register", "mod_offline");
        assertThat(string(yml.get("s2s_access"))).as("no federation").isEqualTo("none");

        Map<String, Object> apiEntry = map(yml.get("api_permissions")).values().stream()
                .map(ComposeFileTest::map)
                .filter(entry -> list(entry.get("from")).contains("mod_http_api") || "mod_http_api".equals(string(entry.get("from"))))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no api_permissions entry for mod_http_api"));
        assertThat(apiEntry.get("who")).as("the API answers the bridge's account only")
                .isEqualTo(Map.of("access", Map.of("allow", List.of(Map.of("acl", "bridge")))));
    }

    @Test
    void composeEjabberdKeepsTheNativePolicy() {
        Map<String, Object> compose = composeEjabberdYml();
        // The native template with its placeholders filled in with anything.
        Map<String, Object> nativeYml = yamlMap(readString(repoRoot.resolve("deploy/native/ejabberd.yml.in"))
                .replaceAll("\\{\\{[A-Z_]+}}", "1"));

        for (String key : List.of("c2s_protocol_options", "s2s_access", "auth_method", "auth_password_format", "jwt_jid_field",
                "jwt_auth_only_rule", "disable_sasl_mechanisms", "access_rules", "api_permissions")) {
            assertThat(compose.get(key)).as("%s as in deploy/native/ejabberd.yml.in", key).isEqualTo(nativeYml.get(key));
        }
        // Shaping: how much a device may send is a tuning knob (native sets it per node); that
        // the bridge is never shaped, and the session limit, are policy.
        Map<String, Object> shaperRules = map(compose.get("shaper_rules"));
        assertThat(shaperRules.get("max_user_sessions")).isEqualTo(map(nativeYml.get("shaper_rules")).get("max_user_sessions"));
        assertThat(map(shaperRules.get("c2s_shaper"))).as("the bridge's traffic is not shaped").containsEntry("none", "bridge");
        Map<String, Object> composeModules = new LinkedHashMap<>(map(compose.get("modules")));
        assertThat(composeModules.remove("mod_admin_extra")).as("mod_admin_extra: ejabberdctl keeps the bridge's account").isNotNull();
        // The one option the two releases spell differently: no private messages between occupants
        // is allow_private_messages: false to the native node's ejabberd (Debian bookworm's 23.01)
        // and allowpm: none to the image's (Debian trixie's 24.12), which knows only the latter.
        Map<String, Object> composeMuc = new LinkedHashMap<>(map(composeModules.get("mod_muc")));
        Map<String, Object> composeRooms = new LinkedHashMap<>(map(composeMuc.get("default_room_options")));
        assertThat(composeRooms.remove("allowpm")).as("compose: no private messages in rooms").isEqualTo("none");
        composeRooms.put("allow_private_messages", false);
        composeMuc.put("default_room_options", composeRooms);
        composeModules.put("mod_muc", composeMuc);
        assertThat(composeModules).as("modules as native (besides mod_admin_extra)").isEqualTo(nativeYml.get("modules"));
        for (String module : List.of("ejabberd_c2s", "ejabberd_http")) {
            Map<String, Object> mine = new LinkedHashMap<>(listener(compose, module));
            Map<String, Object> theirs = new LinkedHashMap<>(listener(nativeYml, module));
            for (Map<String, Object> l : List.of(mine, theirs)) {
                l.remove("port");
                l.remove("ip");
            }
            assertThat(mine).as("%s listener as native, but for its port and address", module).isEqualTo(theirs);
        }
    }

    @Test
    void noKeyPasswordOrCertificateIsWrittenIntoTheDeployFiles() throws IOException {
        Pattern jwkValue = Pattern.compile("\"k\"\\s*:\\s*\"[A-Za-z0-9_-]{16,}\"");
        Pattern privateKey = Pattern.compile("-----BEGIN [A-Z ]*PRIVATE KEY-----");
        Pattern hexSecret = Pattern.compile("\\b[0-9a-f]{32,}\\b");
        List<Path> files = new ArrayList<>(List.of(repoRoot.resolve(ComposeCli.COMPOSE_FILE), repoRoot.resolve(ComposeCli.EXAMPLE_ENV_FILE)));
        try (Stream<Path> composeDir = Files.list(repoRoot.resolve("deploy/compose"))) {
            composeDir.filter(Files::isRegularFile).forEach(files::add);
        }
        for (Path file : files) {
            String text = readString(file);
            assertThat(jwkValue.matcher(text).find()).as("%s holds a JWK key value", file).isFalse();
            assertThat(privateKey.matcher(text).find()).as("%s holds a private key", file).isFalse();
            assertThat(hexSecret.matcher(text).find()).as("%s holds a long hex string (a password?)", file).isFalse();
        }
    }

    @Test
    void xmppInitMakesTheKeyPasswordAndBootstrapCertificateOnceWithTightModes() throws IOException {
        Path secrets = tempDir.resolve("xmpp-secrets");
        Path tls = tempDir.resolve("xmpp-tls");
        Map<String, String> env = new LinkedHashMap<>(environment(XMPP_INIT));
        env.put("AERO_XMPP_SECRETS_DIR", secrets.toString());
        env.put("AERO_XMPP_TLS_DIR", tls.toString());
        // Where no openssl is installed the script falls back to the image's own certificate.
        Path imageCertificate = tempDir.resolve("image-server.pem");
        Files.writeString(imageCertificate, "-----BEGIN CERTIFICATE-----\nimage\n-----END CERTIFICATE-----\n");
        env.put("AERO_EJABBERD_IMAGE_CERTIFICATE", imageCertificate.toString());
        XmppScript script = new XmppScript(repoRoot, env);

        ComposeCli.Result first = script.run("init");
        assertThat(first.exitCode()).as("xmpp.sh init:%n%s", first.describe()).isZero();

        Path key = secrets.resolve("jwt.jwk");
        Path password = secrets.resolve("bridge.password");
        Path certificate = tls.resolve("server.pem");
        byte[] secret = jwkSecret(key);
        assertThat(secret).as("HS256 key bytes").hasSize(32);
        assertThat(Files.readString(password).strip()).as("the bridge's password").matches("[0-9a-f]{48}");
        String pem = Files.readString(certificate);
        assertThat(pem).contains("-----BEGIN CERTIFICATE-----");
        if (!pem.contains("image")) {
            assertThat(pem).as("a bootstrap certificate made here carries its key").containsPattern("-----BEGIN [A-Z ]*PRIVATE KEY-----");
        }
        assertThat(mode(secrets)).as("secrets directory").isEqualTo("rwxr-x---");
        assertThat(mode(key)).as("token key: ejabberd's account, and the aero group for SP").isEqualTo("rw-r-----");
        assertThat(mode(password)).isEqualTo("rw-------");
        assertThat(mode(tls)).as("certificate directory").isEqualTo("rwx------");
        assertThat(mode(certificate)).isEqualTo("rw-------");

        // A later start changes nothing; the bridge's certificate, once written, is left alone.
        Files.writeString(certificate, "the bridge's certificate\n");
        String keyBefore = Files.readString(key);
        String passwordBefore = Files.readString(password);
        ComposeCli.Result second = script.run("init");
        assertThat(second.exitCode()).as("xmpp.sh init again:%n%s", second.describe()).isZero();
        assertThat(Files.readString(key)).isEqualTo(keyBefore);
        assertThat(Files.readString(password)).isEqualTo(passwordBefore);
        assertThat(Files.readString(certificate)).isEqualTo("the bridge's certificate\n");
        assertThat(mode(certificate)).isEqualTo("rw-------");

        // Rotation: a new key, the same form and mode; nothing else changes.
        ComposeCli.Result rotated = script.run("rotate-jwt-key");
        assertThat(rotated.exitCode()).as("xmpp.sh rotate-jwt-key:%n%s", rotated.describe()).isZero();
        assertThat(jwkSecret(key)).hasSize(32).isNotEqualTo(secret);
        assertThat(mode(key)).isEqualTo("rw-r-----");
        assertThat(Files.readString(password)).isEqualTo(passwordBefore);
        try (Stream<Path> left = Files.list(secrets)) {
            assertThat(left.map(p -> p.getFileName().toString()).toList()).as("no temporary file left behind")
                    .containsExactlyInAnyOrder("jwt.jwk", "bridge.password");
        }
    }

    @Test
    void xmppInitRefusesToRunWithoutTheOwnersItIsToSet() {
        Map<String, String> env = new LinkedHashMap<>(environment(XMPP_INIT));
        env.remove("AERO_PLATFORM_GID");
        env.put("AERO_XMPP_SECRETS_DIR", tempDir.resolve("s").toString());
        env.put("AERO_XMPP_TLS_DIR", tempDir.resolve("t").toString());
        ComposeCli.Result result = new XmppScript(repoRoot, env).run("init");
        assertThat(result.exitCode()).as("init without AERO_PLATFORM_GID:%n%s", result.describe()).isNotZero();
        assertThat(result.stderr()).contains("AERO_PLATFORM_GID");
        assertThat(tempDir.resolve("s")).doesNotExist();
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
            if (entry.matches() && entry.group(1).endsWith("_FILE")) {
                // A file holding the secret (made on the first start), never the secret itself.
                assertThat(entry.group(2).strip())
                        .as("%s names a file in a volume: %s", entry.group(1), line.strip())
                        .matches("/[A-Za-z0-9_./-]+");
            } else if (entry.matches()) {
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

    /** The service's environment, as strings. */
    private static Map<String, String> environment(String name) {
        Map<String, String> result = new LinkedHashMap<>();
        Object value = service(name).get("environment");
        if (value instanceof List<?> entries) { // "NAME=value" list syntax
            for (Object entry : entries) {
                String text = String.valueOf(entry);
                int eq = text.indexOf('=');
                result.put(eq < 0 ? text : text.substring(0, eq), eq < 0 ? "" : text.substring(eq + 1));
            }
            return result;
        }
        map(value).forEach((key, v) -> result.put(key, v == null ? "" : String.valueOf(v)));
        return result;
    }

    /** Asserts the service runs deploy/compose/xmpp.sh (mounted from the repository) with the command. */
    private static void assertRunsTheXmppScript(String name, String command) {
        Map<String, Object> service = service(name);
        List<String> entrypoint = list(service.get("entrypoint")).stream().map(String::valueOf).toList();
        assertThat(entrypoint).as("%s entrypoint", name).hasSize(2);
        assertThat(entrypoint.getFirst()).as("%s runs the script with sh", name).isEqualTo("/bin/sh");
        Mount script = mounts(service).stream()
                .filter(m -> m.target().equals(entrypoint.get(1)))
                .findFirst()
                .orElseThrow(() -> new AssertionError(name + " does not mount " + entrypoint.get(1)));
        assertThat(realPath(Path.of(script.source()))).as("%s script", name).isEqualTo(realPath(repoRoot.resolve(XmppScript.SCRIPT)));
        assertThat(script.readOnly()).as("%s mounts the script read-only", name).isTrue();
        assertThat(commandArgs(service)).as("%s command", name).containsExactly(command);
    }

    private static Map<String, Object> composeEjabberdYml() {
        return yamlMap(readString(repoRoot.resolve("deploy/compose/ejabberd.yml")));
    }

    /** The one listener of an ejabberd configuration with the module. */
    private static Map<String, Object> listener(Map<String, Object> ejabberdYml, String module) {
        List<Map<String, Object>> found = list(ejabberdYml.get("listen")).stream()
                .map(ComposeFileTest::map)
                .filter(l -> module.equals(string(l.get("module"))))
                .toList();
        assertThat(found).as("%s listeners", module).hasSize(1);
        return found.getFirst();
    }

    /** The secret of a JWK file ({"kty":"oct","k":"<base64url>"}). */
    private static byte[] jwkSecret(Path file) {
        Map<String, Object> jwk = yamlMap(readString(file));
        assertThat(jwk).as("%s", file).containsEntry("kty", "oct").containsEntry("use", "sig");
        String k = string(jwk.get("k"));
        assertThat(k).as("k is base64url without padding").matches("[A-Za-z0-9_-]+");
        return Base64.getUrlDecoder().decode(k);
    }

    private static String mode(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
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

    record PublishedPort(String hostIp, Integer published, Integer target) {
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
                        number(longForm.get("published")), Integer.valueOf(String.valueOf(longForm.get("target")))));
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
            result.add(new PublishedPort(hostIp, parts.length >= 2 ? number(parts[parts.length - 2]) : null,
                    Integer.valueOf(parts[parts.length - 1])));
        }
        return result;
    }

    /** A port number, or null when it is absent or not one number (a range, say). */
    private static Integer number(Object value) {
        String text = value == null ? "" : String.valueOf(value).strip();
        return text.matches("\\d+") ? Integer.valueOf(text) : null;
    }

    record Mount(String source, String target, boolean readOnly) {
    }

    /** Volume and bind mounts, from either "source:target[:mode]" or the long syntax. */
    private static List<Mount> mounts(Map<String, Object> service) {
        List<Mount> result = new ArrayList<>();
        for (Object entry : list(service.get("volumes"))) {
            if (entry instanceof Map<?, ?> longForm) {
                result.add(new Mount(String.valueOf(longForm.get("source")), String.valueOf(longForm.get("target")),
                        Boolean.TRUE.equals(longForm.get("read_only")) || "true".equals(String.valueOf(longForm.get("read_only")))));
                continue;
            }
            String[] parts = String.valueOf(entry).split(":");
            if (parts.length >= 2) {
                boolean readOnly = parts.length >= 3 && List.of(parts[2].split(",")).contains("ro");
                result.add(new Mount(parts[0], parts[1], readOnly));
            }
        }
        return result;
    }

    /** The service's mount at target; fails when it has none. */
    private static Mount mountAt(String serviceName, String target) {
        return mounts(service(serviceName)).stream()
                .filter(m -> m.target().equals(target))
                .findFirst()
                .orElseThrow(() -> new AssertionError(serviceName + " mounts nothing at " + target));
    }

    /** The value of a {@code --name=value} argument; fails when there is none. */
    private static String flag(List<String> args, String name) {
        return args.stream()
                .filter(arg -> arg.startsWith(name + "="))
                .map(arg -> arg.substring(name.length() + 1))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + name + " in " + args));
    }

    /** The service's mount of the named volume; fails when it has none. */
    private static Mount volumeMount(String serviceName, String volume) {
        return mounts(service(serviceName)).stream()
                .filter(m -> m.source().equals(volume))
                .findFirst()
                .orElseThrow(() -> new AssertionError(serviceName + " does not mount the volume " + volume));
    }

    /** The path of {@code file} inside the volume the service mounts at a directory above it. */
    private static String pathInVolume(String serviceName, String volume, String file) {
        Mount mount = volumeMount(serviceName, volume);
        String prefix = mount.target().endsWith("/") ? mount.target() : mount.target() + "/";
        assertThat(file).as("%s: %s must be in the volume %s (mounted at %s)", serviceName, file, volume, mount.target())
                .startsWith(prefix);
        return file.substring(prefix.length());
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
    /** {@code server.port} ("server") or {@code management.server.port} ("management") in the module's application.yml. */
    private static Integer configuredPort(String module, String which) {
        Path yml = repoRoot.resolve(module).resolve("src/main/resources/application.yml");
        if (!Files.isRegularFile(yml)) {
            return null;
        }
        Map<String, Object> root = yamlMap(readString(yml));
        Map<String, Object> server = which.equals("server") ? map(root.get("server")) : map(map(root.get("management")).get("server"));
        Object port = server.get("port");
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

    /** A build's Dockerfile: its {@code dockerfile} from its context, {@code Dockerfile} there by default. */
    private static Path dockerfile(Map<String, Object> build) {
        Object dockerfile = build.get("dockerfile");
        return Path.of(string(build.get("context"))).resolve(dockerfile == null ? "Dockerfile" : string(dockerfile));
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
