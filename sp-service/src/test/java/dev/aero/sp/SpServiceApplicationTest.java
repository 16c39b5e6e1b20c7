package dev.aero.sp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;

import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;

import dev.aero.common.testing.RedisBackedServiceContract;
import dev.aero.common.testing.RealServices;
import dev.aero.common.testing.TestDatabase;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealServices(mysql = true, redis = true)
class SpServiceApplicationTest extends RedisBackedServiceContract {

    @Override
    protected Set<String> backingServices() {
        return Set.of("db", "redis");
    }

    @Override
    protected ApiDocument apiDocument() {
        return new ApiDocument("/api/v1/openapi.json", "sp-service");
    }

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    Flyway flyway;

    @Test
    void databaseIsThisClassesFreshSchemaUnderFlyway(TestDatabase db) {
        assertThat(jdbc.queryForObject("SELECT DATABASE()", String.class)).isEqualTo(db.name());
        assertThat(flyway.info().pending()).isEmpty();
        assertThat(flyway.validateWithResult().validationSuccessful).isTrue();
    }
}
