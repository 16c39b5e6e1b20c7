package dev.aero.common.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.junit.jupiter.api.Test;

import dev.aero.common.testing.RealServices;
import dev.aero.common.testing.TestDatabase;
import dev.aero.common.testing.TestRedis;

/** The harness hands out a real, fresh schema and an isolated Redis database. */
@RealServices(mysql = true, redis = true)
class RealServicesHarnessTest {

    @Test
    void schemaIsFreshAndTakesAFlywayMigration(TestDatabase db) throws Exception {
        try (Connection c = db.connect(); Statement s = c.createStatement();
                ResultSet tables = s.executeQuery("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()")) {
            tables.next();
            assertThat(tables.getInt(1)).isZero();
        }
        MigrateResult result = Flyway.configure()
                .dataSource(db.jdbcUrl(), db.username(), db.password())
                .locations("classpath:db/harness")
                .load()
                .migrate();
        assertThat(result.success).isTrue();
        assertThat(result.migrationsExecuted).isEqualTo(2);
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO harness_note (body) VALUES ('grüße 🚀')");
            try (ResultSet rs = s.executeQuery("SELECT body, kind FROM harness_note")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("grüße 🚀");
                assertThat(rs.getString(2)).isEqualTo("plain");
            }
            try (ResultSet rs = s.executeQuery("SELECT VERSION()")) {
                rs.next();
                assertThat(rs.getString(1)).isNotBlank();
            }
        }
    }

    @Test
    void sameClassGetsTheSameSchemaAndRedisIndex(TestDatabase a, TestDatabase b, TestRedis r1, TestRedis r2) {
        assertThat(a).isSameAs(b);
        assertThat(r1).isEqualTo(r2);
        assertThat(r1.database()).isBetween(1, 63);
        assertThat(a.name()).startsWith("t_").contains("realservicesharnesstest");
    }
}
