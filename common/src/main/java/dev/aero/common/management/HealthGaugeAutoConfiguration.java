package dev.aero.common.management;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.annotation.Bean;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Every service's health as a metric, {@code aero_health} (1 when UP, 0 otherwise, NaN before
 * the health endpoint exists), so that Prometheus alerts on a service that answers but is not
 * healthy (deploy/monitoring) without reading the actuator's JSON.
 */
@AutoConfiguration(afterName = "org.springframework.boot.health.autoconfigure.actuate.endpoint.HealthEndpointAutoConfiguration")
@ConditionalOnClass({ HealthEndpoint.class, MeterRegistry.class })
public class HealthGaugeAutoConfiguration {

    @Bean
    MeterBinder aeroHealthGauge(ObjectProvider<HealthEndpoint> health) {
        return meters -> Gauge.builder("aero.health", health, HealthGaugeAutoConfiguration::value)
                .description("1 when the service's health is UP, 0 otherwise").register(meters);
    }

    private static double value(ObjectProvider<HealthEndpoint> health) {
        HealthEndpoint endpoint = health.getIfAvailable();
        if (endpoint == null) {
            return Double.NaN;
        }
        try {
            return Status.UP.equals(endpoint.health().getStatus()) ? 1 : 0;
        } catch (RuntimeException e) {
            return 0;
        }
    }
}
