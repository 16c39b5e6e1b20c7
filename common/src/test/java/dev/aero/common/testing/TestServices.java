package dev.aero.common.testing;

import java.io.IOException;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds the real MySQL-compatible server and Redis that tests use, once per JVM:
 * <ol>
 * <li>the servers named by the environment ({@code AERO_TEST_MYSQL_URL} with
 * {@code AERO_TEST_MYSQL_USER}/{@code AERO_TEST_MYSQL_PASSWORD}; {@code AERO_TEST_REDIS_URL}),
 * which {@code ./aero test} starts and exports; a named server that does not answer is an
 * error, never a skip;</li>
 * <li>otherwise containers (MySQL 8.4, Redis 7) started by Testcontainers when a Docker engine
 * answers;</li>
 * <li>otherwise none: {@link #required()} decides whether that fails the test or skips it.</li>
 * </ol>
 * It also hands out the per-test-class resources, so that a Spring context and the test's own
 * parameters see the same schema and Redis index.
 */
public final class TestServices {

    public static final String MYSQL_URL = "AERO_TEST_MYSQL_URL";
    public static final String MYSQL_USER = "AERO_TEST_MYSQL_USER";
    public static final String MYSQL_PASSWORD = "AERO_TEST_MYSQL_PASSWORD";
    public static final String REDIS_URL = "AERO_TEST_REDIS_URL";
    public static final String REQUIRE = "AERO_TEST_REQUIRE_SERVICES";

    /** Test schemas are named {@code t_<creation second, base 36>_<class>_<random>}. */
    static final String SCHEMA_PREFIX = "t_";
    /** Schemas a crashed run left behind are dropped once they are this old. */
    private static final Duration STALE_SCHEMA_AGE = Duration.ofHours(6);
    static final String JDBC_PARAMETERS = "sslMode=DISABLED&allowPublicKeyRetrieval=true&connectTimeout=5000"
            + "&characterEncoding=UTF-8&connectionCollation=utf8mb4_unicode_ci";

    public record MySqlServer(String baseUrl, String user, String password, String origin) {

        /** JDBC URL of one schema on this server. */
        public String jdbcUrl(String schema) {
            return baseUrl + schema + "?" + JDBC_PARAMETERS;
        }

        Connection connectAdmin() throws SQLException {
            return DriverManager.getConnection(baseUrl + "?" + JDBC_PARAMETERS, user, password);
        }
    }

    public record RedisServer(String host, int port, String origin) {
    }

    private static final Object LOCK = new Object();
    private static MySqlServer mysql;
    private static RuntimeException mysqlFailure;
    private static RedisServer redis;
    private static RuntimeException redisFailure;
    private static final Map<Class<?>, ClassResources> BY_CLASS = new ConcurrentHashMap<>();

    private TestServices() {
    }

    /** Whether a missing service must fail the run rather than skip the tests that need it. */
    public static boolean required() {
        return required(System.getenv());
    }

    static boolean required(Map<String, String> env) {
        return "true".equalsIgnoreCase(env.get("CI")) || "true".equalsIgnoreCase(env.get(REQUIRE));
    }

    public static MySqlServer mysql() {
        synchronized (LOCK) {
            if (mysql == null && mysqlFailure == null) {
                try {
                    mysql = findMySql(System.getenv());
                    dropStaleSchemas(mysql);
                } catch (RuntimeException e) {
                    mysqlFailure = e;
                }
            }
            if (mysqlFailure != null) {
                throw mysqlFailure;
            }
            return mysql;
        }
    }

    public static RedisServer redis() {
        synchronized (LOCK) {
            if (redis == null && redisFailure == null) {
                try {
                    redis = findRedis(System.getenv());
                } catch (RuntimeException e) {
                    redisFailure = e;
                }
            }
            if (redisFailure != null) {
                throw redisFailure;
            }
            return redis;
        }
    }

    /** The resources of one test class, created on first request. */
    static ClassResources resourcesFor(Class<?> testClass, boolean wantMySql, boolean wantRedis) {
        ClassResources resources = BY_CLASS.computeIfAbsent(testClass, ClassResources::new);
        if (wantMySql) {
            resources.database();
        }
        if (wantRedis) {
            resources.redis();
        }
        return resources;
    }

    static void release(Class<?> testClass) {
        ClassResources resources = BY_CLASS.remove(testClass);
        if (resources != null) {
            resources.close();
        }
    }

    static MySqlServer findMySql(Map<String, String> env) {
        String url = env.get(MYSQL_URL);
        if (url != null && !url.isBlank()) {
            String base = url.endsWith("/") ? url : url + "/";
            if (!base.startsWith("jdbc:mysql://")) {
                throw new ServiceUnavailableException(MYSQL_URL + " must look like jdbc:mysql://host:port/, got " + url);
            }
            MySqlServer server = new MySqlServer(base, env.getOrDefault(MYSQL_USER, "root"), env.getOrDefault(MYSQL_PASSWORD, ""), MYSQL_URL);
            try (Connection c = server.connectAdmin()) {
                c.isValid(5);
            } catch (SQLException e) {
                throw new ServiceUnavailableException("MySQL/MariaDB at " + url + " (from " + MYSQL_URL
                        + ") cannot be reached: " + e.getMessage() + ". Run ./aero deps to start it.", e);
            }
            return server;
        }
        if (Containers.dockerAvailable()) {
            return Containers.mysql();
        }
        throw new ServiceUnavailableException("No MySQL-compatible database for tests: set " + MYSQL_URL
                + " (./aero test starts MariaDB and sets it) or run a Docker engine for Testcontainers.");
    }

    static RedisServer findRedis(Map<String, String> env) {
        String url = env.get(REDIS_URL);
        if (url != null && !url.isBlank()) {
            URI uri;
            try {
                uri = URI.create(url);
            } catch (IllegalArgumentException e) {
                throw new ServiceUnavailableException(REDIS_URL + " must look like redis://host:port, got " + url);
            }
            if (!"redis".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new ServiceUnavailableException(REDIS_URL + " must look like redis://host:port, got " + url);
            }
            RedisServer server = new RedisServer(uri.getHost(), uri.getPort() > 0 ? uri.getPort() : 6379, REDIS_URL);
            try (RespConnection c = new RespConnection(server.host(), server.port(), 5000)) {
                Object pong = c.call("PING");
                if (!"PONG".equals(pong)) {
                    throw new IOException("PING answered " + pong);
                }
            } catch (IOException e) {
                throw new ServiceUnavailableException("Redis at " + url + " (from " + REDIS_URL
                        + ") cannot be reached: " + e.getMessage() + ". Run ./aero deps to start it.", e);
            }
            return server;
        }
        if (Containers.dockerAvailable()) {
            return Containers.redis();
        }
        throw new ServiceUnavailableException("No Redis for tests: set " + REDIS_URL
                + " (./aero test starts Redis and sets it) or run a Docker engine for Testcontainers.");
    }

    private static void dropStaleSchemas(MySqlServer server) {
        long cutoff = Instant.now().minus(STALE_SCHEMA_AGE).getEpochSecond();
        try (Connection c = server.connectAdmin(); Statement s = c.createStatement()) {
            List<String> stale = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 't\\_%'")) {
                while (rs.next()) {
                    String name = rs.getString(1);
                    Long created = TestDatabase.creationSecond(name);
                    if (created != null && created < cutoff) {
                        stale.add(name);
                    }
                }
            }
            for (String name : stale) {
                s.execute("DROP DATABASE IF EXISTS `" + name + "`");
            }
        } catch (SQLException e) {
            // Housekeeping only: a leftover schema costs disk, not correctness.
        }
    }

    /** Testcontainers, touched only when no server is named, so its classes load only then. */
    private static final class Containers {

        private static Boolean available;

        static boolean dockerAvailable() {
            if (available == null) {
                try {
                    Class.forName("org.testcontainers.DockerClientFactory");
                    available = org.testcontainers.DockerClientFactory.instance().isDockerAvailable();
                } catch (ClassNotFoundException | LinkageError e) {
                    available = false;
                } catch (RuntimeException e) {
                    available = false;
                }
            }
            return available;
        }

        @SuppressWarnings("resource") // lives for the JVM; Testcontainers reaps it
        static MySqlServer mysql() {
            var container = new org.testcontainers.mysql.MySQLContainer("mysql:8.4")
                    .withUsername("root")
                    .withPassword("aero-test")
                    .withCommand("--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci",
                            "--max-connections=500");
            container.start();
            return new MySqlServer("jdbc:mysql://" + container.getHost() + ":" + container.getMappedPort(3306) + "/",
                    "root", "aero-test", "Testcontainers mysql:8.4");
        }

        @SuppressWarnings("resource")
        static RedisServer redis() {
            var container = new org.testcontainers.containers.GenericContainer<>("redis:7")
                    .withCommand("redis-server", "--appendonly", "yes", "--databases", "64")
                    .withExposedPorts(6379);
            container.start();
            return new RedisServer(container.getHost(), container.getMappedPort(6379), "Testcontainers redis:7");
        }
    }
}
