package dev.aero.console;

import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

import dev.aero.client.sp.SpClient;
import dev.aero.common.logging.RequestIds;
import dev.aero.common.web.RequestBodyLimitFilter;

@Configuration
public class ConsoleConfiguration {

    /** SP without a token; each page takes a copy with the signed-in admin's. Calls carry the page request's id. */
    @Bean
    SpClient sp(ConsoleProperties settings) {
        return SpClient.builder(settings.spUrl()).requestTimeout(settings.callTimeout().multipliedBy(2))
                .requestIds(RequestIds::current).build();
    }

    /** Forms are small: 64 KiB bounds any request body. */
    @Bean
    FilterRegistrationBean<RequestBodyLimitFilter> requestBodyLimit() {
        FilterRegistrationBean<RequestBodyLimitFilter> registration = new FilterRegistrationBean<>(new RequestBodyLimitFilter(64 * 1024));
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 10);
        return registration;
    }
}
