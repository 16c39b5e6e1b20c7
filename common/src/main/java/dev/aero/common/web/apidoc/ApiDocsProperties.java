package dev.aero.common.web.apidoc;

import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code aero.api-docs}: what a service's OpenAPI document says about itself. The version is
 * the platform's build version; the license is the project's.
 *
 * @param title       the API's name, e.g. "Aero SP API"
 * @param description Markdown shown above the operations
 * @param servers     where the API is reached by default, each with a description
 */
@ConfigurationProperties("aero.api-docs")
public record ApiDocsProperties(String title, String description, List<Server> servers) {

    public ApiDocsProperties {
        servers = servers == null ? List.of() : List.copyOf(servers);
    }

    public record Server(String url, String description) {
    }
}
