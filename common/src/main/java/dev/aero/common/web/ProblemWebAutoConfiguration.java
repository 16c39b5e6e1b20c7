package dev.aero.common.web;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.web.servlet.DispatcherServlet;

/**
 * The error handling and identifier binding every Boot app of the platform shares. Runs before
 * Boot's error auto-configuration so that its error controller is the one in force.
 */
@AutoConfiguration(beforeName = {
        "org.springframework.boot.webmvc.autoconfigure.error.ErrorMvcAutoConfiguration",
        "org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration" })
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(DispatcherServlet.class)
public class ProblemWebAutoConfiguration {

    @Bean
    ProblemExceptionHandler aeroProblemExceptionHandler() {
        return new ProblemExceptionHandler();
    }

    @Bean
    ProblemErrorController aeroProblemErrorController() {
        return new ProblemErrorController();
    }

    @Bean
    IdentifierConverters aeroIdentifierConverters() {
        return new IdentifierConverters();
    }
}
