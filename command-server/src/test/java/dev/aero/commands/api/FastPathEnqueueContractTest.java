package dev.aero.commands.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.ApplicationContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.aero.commands.front.ServiceFront;
import dev.aero.common.testing.RealServices;

/** {@link EnqueueContractTest} with the fast path as it is by default: the service port's event-loop front answers. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealServices(redis = true)
class FastPathEnqueueContractTest extends EnqueueContractTest {

    @DynamicPropertySource
    static void settings(DynamicPropertyRegistry registry) {
        common(registry);
    }

    @Autowired
    ApplicationContext context;

    @Test
    void theFrontHoldsThePortAndTheFilterStandsBehindIt() {
        assertThat(context.getBean(ServiceFront.class).port()).isEqualTo(port);
        assertThat(context.getBeansOfType(FilterRegistrationBean.class).values()).anyMatch(r -> r.getFilter() instanceof FastEnqueueFilter);
    }
}
