package dev.aero.commands.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.ApplicationContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.aero.common.testing.RealServices;

/** {@link EnqueueContractTest} without the fast path: every request through Spring MVC. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealServices(redis = true)
class SpringMvcEnqueueContractTest extends EnqueueContractTest {

    @DynamicPropertySource
    static void settings(DynamicPropertyRegistry registry) {
        common(registry);
        registry.add("aero.commands.fast-path", () -> false);
    }

    @Autowired
    ApplicationContext context;

    @Test
    void theFilterIsNotInstalled() {
        assertThat(context.getBeansOfType(FilterRegistrationBean.class).values()).noneMatch(r -> r.getFilter() instanceof FastEnqueueFilter);
    }
}
