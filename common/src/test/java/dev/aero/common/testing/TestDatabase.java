package dev.aero.common.testing;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Locale;

/**
 * A fresh, empty schema on the test MySQL-compatible server, created for one test class and
 * dropped after it. Its name carries its creation time so that schemas a crashed run left
 * behind can be recognised and dropped later.
 */
public final class TestDatabase implements AutoCloseable {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int MAX_LABEL = 32;

    private final TestServices.MySqlServer server;
    private final String name;

    private TestDatabase(TestServices.MySqlServer server, String name) {
        this.server = server;
        this.name = name;
    }

    static TestDatabase create(TestServices.MySqlServer server, String label) {
        String name = TestServices.SCHEMA_PREFIX + Long.toString(Instant.now().getEpochSecond(), 36)
                + "_" + sanitize(label) + "_" + HexFormat.of().formatHex(randomBytes());
        try (Connection c = server.connectAdmin(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
        } catch (SQLException e) {
            throw new ServiceUnavailableException("cannot create test schema " + name + " on " + server.origin()
                    + ": " + e.getMessage(), e);
        }
        return new TestDatabase(server, name);
    }

    public String name() {
        return name;
    }

    public String jdbcUrl() {
        return server.jdbcUrl(name);
    }

    public String username() {
        return server.user();
    }

    public String password() {
        return server.password();
    }

    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), username(), password());
    }

    /** Drops the schema. */
    @Override
    public void close() {
        try (Connection c = server.connectAdmin(); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS `" + name + "`");
        } catch (SQLException e) {
            // Left for the stale-schema sweep of a later run.
        }
    }

    @Override
    public String toString() {
        return "TestDatabase[" + name + " on " + server.origin() + "]";
    }

    /** The creation time encoded in a test schema's name, or null if it is not one of ours. */
    static Long creationSecond(String schema) {
        if (!schema.startsWith(TestServices.SCHEMA_PREFIX)) {
            return null;
        }
        int end = schema.indexOf('_', TestServices.SCHEMA_PREFIX.length());
        if (end < 0) {
            return null;
        }
        try {
            return Long.parseLong(schema.substring(TestServices.SCHEMA_PREFIX.length(), end), 36);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static byte[] randomBytes() {
        byte[] bytes = new byte[4];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    private static String sanitize(String label) {
        String s = label.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "");
        return s.isEmpty() ? "test" : s.substring(0, Math.min(s.length(), MAX_LABEL));
    }
}
