package dev.aero.common.management;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Where every service's actuator lives, the same for all of them: on a management port of its
 * own ({@code management.server.port}, set by each service, {@code AERO_MANAGEMENT_PORT}),
 * bound to loopback unless {@code AERO_MANAGEMENT_ADDRESS} says otherwise (compose binds it on
 * the container's network, unpublished). Health with its components, info and Prometheus
 * metrics are served there only. The public port keeps {@code /livez} and {@code /readyz} for
 * load balancers: a status, no components, no details.
 *
 * <p>These are defaults: the service's own settings and the environment win.
 */
public class ManagementDefaults implements EnvironmentPostProcessor {

    static final String SOURCE = "aeroManagementDefaults";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        Map<String, Object> defaults = new LinkedHashMap<>();
        defaults.put("management.server.address", "${AERO_MANAGEMENT_ADDRESS:127.0.0.1}");
        defaults.put("management.metrics.tags.application", "${spring.application.name}");
        defaults.put("management.endpoints.web.exposure.include", "health,info,prometheus");
        defaults.put("management.endpoint.health.probes.enabled", "true");
        defaults.put("management.endpoint.health.probes.add-additional-paths", "true");
        defaults.put("management.endpoint.health.show-components", "always");
        defaults.put("management.endpoint.health.show-details", "never");
        defaults.put("management.endpoint.health.group.liveness.show-components", "never");
        defaults.put("management.endpoint.health.group.liveness.show-details", "never");
        defaults.put("management.endpoint.health.group.readiness.show-components", "never");
        defaults.put("management.endpoint.health.group.readiness.show-details", "never");
        // AERO_LOG_FORMAT=json: one JSON object per line (Elastic Common Schema), with the
        // request_id of the request being handled; anything else keeps Boot's text lines.
        if ("json".equalsIgnoreCase(environment.getProperty("AERO_LOG_FORMAT", "").strip())) {
            defaults.put("logging.structured.format.console", "ecs");
        }
        // Text lines name the request too.
        defaults.put("logging.pattern.correlation", "[%X{request_id:-}] ");
        environment.getPropertySources().addLast(new MapPropertySource(SOURCE, defaults));
    }
}
