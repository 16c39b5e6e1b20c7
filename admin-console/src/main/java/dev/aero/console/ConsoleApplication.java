package dev.aero.console;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

import dev.aero.common.web.ProblemWebAutoConfiguration;

/**
 * The admin console: server-rendered pages for an organization's admins. It keeps no data of
 * its own: the admin signs in with SP, SP's token lives in the server-side session, and every
 * action goes to SP as that admin. Presence, queues and service health are read from the other
 * services' APIs. Errors are pages here, not problem+json, so the platform's problem handling
 * is left out.
 */
@SpringBootApplication(exclude = ProblemWebAutoConfiguration.class)
@ConfigurationPropertiesScan
public class ConsoleApplication {

    public static void main(String[] args) {
        SpringApplication.run(ConsoleApplication.class, args);
    }
}
