package dev.aero.common.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives a test class real backing services: a MySQL-compatible database with a fresh schema
 * for this class, and a Redis database index of its own, flushed before the class runs.
 *
 * <p>Plain JUnit tests take {@link TestDatabase} and {@link TestRedis} as parameters. In a
 * Spring test the application context is pointed at them ({@code spring.datasource.*},
 * {@code spring.data.redis.*}), and every test class gets a context of its own.
 *
 * <p>Where the services come from is decided once per JVM by {@link TestServices}: the servers
 * named by {@code AERO_TEST_*} environment variables (what {@code ./aero test} starts), else
 * Testcontainers when a Docker engine answers. When neither is there the class fails if
 * {@code CI=true} or {@code AERO_TEST_REQUIRE_SERVICES=true}, and is skipped otherwise.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(RealServicesExtension.class)
public @interface RealServices {

    /** A fresh MySQL-compatible schema for the class. */
    boolean mysql() default false;

    /** A Redis database index of the class's own. */
    boolean redis() default false;
}
