package dev.aero.common.testing;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.test.context.ContextConfigurationAttributes;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.ContextCustomizerFactory;
import org.springframework.test.context.MergedContextConfiguration;
import org.springframework.test.context.TestContextAnnotationUtils;

/**
 * Points the Spring context of a {@link RealServices} test class at that class's schema and
 * Redis index. The customizer is keyed by the test class, so each such class gets a context of
 * its own (a shared context would share a schema across classes).
 */
public final class RealServicesContextCustomizerFactory implements ContextCustomizerFactory {

    @Override
    public ContextCustomizer createContextCustomizer(Class<?> testClass, List<ContextConfigurationAttributes> configAttributes) {
        RealServices wanted = TestContextAnnotationUtils.findMergedAnnotation(testClass, RealServices.class);
        return wanted == null ? null : new Customizer(testClass, wanted.mysql(), wanted.redis());
    }

    private record Customizer(Class<?> testClass, boolean mysql, boolean redis) implements ContextCustomizer {

        @Override
        public void customizeContext(ConfigurableApplicationContext context, MergedContextConfiguration config) {
            ClassResources resources = TestServices.resourcesFor(testClass, mysql, redis);
            Map<String, Object> properties = new HashMap<>();
            if (mysql) {
                TestDatabase db = resources.database();
                properties.put("spring.datasource.url", db.jdbcUrl());
                properties.put("spring.datasource.username", db.username());
                properties.put("spring.datasource.password", db.password());
                properties.put("aero.test.database", db.name());
            }
            if (redis) {
                TestRedis r = resources.redis();
                properties.put("spring.data.redis.host", r.host());
                properties.put("spring.data.redis.port", r.port());
                properties.put("spring.data.redis.database", r.database());
                properties.put("aero.test.redis-database", r.database());
            }
            context.getEnvironment().getPropertySources().addFirst(new MapPropertySource("aeroRealServices", properties));
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Customizer other && other.testClass == testClass && other.mysql == mysql && other.redis == redis;
        }

        @Override
        public int hashCode() {
            return Objects.hash(testClass, mysql, redis);
        }
    }
}
